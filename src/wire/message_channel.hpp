#pragma once
/// PostgreSQL messages over a net::Stream, one whole message at a time: what the startup and
/// authentication phases (client side) and the server login (server side) need. The relay does
/// not use this; it forwards buffers (proxy/relay.hpp). Bytes read past the last message stay in
/// buffer() and must be handed on to whoever reads next.

#include <cstdint>
#include <span>
#include <string>

#include "common/io_buffer.hpp"
#include "common/result.hpp"
#include "net/stream.hpp"
#include "protocol/bytes.hpp"
#include "protocol/framing.hpp"

namespace pgw::wire {

struct ChannelError {
  enum class Kind { kClosed, kIo, kProtocol, kCancelled };
  Kind kind;
  std::string message;
};

class MessageChannel {
 public:
  MessageChannel(net::Stream& stream, IoBuffer& buffer) : stream_(stream), buffer_(buffer) {}
  /// Drops the last message read from the buffer (frames returned earlier become invalid).
  ~MessageChannel() { buffer_.consume(pending_consume_); }
  MessageChannel(const MessageChannel&) = delete;
  MessageChannel& operator=(const MessageChannel&) = delete;

  /// Bytes received after the last message returned (a client must not send any after an
  /// SSLRequest before the answer).
  std::size_t unread_bytes() const { return buffer_.size() - pending_consume_; }

  /// The next typed message (type + body). The body stays valid until the next read.
  net::awaitable<Expected<protocol::Frame, ChannelError>> read_message(std::size_t max_body);
  /// The next startup-phase packet (no type byte).
  net::awaitable<Expected<protocol::Frame, ChannelError>> read_startup_packet(
      std::size_t max_packet);
  net::awaitable<Expected<void, ChannelError>> send(std::span<const std::uint8_t> bytes);

 private:
  template <class NextFrame>
  net::awaitable<Expected<protocol::Frame, ChannelError>> read_frame(NextFrame next,
                                                                     std::size_t limit);

  net::Stream& stream_;
  IoBuffer& buffer_;
  std::size_t pending_consume_ = 0;
};

}  // namespace pgw::wire
