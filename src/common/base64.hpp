#pragma once
/// Standard base64 (RFC 4648, with padding), as SCRAM and etcd's JSON gateway use it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgw {

std::string base64_encode(std::span<const std::uint8_t> data);
inline std::string base64_encode(std::string_view text) {
  return base64_encode({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}
/// nullopt when `text` is not canonical padded base64.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

std::string hex_encode(std::span<const std::uint8_t> data);

}  // namespace pgw
