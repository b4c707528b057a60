#pragma once
/// A connected byte stream (TCP or unix socket) driven by readiness: wait until readable, then
/// read what is there without blocking. Waiting first instead of calling async_read_some means a
/// relay holds no buffer while its peer is silent, and saves the failed speculative read that
/// a request/response exchange would otherwise make on every round trip.
///
/// Not thread-safe: one coroutine at a time per direction, all on the stream's executor.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "net/asio.hpp"
#include "net/tls_context.hpp"

struct ssl_st;

namespace pgw::net {

/// Reads and writes go through TLS once a handshake succeeded; until then the stream is plain.
class Stream {
 public:
  explicit Stream(Socket socket);
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  Executor executor() { return socket_.get_executor(); }

  /// Completes when bytes are readable, the peer closed, or the wait was cancelled/failed.
  awaitable<error_code> wait_readable();
  /// Reads what is available now. Returns 0 with `ec` = would_block when nothing is, eof when
  /// the peer closed.
  std::size_t read_available(std::span<std::uint8_t> into, error_code& ec);
  /// Waits and reads at least one byte (or fails).
  awaitable<std::size_t> read_some(std::span<std::uint8_t> into, error_code& ec);
  /// Reads exactly into.size() bytes (or fails; eof mid-way is an error).
  awaitable<error_code> read_exact(std::span<std::uint8_t> into);
  /// Writes every byte, trying a non-blocking write first and waiting only when the kernel
  /// buffer is full.
  awaitable<error_code> write_all(std::span<const std::uint8_t> data);

  /// Server side of a TLS handshake (after answering 'S' to an SSLRequest).
  awaitable<Result<void>> accept_tls(std::shared_ptr<TlsContext> context);
  /// Client side of a TLS handshake (after the server answered 'S'); `host` is checked against
  /// the certificate for TlsVerify::kFull and sent as SNI when it is a name.
  awaitable<Result<void>> connect_tls(std::shared_ptr<TlsContext> context, std::string host);
  bool is_tls() const { return ssl_ != nullptr; }
  /// The peer certificate's subject common name, when the peer sent a certificate that
  /// verified; nullopt otherwise.
  std::optional<std::string> verified_peer_common_name() const;
  /// tls-server-end-point data of the peer's certificate (client side: the server's).
  std::vector<std::uint8_t> peer_end_point_hash() const;
  /// "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" for a plain stream.
  std::string tls_description() const;

  /// Aborts pending waits (they complete with operation_aborted); the socket stays usable.
  void cancel();
  void close();
  /// Closes after the peer has read what we sent: shuts down our sending side, then discards
  /// incoming bytes until the peer closes, `timeout` passes or `max_discard` bytes came.
  /// Closing with unread input would make the kernel send a reset, which can destroy our last
  /// message (an ErrorResponse) before the peer reads it.
  awaitable<void> close_gracefully(std::chrono::milliseconds timeout, std::size_t max_discard);
  bool is_open() const { return socket_.is_open(); }
  bool is_unix() const { return family_ == AF_UNIX; }
  int native_handle() { return socket_.native_handle(); }

  /// True when the peer has closed or sent bytes: used to check a pooled idle connection.
  bool has_pending_input_or_eof();
  /// True when the peer has closed (or the socket failed); unread bytes do not count.
  bool peer_closed();

  /// Moves the socket to `executor`'s io_context. Nothing may be pending on it.
  void rebind(const Executor& executor);

 private:
  /// Runs SSL_accept or SSL_connect until done, waiting on the socket as OpenSSL asks.
  awaitable<Result<void>> handshake(bool accept);
  std::size_t tls_read(std::span<std::uint8_t> into, error_code& ec);
  awaitable<error_code> tls_write_all(std::span<const std::uint8_t> data);

  Socket socket_;
  int family_ = 0;
  std::shared_ptr<TlsContext> tls_context_;  ///< keeps the SSL_CTX alive while ssl_ lives
  ssl_st* ssl_ = nullptr;
  bool read_wants_write_ = false;  ///< the last TLS read needs the socket writable first
};

/// Enables TCP_NODELAY and keepalive on TCP sockets; no-op on unix sockets.
void tune_socket(Socket& socket);

}  // namespace pgw::net
