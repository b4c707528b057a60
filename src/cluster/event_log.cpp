#include "cluster/event_log.hpp"

#include "common/log.hpp"

namespace pgw::cluster {

std::uint64_t EventLog::add(std::string kind, std::optional<std::size_t> node, std::string message,
                            bool warning) {
  static auto logger = log::get("cluster");
  logger->log(warning ? spdlog::level::warn : spdlog::level::info, "{}: {}", kind, message);
  std::lock_guard lock(mutex_);
  Event event{++last_id_,         std::chrono::system_clock::now(),
              std::move(kind),    node,
              std::move(message), warning};
  events_.push_back(std::move(event));
  if (events_.size() > kCapacity) events_.pop_front();
  return last_id_;
}

std::vector<Event> EventLog::since(std::uint64_t after) const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  for (const auto& event : events_) {
    if (event.id > after) out.push_back(event);
  }
  return out;
}

}  // namespace pgw::cluster
