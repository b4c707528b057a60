#pragma once
/// "host:port" addresses, as written in [admin] listen and `pgwarden ctl --admin`.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pgw::admin {

struct HostPort {
  std::string host;  ///< without brackets ("::1")
  std::uint16_t port = 0;
  /// "host:port", or "[host]:port" when the host holds a ':'.
  std::string to_string() const;
};

/// Parses "host:port" or "[ipv6]:port": a non-empty host, a decimal port 0..65535. The host is
/// not resolved or checked further.
Result<HostPort> parse_host_port(std::string_view text);

}  // namespace pgw::admin
