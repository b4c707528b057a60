#pragma once
/// Every failover and state change, as events: logged, kept (the last kCapacity) for
/// GET /v1/events and `pgwarden ctl events`. Thread-safe.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pgw::cluster {

struct Event {
  std::uint64_t id = 0;  ///< increasing
  std::chrono::system_clock::time_point time;
  std::string kind;  ///< "failover", "promote", "detach", "attach", "switchover", "node_down", ...
  std::optional<std::size_t> node;
  std::string message;
  bool warning = false;
};

class EventLog {
 public:
  static constexpr std::size_t kCapacity = 1000;
  /// Records and logs an event; returns its id.
  std::uint64_t add(std::string kind, std::optional<std::size_t> node, std::string message,
                    bool warning = false);
  /// Events with id > `after`, oldest first.
  std::vector<Event> since(std::uint64_t after) const;

 private:
  mutable std::mutex mutex_;
  std::deque<Event> events_;
  std::uint64_t last_id_ = 0;
};

}  // namespace pgw::cluster
