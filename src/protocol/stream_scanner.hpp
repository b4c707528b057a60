#pragma once
/// Finds message boundaries in a relayed byte stream that arrives in arbitrary chunks, so the
/// relay can forward whole buffers while still seeing every message header (DESIGN.md:
/// pass-through by default). Messages the visitor wants to read are only reported once they are
/// complete in the buffer; all others are streamed through as their bytes arrive, so a 50 MB
/// DataRow or CopyData never has to fit in memory.
///
/// The visitor is a template parameter so the per-message calls inline on the hot path:
///   bool wants_body(char type, std::uint32_t body_length);
///   ScanAction on_message(char type, std::uint32_t body_length, ByteView body);
/// `body` is the whole body when wants_body() returned true, empty otherwise.

#include <cstddef>
#include <cstdint>
#include <span>

namespace pgw::protocol {

enum class ScanAction {
  kContinue,    ///< forward this message and go on
  kStopBefore,  ///< do not forward this message (nor anything after it); stop scanning
  kStopAfter,   ///< forward this message, then stop scanning
};

struct ScanOutcome {
  /// Bytes from the start of the input that may be forwarded (and dropped from the buffer).
  std::size_t forwardable = 0;
  /// The visitor stopped; the stopping message starts at `forwardable` (kStopBefore) or just
  /// before it (kStopAfter).
  bool stopped = false;
  /// The stream is not valid protocol; `error` says why. Nothing past `forwardable` is valid.
  const char* error = nullptr;
  /// When the tail is an incomplete message the visitor wants whole: the buffer size it needs.
  std::size_t needed_capacity = 0;
};

class StreamScanner {
 public:
  /// Messages whose body exceeds `max_body_size` make the stream invalid.
  explicit StreamScanner(std::size_t max_body_size) : max_body_size_(max_body_size) {}

  /// Scans `input`, the bytes not yet forwarded. The caller forwards the first `forwardable`
  /// bytes, drops them, appends newly read bytes after the rest and calls scan() again.
  template <class Visitor>
  ScanOutcome scan(std::span<const std::uint8_t> input, Visitor& visitor);

  /// True at a message boundary: no streamed message is still in flight.
  bool at_boundary() const { return streaming_remaining_ == 0; }
  /// Forgets a message being streamed (after a resynchronising event such as a new server).
  void reset() { streaming_remaining_ = 0; }

 private:
  std::size_t max_body_size_;
  std::uint64_t streaming_remaining_ = 0;
};

template <class Visitor>
ScanOutcome StreamScanner::scan(std::span<const std::uint8_t> input, Visitor& visitor) {
  ScanOutcome out;
  std::size_t pos = 0;
  const std::size_t size = input.size();
  if (streaming_remaining_ > 0) {
    std::size_t take =
        streaming_remaining_ < size ? static_cast<std::size_t>(streaming_remaining_) : size;
    streaming_remaining_ -= take;
    pos = take;
  }
  while (size - pos >= 5) {
    const std::uint8_t* p = input.data() + pos;
    char type = static_cast<char>(p[0]);
    std::uint32_t length = (std::uint32_t{p[1]} << 24) | (std::uint32_t{p[2]} << 16) |
                           (std::uint32_t{p[3]} << 8) | std::uint32_t{p[4]};
    if (length < 4 || length > 0x7fffffffu) {
      out.error = "invalid message length";
      break;
    }
    std::uint32_t body_length = length - 4;
    if (body_length > max_body_size_) {
      out.error = "message exceeds the maximum message size";
      break;
    }
    std::size_t total = std::size_t{length} + 1;
    bool complete = size - pos >= total;
    bool wants = visitor.wants_body(type, body_length);
    if (wants && !complete) {
      out.needed_capacity = total;
      break;
    }
    std::span<const std::uint8_t> body;
    if (wants) body = input.subspan(pos + 5, body_length);
    ScanAction action = visitor.on_message(type, body_length, body);
    if (action == ScanAction::kStopBefore) {
      out.stopped = true;
      break;
    }
    if (complete) {
      pos += total;
    } else {
      streaming_remaining_ = total - (size - pos);
      pos = size;
    }
    if (action == ScanAction::kStopAfter) {
      out.stopped = true;
      break;
    }
  }
  out.forwardable = pos;
  return out;
}

}  // namespace pgw::protocol
