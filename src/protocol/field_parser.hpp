#pragma once
/// Internal to the decoders: a MessageReader that remembers the first failure, so a decoder
/// reads its fields in a straight line and checks once at the end.

#include <utility>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "protocol/bytes.hpp"
#include "protocol/errors.hpp"
#include "protocol/message_reader.hpp"

namespace pgw::protocol::detail {

/// Each read returns the value, or after the first failure a harmless default (0, "", empty)
/// and the parser stays failed. `finish` then yields the message or "malformed <name> message:
/// <first problem>". Counts are checked against the bytes left before any caller reserves.
class FieldParser {
 public:
  FieldParser(ByteView body, std::string_view message_name)
      : reader_(body), message_name_(message_name) {}

  bool ok() const { return !error_; }

  std::uint8_t u8(std::string_view field) { return take(reader_.read_u8(), field); }
  std::int16_t i16(std::string_view field) { return take(reader_.read_i16(), field); }
  std::int32_t i32(std::string_view field) { return take(reader_.read_i32(), field); }
  std::uint32_t u32(std::string_view field) { return take(reader_.read_u32(), field); }
  std::string_view cstring(std::string_view field) {
    if (!ok()) return {};
    const auto text = reader_.read_cstring();
    if (!text) fail(std::string(field) + " is not NUL-terminated");
    return text.value_or(std::string_view{});
  }
  ByteView bytes(std::size_t n, std::string_view field) {
    return take(reader_.read_bytes(n), field);
  }
  ByteView rest() { return ok() ? reader_.read_rest() : ByteView{}; }

  /// An unsigned 16-bit count of elements at least `min_element_size` bytes each.
  std::size_t count16(std::size_t min_element_size, std::string_view field) {
    const std::size_t count = take(reader_.read_u16(), field);
    return checked_count(count, min_element_size, field);
  }
  /// A signed 32-bit count: negative is an error.
  std::size_t count32(std::size_t min_element_size, std::string_view field) {
    const std::int32_t count = i32(field);
    if (count < 0) {
      fail(std::string(field) + " is negative");
      return 0;
    }
    return checked_count(static_cast<std::size_t>(count), min_element_size, field);
  }
  /// Int32 length then that many bytes; length -1 means NULL (std::nullopt).
  std::optional<ByteView> nullable_bytes(std::string_view field) {
    const std::int32_t length = i32(field);
    if (!ok() || length == -1) return std::nullopt;
    if (length < -1) {
      fail(std::string(field) + " has negative length");
      return std::nullopt;
    }
    return bytes(static_cast<std::size_t>(length), field);
  }

  void fail(std::string problem) {
    if (!error_) error_ = std::move(problem);
  }
  /// The decoded message, or the first problem (trailing bytes are one).
  template <class Variant, class Message>
  Expected<Variant, ProtocolError> finish(Message&& message) {
    if (ok() && !reader_.at_end()) fail("unexpected data after the last field");
    if (error_) {
      return unexpected(
          ProtocolError{"malformed " + std::string(message_name_) + " message: " + *error_});
    }
    return Variant{std::forward<Message>(message)};
  }

 private:
  template <class T>
  T take(std::optional<T> value, std::string_view field) {
    if (!ok()) return T{};
    if (!value) fail(std::string(field) + " is truncated");
    return value.value_or(T{});
  }
  std::size_t checked_count(std::size_t count, std::size_t min_element_size,
                            std::string_view field) {
    if (ok() && count > reader_.remaining() / min_element_size) {
      fail(std::string(field) + " " + std::to_string(count) + " exceeds the message");
    }
    return ok() ? count : 0;
  }

  MessageReader reader_;
  std::string_view message_name_;
  std::optional<std::string> error_;
};

}  // namespace pgw::protocol::detail
