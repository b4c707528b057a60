#pragma once
/// Logging: one spdlog logger per module, all writing to the same sinks.
/// Secrets (passwords, keys, tokens, SCRAM material) are never passed to a logger.

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace pgw::log {

/// Configures every module logger: the level ("debug", "info", "warning", "error") and where
/// lines go (empty path: stderr). Returns false with `error` set when the level is unknown or
/// the file cannot be opened. Call once at start-up, before threads start; later calls (reload)
/// only change the level.
bool init(std::string_view level, const std::string& file_path, std::string* error);
bool set_level(std::string_view level);

/// The logger of `module` ("proxy", "pool", ...). Thread-safe; cache the pointer.
std::shared_ptr<spdlog::logger> get(std::string_view module);

}  // namespace pgw::log
