#pragma once
/// Viewing text as bytes and bytes as text without copying.

#include <cstdint>
#include <span>
#include <string_view>

namespace pgw {

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline std::string_view as_string_view(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace pgw
