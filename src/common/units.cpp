#include "common/units.hpp"

#include <charconv>
#include <limits>

namespace pgw {
namespace {

struct NumberAndUnit {
  std::uint64_t number;
  std::string_view unit;
};

std::optional<NumberAndUnit> split_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  while (!unit.empty() && unit.front() == ' ')
    unit.remove_prefix(1);
  return NumberAndUnit{n, unit};
}

std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) {
  if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) return std::nullopt;
  return a * b;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto parsed = split_number(text);
  if (!parsed) return std::nullopt;
  std::uint64_t factor = 0;
  if (parsed->unit == "ms")
    factor = 1;
  else if (parsed->unit == "s")
    factor = 1000;
  else if (parsed->unit == "min")
    factor = 60'000;
  else if (parsed->unit == "h")
    factor = 3'600'000;
  else
    return std::nullopt;
  auto ms = checked_multiply(parsed->number, factor);
  if (!ms || *ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto parsed = split_number(text);
  if (!parsed) return std::nullopt;
  std::uint64_t factor = 0;
  if (parsed->unit.empty() || parsed->unit == "B")
    factor = 1;
  else if (parsed->unit == "kB")
    factor = 1024;
  else if (parsed->unit == "MB")
    factor = 1024 * 1024;
  else if (parsed->unit == "GB")
    factor = 1024ull * 1024 * 1024;
  else
    return std::nullopt;
  return checked_multiply(parsed->number, factor);
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "min";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
  constexpr std::uint64_t kKb = 1024, kMb = kKb * 1024, kGb = kMb * 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "GB";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "MB";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kB";
  return std::to_string(bytes) + "B";
}

}  // namespace pgw
