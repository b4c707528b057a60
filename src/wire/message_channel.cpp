#include "wire/message_channel.hpp"

namespace pgw::wire {
namespace {

ChannelError io_error(const net::error_code& ec) {
  if (ec == net::asio::error::eof || ec == net::asio::error::connection_reset ||
      ec == net::asio::error::broken_pipe) {
    return {ChannelError::Kind::kClosed, "connection closed"};
  }
  if (ec == net::asio::error::operation_aborted)
    return {ChannelError::Kind::kCancelled, "cancelled"};
  return {ChannelError::Kind::kIo, ec.message()};
}

}  // namespace

template <class NextFrame>
net::awaitable<Expected<protocol::Frame, ChannelError>> MessageChannel::read_frame(
    NextFrame next, std::size_t limit) {
  buffer_.consume(pending_consume_);
  pending_consume_ = 0;
  for (;;) {
    auto result = next(buffer_.data(), limit);
    if (result.status == protocol::FrameStatus::kComplete) {
      pending_consume_ = result.frame.size;
      co_return result.frame;
    }
    if (result.status == protocol::FrameStatus::kInvalid) {
      co_return unexpected(ChannelError{ChannelError::Kind::kProtocol, result.error});
    }
    net::error_code ec;
    std::size_t n = co_await stream_.read_some(buffer_.writable(), ec);
    if (ec) co_return unexpected(io_error(ec));
    buffer_.commit(n);
  }
}

net::awaitable<Expected<protocol::Frame, ChannelError>> MessageChannel::read_message(
    std::size_t max_body) {
  return read_frame(
      [](protocol::ByteView in, std::size_t limit) { return protocol::next_frame(in, limit); },
      max_body);
}

net::awaitable<Expected<protocol::Frame, ChannelError>> MessageChannel::read_startup_packet(
    std::size_t max_packet) {
  return read_frame([](protocol::ByteView in,
                       std::size_t limit) { return protocol::next_startup_frame(in, limit); },
                    max_packet);
}

net::awaitable<Expected<void, ChannelError>> MessageChannel::send(
    std::span<const std::uint8_t> bytes) {
  auto ec = co_await stream_.write_all(bytes);
  if (ec) co_return unexpected(io_error(ec));
  co_return Expected<void, ChannelError>{};
}

}  // namespace pgw::wire
