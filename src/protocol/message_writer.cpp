#include "protocol/message_writer.hpp"

#include <cassert>
#include <cstdint>
#include <limits>

namespace pgw::protocol {

void MessageWriter::begin(char type) {
  assert(!open_);
  out_->push_back(static_cast<std::uint8_t>(type));
  begin_untyped();
}

void MessageWriter::begin_untyped() {
  assert(!open_);
  open_ = true;
  length_at_ = out_->size();
  put_u32(0);
}

void MessageWriter::put_u16(std::uint16_t value) {
  out_->push_back(static_cast<std::uint8_t>(value >> 8));
  out_->push_back(static_cast<std::uint8_t>(value));
}

void MessageWriter::put_u32(std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out_->push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void MessageWriter::put_count16(std::size_t count) {
  assert(count <= std::numeric_limits<std::uint16_t>::max());
  put_u16(static_cast<std::uint16_t>(count));
}

void MessageWriter::put_cstring(std::string_view text) {
  assert(text.find('\0') == std::string_view::npos);
  put_bytes(as_bytes(text));
  out_->push_back(0);
}

void MessageWriter::put_bytes(ByteView bytes) {
  out_->insert(out_->end(), bytes.begin(), bytes.end());
}

void MessageWriter::finish() {
  assert(open_);
  open_ = false;
  const std::size_t length = out_->size() - length_at_;
  assert(length <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()));
  const auto value = static_cast<std::uint32_t>(length);
  for (std::size_t i = 0; i < 4; ++i) {
    (*out_)[length_at_ + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  }
}

}  // namespace pgw::protocol
