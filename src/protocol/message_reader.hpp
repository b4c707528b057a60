#pragma once
/// A bounds-checked cursor over one message body, reading network-order integers and strings.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "protocol/bytes.hpp"

namespace pgw::protocol {

/// Reads fields front to back. Every read either returns the value and advances, or returns
/// std::nullopt and leaves the cursor where it was (the input is too short). Views returned
/// point into the input. Not thread-safe; cheap to copy.
class MessageReader {
 public:
  explicit MessageReader(ByteView input) : input_(input) {}

  std::optional<std::uint8_t> read_u8() {
    if (remaining() < 1) return std::nullopt;
    return input_[pos_++];
  }

  std::optional<std::uint16_t> read_u16() {
    if (remaining() < 2) return std::nullopt;
    const auto value = static_cast<std::uint16_t>((input_[pos_] << 8) | input_[pos_ + 1]);
    pos_ += 2;
    return value;
  }

  std::optional<std::int16_t> read_i16() {
    const auto value = read_u16();
    if (!value) return std::nullopt;
    return static_cast<std::int16_t>(*value);
  }

  std::optional<std::uint32_t> read_u32() {
    if (remaining() < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i)
      value = (value << 8) | input_[pos_ + i];
    pos_ += 4;
    return value;
  }

  std::optional<std::int32_t> read_i32() {
    const auto value = read_u32();
    if (!value) return std::nullopt;
    return static_cast<std::int32_t>(*value);
  }

  /// A NUL-terminated string; the view excludes the NUL, which is consumed.
  std::optional<std::string_view> read_cstring() {
    const auto rest = input_.subspan(pos_);
    if (rest.empty()) return std::nullopt;  // memchr must not see a null pointer
    const void* nul = std::memchr(rest.data(), 0, rest.size());
    if (nul == nullptr) return std::nullopt;
    const auto length =
        static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - rest.data());
    pos_ += length + 1;
    return as_chars(rest.first(length));
  }

  std::optional<ByteView> read_bytes(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    const auto bytes = input_.subspan(pos_, n);
    pos_ += n;
    return bytes;
  }

  /// Everything not read yet; the cursor moves to the end.
  ByteView read_rest() {
    const auto bytes = input_.subspan(pos_);
    pos_ = input_.size();
    return bytes;
  }

  std::size_t remaining() const { return input_.size() - pos_; }
  bool at_end() const { return pos_ == input_.size(); }
  std::size_t position() const { return pos_; }

 private:
  ByteView input_;
  std::size_t pos_ = 0;
};

}  // namespace pgw::protocol
