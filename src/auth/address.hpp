#pragma once
/// IP addresses and networks for pg_hba.conf-style rules. Pure parsing (inet_pton), no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgw::auth {

struct IpAddress {
  int family = 0;  ///< AF_INET or AF_INET6
  /// Network byte order; an IPv4 address uses the first 4 bytes, the rest are zero.
  std::array<std::uint8_t, 16> bytes{};

  /// A numeric IPv4 ("10.0.0.1") or IPv6 ("::1", "::ffff:10.0.0.1") address; nullopt for
  /// anything else (host names, zone ids such as "fe80::1%eth0", prefixes).
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::array<std::uint8_t, 4> octets);
  /// The canonical text form (inet_ntop).
  std::string to_string() const;

  /// Whether this is an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
  bool is_v4_mapped() const;
  /// The IPv4 address of an IPv4-mapped one; itself otherwise.
  IpAddress unmapped() const;

  bool operator==(const IpAddress&) const = default;
};

struct IpNetwork {
  IpAddress address;
  int prefix_length = 0;  ///< 0..32 for IPv4, 0..128 for IPv6

  /// "address/prefix" (the address part as IpAddress::parse, the prefix a decimal in range).
  /// A bare address without "/prefix" is refused. Bits past the prefix may be set (like
  /// PostgreSQL, "10.1.2.3/8" means 10.0.0.0/8).
  static std::optional<IpNetwork> parse(std::string_view cidr);
  /// An address and a netmask of the same family ("10.0.0.0", "255.0.0.0"); the mask must be
  /// contiguous ones then zeros.
  static std::optional<IpNetwork> from_address_and_mask(std::string_view address,
                                                        std::string_view mask);

  /// Whether `candidate` lies in this network. IPv4-mapped IPv6 addresses compare as IPv4, on
  /// either side (a network ::ffff:10.0.0.0/104 is 10.0.0.0/8); otherwise the families must
  /// be equal.
  bool contains(const IpAddress& candidate) const;

  /// "address/prefix".
  std::string to_string() const;

  bool operator==(const IpNetwork&) const = default;
};

}  // namespace pgw::auth
