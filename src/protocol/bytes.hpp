#pragma once
/// Byte buffers of the wire codec: an owning vector and a non-owning view.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace pgw::protocol {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// A view of the characters of `text` as bytes (no copy).
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

/// A view of `bytes` as characters (no copy).
inline std::string_view as_chars(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace pgw::protocol
