#include "auth/address.hpp"

#include <algorithm>
#include <charconv>

#include <arpa/inet.h>
#include <sys/socket.h>

namespace pgw::auth {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr int kMappedPrefixBits = 96;

int max_prefix(int family) {
  return family == AF_INET ? 32 : 128;
}

bool prefix_equal(const IpAddress& a, const IpAddress& b, int bits) {
  int full = bits / 8;
  for (int i = 0; i < full; ++i) {
    if (a.bytes[static_cast<std::size_t>(i)] != b.bytes[static_cast<std::size_t>(i)]) return false;
  }
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  auto idx = static_cast<std::size_t>(full);
  return (a.bytes[idx] & mask) == (b.bytes[idx] & mask);
}

// The number of leading one bits of a contiguous mask; nullopt if the mask is not contiguous.
std::optional<int> mask_to_prefix(const IpAddress& mask) {
  int total = max_prefix(mask.family);
  int bits = 0;
  while (bits < total && (mask.bytes[static_cast<std::size_t>(bits / 8)] >> (7 - bits % 8)) & 1) {
    ++bits;
  }
  for (int i = bits; i < total; ++i) {
    if ((mask.bytes[static_cast<std::size_t>(i / 8)] >> (7 - i % 8)) & 1) return std::nullopt;
  }
  return bits;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string copy(text);  // inet_pton needs a terminated string
  IpAddress out;
  if (::inet_pton(AF_INET, copy.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET;
    return out;
  }
  if (::inet_pton(AF_INET6, copy.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET6;
    return out;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> octets) {
  IpAddress out;
  out.family = AF_INET;
  std::copy(octets.begin(), octets.end(), out.bytes.begin());
  return out;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family, bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

bool IpAddress::is_v4_mapped() const {
  return family == AF_INET6 &&
         std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin());
}

IpAddress IpAddress::unmapped() const {
  if (!is_v4_mapped()) return *this;
  return v4({bytes[12], bytes[13], bytes[14], bytes[15]});
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::parse(cidr.substr(0, slash));
  auto digits = cidr.substr(slash + 1);
  if (!address || digits.empty() || digits.size() > 3) return std::nullopt;
  int prefix = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (prefix < 0 || prefix > max_prefix(address->family)) return std::nullopt;
  return IpNetwork{*address, prefix};
}

std::optional<IpNetwork> IpNetwork::from_address_and_mask(std::string_view address,
                                                          std::string_view mask) {
  auto addr = IpAddress::parse(address);
  auto mask_addr = IpAddress::parse(mask);
  if (!addr || !mask_addr || addr->family != mask_addr->family) return std::nullopt;
  auto prefix = mask_to_prefix(*mask_addr);
  if (!prefix) return std::nullopt;
  return IpNetwork{*addr, *prefix};
}

bool IpNetwork::contains(const IpAddress& candidate) const {
  IpAddress net = address;
  int bits = prefix_length;
  if (net.is_v4_mapped() && bits >= kMappedPrefixBits) {
    net = net.unmapped();
    bits -= kMappedPrefixBits;
  }
  IpAddress addr = candidate.unmapped();
  if (net.family != addr.family) return false;
  return prefix_equal(net, addr, bits);
}

std::string IpNetwork::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_length);
}

}  // namespace pgw::auth
