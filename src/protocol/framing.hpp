#pragma once
/// Cuts a byte stream into messages, looking only at headers (the relay's hot path).

#include <cstddef>
#include <string>

#include "protocol/bytes.hpp"

namespace pgw::protocol {

enum class FrameStatus { kComplete, kNeedMore, kInvalid };

struct Frame {
  char type = 0;         ///< the type byte; 0 for startup-phase packets
  ByteView body;         ///< the bytes after the length word, a view into the input
  std::size_t size = 0;  ///< header + body bytes consumed from the input
};

struct FrameResult {
  FrameStatus status = FrameStatus::kNeedMore;
  Frame frame;        ///< set when kComplete
  std::string error;  ///< set when kInvalid
};

/// PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH).
inline constexpr std::size_t kMaxStartupPacketSize = 10000;

/// The first message of `input`, for typed messages: 1 type byte + int32 length (counting
/// itself, so >= 4) + body. kNeedMore while the header or body is incomplete; kInvalid when the
/// length is below 4 or the body is larger than `max_body_size` (decided from the header
/// alone, so an oversized message is refused before it is buffered). Pure; no allocation
/// unless kInvalid.
FrameResult next_frame(ByteView input, std::size_t max_body_size);

/// The first packet of `input` during the startup phase: int32 length (counting itself) +
/// body, no type byte (type = 0). kInvalid when the length is < 8 or > `max_packet_size`.
FrameResult next_startup_frame(ByteView input, std::size_t max_packet_size);

}  // namespace pgw::protocol
