#include "protocol/framing.hpp"

#include <cstdint>
#include <string>

#include "protocol/message_reader.hpp"
#include "protocol/message_types.hpp"

namespace pgw::protocol {
namespace {

constexpr std::size_t kLengthSize = 4;

FrameResult invalid(std::string error) {
  return {FrameStatus::kInvalid, {}, std::move(error)};
}

}  // namespace

FrameResult next_frame(ByteView input, std::size_t max_body_size) {
  if (input.size() < 1 + kLengthSize) return {};
  const char type = static_cast<char>(input[0]);
  const std::int32_t length = *MessageReader(input.subspan(1)).read_i32();
  if (length < static_cast<std::int32_t>(kLengthSize)) {
    return invalid("invalid length " + std::to_string(length) + " of message type " +
                   describe_type_byte(type));
  }
  const auto body_size = static_cast<std::size_t>(length) - kLengthSize;
  if (body_size > max_body_size) {
    return invalid("message type " + describe_type_byte(type) + " too large: " +
                   std::to_string(body_size) + " bytes, limit " + std::to_string(max_body_size));
  }
  const std::size_t total = 1 + static_cast<std::size_t>(length);
  if (input.size() < total) return {};
  return {
      FrameStatus::kComplete, Frame{type, input.subspan(1 + kLengthSize, body_size), total}, {}};
}

FrameResult next_startup_frame(ByteView input, std::size_t max_packet_size) {
  if (input.size() < kLengthSize) return {};
  const std::int32_t length = *MessageReader(input).read_i32();
  // Same bounds as PostgreSQL: at least the length and a protocol code.
  if (length < 8 || static_cast<std::size_t>(length) > max_packet_size) {
    return invalid("invalid length of startup packet: " + std::to_string(length));
  }
  const auto total = static_cast<std::size_t>(length);
  if (input.size() < total) return {};
  return {
      FrameStatus::kComplete, Frame{0, input.subspan(kLengthSize, total - kLengthSize), total}, {}};
}

}  // namespace pgw::protocol
