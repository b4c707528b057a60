#include "config/validate.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace pgw::config::detail {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_ip_address(std::string_view text) {
  const std::string copy(text);  // inet_pton needs a terminated string
  if (copy.find('\0') != std::string::npos) return false;
  in6_addr buffer{};
  return inet_pton(AF_INET, copy.c_str(), &buffer) == 1 ||
         inet_pton(AF_INET6, copy.c_str(), &buffer) == 1;
}

bool is_host_name(std::string_view text) {
  constexpr std::size_t kMaxHostName = 253;
  if (text.empty() || text.size() > kMaxHostName) return false;
  if (text.front() == '-' || text.front() == '.') return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_host_and_port(std::string_view text) {
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return false;
    const std::string_view host = text.substr(1, close - 1);
    return host.find(':') != std::string_view::npos && is_ip_address(host) &&
           parse_port(text.substr(close + 2)).has_value();
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  return is_host_name(text.substr(0, colon)) && parse_port(text.substr(colon + 1)).has_value();
}

bool is_backend_name(std::string_view text) {
  constexpr std::size_t kMaxName = 63;
  if (text.empty() || text.size() > kMaxName) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::optional<std::uint32_t> parse_octal_mode(std::string_view text) {
  if (text.size() == 4 && text.front() == '0') text.remove_prefix(1);
  if (text.size() != 3) return std::nullopt;
  std::uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  }
  return mode;
}

}  // namespace pgw::config::detail
