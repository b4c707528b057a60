#include "cluster/lsn.hpp"

#include <charconv>
#include <cstdio>

namespace pgw::cluster {
namespace {

std::optional<std::uint32_t> parse_half(std::string_view hex) {
  if (hex.empty() || hex.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  // from_chars accepts neither signs nor "0x" prefixes, so only hex digits pass.
  auto high = parse_half(text.substr(0, slash));
  auto low = parse_half(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return (std::uint64_t{*high} << 32) | *low;
}

std::string format_lsn(std::uint64_t lsn) {
  char text[24];
  int n = std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32),
                        static_cast<unsigned>(lsn & 0xFFFFFFFFu));
  return std::string(text, static_cast<std::size_t>(n));
}

}  // namespace pgw::cluster
