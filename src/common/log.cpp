#include "common/log.hpp"

#include <mutex>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace pgw::log {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_sink_mt>()};
  spdlog::level::level_enum level = spdlog::level::info;
};

Registry& registry() {
  static Registry r;
  return r;
}

constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";

bool parse_level(std::string_view text, spdlog::level::level_enum* out) {
  if (text == "debug")
    *out = spdlog::level::debug;
  else if (text == "info")
    *out = spdlog::level::info;
  else if (text == "warning" || text == "warn")
    *out = spdlog::level::warn;
  else if (text == "error")
    *out = spdlog::level::err;
  else if (text == "trace")
    *out = spdlog::level::trace;
  else
    return false;
  return true;
}

}  // namespace

bool init(std::string_view level, const std::string& file_path, std::string* error) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (!parse_level(level, &r.level)) {
    if (error) *error = "unknown log level '" + std::string(level) + "'";
    return false;
  }
  if (!file_path.empty()) {
    try {
      r.sinks = {std::make_shared<spdlog::sinks::basic_file_sink_mt>(file_path)};
    } catch (const spdlog::spdlog_ex& e) {
      if (error) *error = e.what();
      return false;
    }
  }
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->sinks() = r.sinks;
    l->set_level(r.level);
    l->set_pattern(kPattern);
  });
  return true;
}

bool set_level(std::string_view level) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (!parse_level(level, &r.level)) return false;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(r.level); });
  return true;
}

std::shared_ptr<spdlog::logger> get(std::string_view module) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::string name(module);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->set_pattern(kPattern);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace pgw::log
