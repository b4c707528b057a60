#include "admin/host_port.hpp"

#include <charconv>

namespace pgw::admin {
namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end || value > 65535) {
    return fail("'" + std::string(whole) + "': the port must be a number from 0 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string HostPort::to_string() const {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

Result<HostPort> parse_host_port(std::string_view text) {
  const std::string expected =
      "'" + std::string(text) + "' is not \"host:port\" (\"[address]:port\" for IPv6)";
  HostPort result;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return fail(expected);
    result.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(expected);
    result.host = std::string(text.substr(0, colon));
    if (result.host.find(':') != std::string::npos) return fail(expected);
    port = text.substr(colon + 1);
  }
  if (result.host.empty()) return fail(expected);
  auto parsed = parse_port(port, text);
  if (!parsed) return unexpected(parsed.error());
  result.port = *parsed;
  return result;
}

}  // namespace pgw::admin
