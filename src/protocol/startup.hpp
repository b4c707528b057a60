#pragma once
/// Startup-phase packets (no type byte): StartupMessage, SSLRequest, GSSENCRequest,
/// CancelRequest. Protocol 3.0, "Message Formats" and "Start-up" in the PostgreSQL docs.

#include <utility>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "protocol/bytes.hpp"
#include "protocol/errors.hpp"

namespace pgw::protocol {

inline constexpr std::int32_t kProtocolVersion30 = 196608;    // 3 << 16
inline constexpr std::int32_t kCancelRequestCode = 80877102;  // 1234 << 16 | 5678
inline constexpr std::int32_t kSslRequestCode = 80877103;     // 1234 << 16 | 5679
inline constexpr std::int32_t kGssEncRequestCode = 80877104;  // 1234 << 16 | 5680

/// The parameters are owned copies: they outlive the packet buffer.
struct StartupMessage {
  std::uint16_t major_version = 3;
  std::uint16_t minor_version = 0;
  /// In packet order, including "user", "database", "options", "replication" and `_pq_.`
  /// protocol options.
  std::vector<std::pair<std::string, std::string>> parameters;

  /// The value of parameter `name`, or nullptr. When a name repeats the last one wins, as in
  /// PostgreSQL.
  const std::string* find(std::string_view name) const;
};

struct SslRequest {};
struct GssEncRequest {};
struct CancelRequest {
  std::int32_t process_id = 0;
  std::int32_t secret_key = 0;
};

using StartupPacket = std::variant<StartupMessage, SslRequest, GssEncRequest, CancelRequest>;

/// Decodes a startup packet; `body` is the packet after its length word (next_startup_frame's
/// Frame::body). Errors are worded like PostgreSQL's: an unsupported major version ("unsupported
/// frontend protocol 2.0: server supports 3.0 to 3.0"), a parameter list without its final
/// terminator, a name without value, an empty parameter name, no "user" ("no PostgreSQL user
/// name specified in startup packet"), a wrong length for the SSL/GSS/cancel codes. A minor
/// version above 0 is accepted and returned so that the caller can answer
/// NegotiateProtocolVersion.
Expected<StartupPacket, ProtocolError> decode_startup_packet(ByteView body);

/// Each appends one whole packet, length word included, to `out`.
void encode(const StartupMessage& message, Bytes& out);
void encode(const SslRequest& message, Bytes& out);
void encode(const GssEncRequest& message, Bytes& out);
void encode(const CancelRequest& message, Bytes& out);

}  // namespace pgw::protocol
