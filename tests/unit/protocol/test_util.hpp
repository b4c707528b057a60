#pragma once
// Helpers shared by the protocol tests.

#include <string>
#include <string_view>
#include <variant>

#include <gtest/gtest.h>

#include "protocol/backend.hpp"
#include "protocol/bytes.hpp"
#include "protocol/framing.hpp"
#include "protocol/frontend.hpp"

namespace pgw::protocol::testing {

inline constexpr std::size_t kMaxBody = 1 << 20;

/// Bytes of a string literal written with ""sv (embedded NULs kept).
inline Bytes wire(std::string_view text) {
  return {text.begin(), text.end()};
}

inline std::string text(ByteView bytes) {
  return std::string(as_chars(bytes));
}

/// The single whole message in `bytes`, or a failed assertion.
inline Frame only_frame(const Bytes& bytes) {
  const FrameResult result = next_frame(bytes, kMaxBody);
  EXPECT_EQ(result.status, FrameStatus::kComplete) << result.error;
  EXPECT_EQ(result.frame.size, bytes.size());
  return result.frame;
}

/// Encodes `original`, frames and decodes it, checks the decoded alternative is the same type
/// and that encoding it again gives the same bytes; returns the decoded message.
template <class Message, class Decode>
Message round_trip(const Message& original, Bytes& wire_bytes, Decode decode) {
  encode(original, wire_bytes);
  const Frame frame = only_frame(wire_bytes);
  auto decoded = decode(frame.type, frame.body);
  EXPECT_TRUE(decoded.has_value()) << (decoded ? "" : decoded.error().message);
  if (!decoded) return {};
  EXPECT_TRUE(std::holds_alternative<Message>(*decoded));
  if (!std::holds_alternative<Message>(*decoded)) return {};
  Message result = std::get<Message>(*decoded);
  Bytes again;
  encode(result, again);
  EXPECT_EQ(again, wire_bytes);
  return result;
}

/// The error message decoding (type, body) gives, or "<decoded>" when it succeeds.
template <class Decode>
std::string error_of(Decode decode, char type, const Bytes& body) {
  auto decoded = decode(type, ByteView(body));
  return decoded ? std::string("<decoded>") : decoded.error().message;
}

}  // namespace pgw::protocol::testing
