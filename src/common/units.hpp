#pragma once
/// Parsing and printing of the durations and sizes that appear in configuration files:
/// "250ms", "5s", "2min", "1h"; "512", "64kB", "16MB", "1GB" (powers of 1024, as PostgreSQL).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgw {

/// nullopt when `text` is not a non-negative number followed by one of ms, s, min, h.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
/// nullopt when `text` is not a non-negative integer optionally followed by B, kB, MB, GB.
std::optional<std::uint64_t> parse_size(std::string_view text);

std::string format_duration(std::chrono::milliseconds d);
std::string format_size(std::uint64_t bytes);

}  // namespace pgw
