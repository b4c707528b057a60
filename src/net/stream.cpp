#include "net/stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "net/watchdog.hpp"

namespace pgw::net {

Stream::Stream(Socket socket) : socket_(std::move(socket)) {
  error_code ec;
  socket_.non_blocking(true, ec);
  family_ = socket_.local_endpoint(ec).protocol().family();
}

Stream::Stream(Stream&& other) noexcept
    : socket_(std::move(other.socket_)),
      family_(other.family_),
      tls_context_(std::move(other.tls_context_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      read_wants_write_(other.read_wants_write_) {}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    if (ssl_ != nullptr) SSL_free(ssl_);
    socket_ = std::move(other.socket_);
    family_ = other.family_;
    tls_context_ = std::move(other.tls_context_);
    ssl_ = std::exchange(other.ssl_, nullptr);
    read_wants_write_ = other.read_wants_write_;
  }
  return *this;
}

Stream::~Stream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

awaitable<error_code> Stream::wait_readable() {
  error_code ec;
  // Decrypted bytes already inside OpenSSL are readable now; the socket may stay silent.
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) co_return ec;
  auto wait = read_wants_write_ ? Socket::wait_write : Socket::wait_read;
  co_await socket_.async_wait(wait, use_awaitable_ec(ec));
  co_return ec;
}

std::size_t Stream::read_available(std::span<std::uint8_t> into, error_code& ec) {
  ec = {};
  if (ssl_ != nullptr) return tls_read(into, ec);
  return socket_.read_some(asio::buffer(into.data(), into.size()), ec);
}

awaitable<std::size_t> Stream::read_some(std::span<std::uint8_t> into, error_code& ec) {
  for (;;) {
    std::size_t n = read_available(into, ec);
    if (ec != asio::error::would_block) co_return n;
    ec = co_await wait_readable();
    if (ec) co_return 0;
  }
}

awaitable<error_code> Stream::read_exact(std::span<std::uint8_t> into) {
  std::size_t done = 0;
  while (done < into.size()) {
    error_code ec;
    done += co_await read_some(into.subspan(done), ec);
    if (ec) co_return ec;
  }
  co_return error_code{};
}

awaitable<error_code> Stream::write_all(std::span<const std::uint8_t> data) {
  if (ssl_ != nullptr) co_return co_await tls_write_all(data);
  std::size_t done = 0;
  while (done < data.size()) {
    error_code ec;
    done += socket_.write_some(asio::buffer(data.data() + done, data.size() - done), ec);
    if (ec == asio::error::would_block) {
      co_await socket_.async_wait(Socket::wait_write, use_awaitable_ec(ec));
    }
    if (ec) co_return ec;
  }
  co_return error_code{};
}

void Stream::cancel() {
  error_code ec;
  socket_.cancel(ec);
}

void Stream::close() {
  if (ssl_ != nullptr) {
    // Best effort close_notify; never waits.
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  error_code ec;
  socket_.shutdown(Socket::shutdown_both, ec);
  socket_.close(ec);
}

awaitable<void> Stream::close_gracefully(std::chrono::milliseconds timeout,
                                         std::size_t max_discard) {
  error_code ec;
  socket_.shutdown(Socket::shutdown_send, ec);
  if (!ec) {
    Watchdog watchdog(socket_.get_executor(), timeout, [this] { cancel(); });
    std::uint8_t scratch[4096];
    std::size_t discarded = 0;
    while (discarded < max_discard) {
      std::size_t n = co_await read_some(scratch, ec);
      if (ec) break;
      discarded += n;
    }
  }
  close();
}

bool Stream::has_pending_input_or_eof() {
  std::uint8_t byte = 0;
  ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0 || n == 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

bool Stream::peer_closed() {
  std::uint8_t byte = 0;
  ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;
  if (n == 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

void Stream::rebind(const Executor& executor) {
  if (socket_.get_executor() == executor) return;
  error_code ec;
  auto protocol = socket_.local_endpoint(ec).protocol();
  int fd = socket_.release(ec);
  Socket moved(executor);
  moved.assign(protocol, fd, ec);
  moved.non_blocking(true, ec);
  socket_ = std::move(moved);
}

void tune_socket(Socket& socket) {
  error_code ec;
  auto family = socket.local_endpoint(ec).protocol().family();
  if (family != AF_INET && family != AF_INET6) return;
  int one = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

}  // namespace pgw::net
