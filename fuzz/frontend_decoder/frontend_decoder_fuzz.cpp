// Fuzzes what a client can send: the startup phase (next_startup_frame +
// decode_startup_packet), then typed messages (next_frame + decode_frontend and the three 'p'
// decoders). Whatever decodes must encode back to the very same bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "protocol/framing.hpp"
#include "protocol/frontend.hpp"
#include "protocol/startup.hpp"

namespace {

using namespace pgw::protocol;

constexpr std::size_t kMaxBody = 65536;
constexpr int kMaxStartupPackets = 3;  // SSLRequest, GSSENCRequest, then the StartupMessage

// The encoding of a decoded message must be the message it came from (header included).
template <class Encode>
void expect_same_bytes(ByteView original, Encode encode_again) {
  Bytes again;
  encode_again(again);
  if (!std::equal(again.begin(), again.end(), original.begin(), original.end())) std::abort();
}

// Returns the input after the startup packets, or all of it when there is no valid one.
ByteView fuzz_startup_phase(ByteView input) {
  ByteView rest = input;
  for (int i = 0; i < kMaxStartupPackets; ++i) {
    const FrameResult result = next_startup_frame(rest, kMaxStartupPacketSize);
    if (result.status != FrameStatus::kComplete) break;
    const ByteView packet_bytes = rest.first(result.frame.size);
    rest = rest.subspan(result.frame.size);
    const auto packet = decode_startup_packet(result.frame.body);
    if (!packet) break;
    expect_same_bytes(packet_bytes, [&packet](Bytes& out) {
      std::visit([&out](const auto& p) { encode(p, out); }, *packet);
    });
    if (std::holds_alternative<StartupMessage>(*packet)) {
      if (std::get<StartupMessage>(*packet).find("user") == nullptr) std::abort();
      return rest;
    }
  }
  return rest.size() == input.size() ? input : rest;
}

void fuzz_password_decoders(ByteView message_bytes, ByteView body) {
  if (const auto password = decode_password_message(body)) {
    expect_same_bytes(message_bytes, [&password](Bytes& out) { encode(*password, out); });
  }
  if (const auto initial = decode_sasl_initial_response(body)) {
    expect_same_bytes(message_bytes, [&initial](Bytes& out) { encode(*initial, out); });
  }
  if (const auto response = decode_sasl_response(body)) {
    expect_same_bytes(message_bytes, [&response](Bytes& out) { encode(*response, out); });
  }
}

void fuzz_typed_phase(ByteView rest) {
  for (;;) {
    const FrameResult result = next_frame(rest, kMaxBody);
    if (result.status != FrameStatus::kComplete) return;
    const ByteView message_bytes = rest.first(result.frame.size);
    rest = rest.subspan(result.frame.size);
    if (result.frame.type == 'p') {
      fuzz_password_decoders(message_bytes, result.frame.body);
      continue;
    }
    if (const auto message = decode_frontend(result.frame.type, result.frame.body)) {
      expect_same_bytes(message_bytes, [&message](Bytes& out) { encode_frontend(*message, out); });
    }
  }
}

}  // namespace

// libFuzzer's entry point: the name is not ours.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  fuzz_typed_phase(fuzz_startup_phase(input));
  // Also every decoder on an unframed body: the first byte picks the type.
  if (!input.empty()) {
    (void)decode_frontend(static_cast<char>(input[0]), input.subspan(1));
    (void)decode_startup_packet(input.subspan(1));
  }
  return 0;
}
