#pragma once
/// Writes one message at a time onto the end of a buffer, back-patching its length word.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/bytes.hpp"

namespace pgw::protocol {

/// Usage: begin(type), put_... fields, finish(). Appends to `out`, never clears it, so many
/// messages can be written into one buffer. Messages do not nest. The buffer must outlive the
/// writer. Preconditions (checked by assert only): begin before put/finish, strings given to
/// put_cstring contain no NUL, a message stays under 2^31 bytes.
class MessageWriter {
 public:
  explicit MessageWriter(Bytes& out) : out_(&out) {}

  /// Starts a typed message: the type byte and a placeholder length.
  void begin(char type);
  /// Starts a startup-phase packet (StartupMessage, SSLRequest, CancelRequest): no type byte.
  void begin_untyped();

  void put_u8(std::uint8_t value) { out_->push_back(value); }
  void put_u16(std::uint16_t value);
  void put_i16(std::int16_t value) { put_u16(static_cast<std::uint16_t>(value)); }
  void put_u32(std::uint32_t value);
  void put_i32(std::int32_t value) { put_u32(static_cast<std::uint32_t>(value)); }
  /// A 16-bit element count; asserts `count` fits (the protocol's counts are unsigned 16-bit).
  void put_count16(std::size_t count);
  /// The characters and a terminating NUL.
  void put_cstring(std::string_view text);
  void put_bytes(ByteView bytes);

  /// Writes the length of the message begun last (it counts itself, not the type byte).
  void finish();

 private:
  Bytes* out_;
  std::size_t length_at_ = 0;
  bool open_ = false;
};

}  // namespace pgw::protocol
