// Fuzzes what a server can send: typed messages through next_frame + decode_backend. Whatever
// decodes must encode back to the very same bytes (except AuthenticationOther, which keeps only
// its code by design).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "protocol/backend.hpp"
#include "protocol/framing.hpp"

namespace {

using namespace pgw::protocol;

constexpr std::size_t kMaxBody = 65536;

void check_round_trip(ByteView message_bytes, const BackendMessage& message) {
  if (std::holds_alternative<AuthenticationOther>(message)) return;
  Bytes again;
  encode_backend(message, again);
  if (!std::equal(again.begin(), again.end(), message_bytes.begin(), message_bytes.end())) {
    std::abort();
  }
}

// Touches every accessor of the decoded message, so a bad view would be read (ASan).
void read_fields(const BackendMessage& message) {
  if (const auto* error = std::get_if<ErrorResponse>(&message)) {
    (void)error->fields.severity();
    (void)error->fields.sqlstate();
    (void)error->fields.message();
  }
}

}  // namespace

// libFuzzer's entry point: the name is not ours.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView rest(data, size);
  for (;;) {
    const FrameResult result = next_frame(rest, kMaxBody);
    if (result.status != FrameStatus::kComplete) break;
    const ByteView message_bytes = rest.first(result.frame.size);
    rest = rest.subspan(result.frame.size);
    if (const auto message = decode_backend(result.frame.type, result.frame.body)) {
      read_fields(*message);
      check_round_trip(message_bytes, *message);
    }
  }
  // Also the decoders on an unframed body: the first byte picks the type.
  if (size > 0) (void)decode_backend(static_cast<char>(data[0]), ByteView(data + 1, size - 1));
  return 0;
}
