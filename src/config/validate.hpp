#pragma once
/// Internal to src/config: checks of the string values found in pgwarden.toml. Pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

namespace pgw::config::detail {

/// Longest unix socket directory: `sun_path` holds 107 bytes and the socket's own name
/// "/.s.PGSQL.65535" takes 15 of them.
inline constexpr std::size_t kMaxSocketDirLength = 92;

/// An IPv4 or IPv6 address literal (inet_pton accepts it).
bool is_ip_address(std::string_view text);
/// A DNS name: letters, digits, '-', '_' and '.', at most 253 bytes, not starting with '-' or '.'.
bool is_host_name(std::string_view text);
/// A decimal port number from 1 to 65535.
std::optional<std::uint16_t> parse_port(std::string_view text);
/// "host:port" or "[ipv6]:port"; the host a name or an address.
bool is_host_and_port(std::string_view text);
/// 1 to 63 characters among [A-Za-z0-9_.-].
bool is_backend_name(std::string_view text);
/// Unix permission bits written in octal, "0777" or "777" (3 digits, optional leading 0).
std::optional<std::uint32_t> parse_octal_mode(std::string_view text);

}  // namespace pgw::config::detail
