#pragma once
/// Listening sockets: TCP on an IPv4 or IPv6 address, or a unix socket file, accepting
/// connections and handing each to a callback. Knows nothing of PostgreSQL.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "net/asio.hpp"

namespace pgw::net {

/// Who is on the other end of an accepted connection.
struct PeerAddress {
  bool is_unix = false;
  std::string ip;  ///< textual IPv4/IPv6 address; empty for unix sockets
  std::uint16_t port = 0;
  std::string to_string() const;  ///< "127.0.0.1:5000", "[::1]:5000" or "unix"
};

/// The address of a connected socket's peer.
PeerAddress peer_address_of(Socket& socket);

struct ListenSpec {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string address;  ///< for kTcp: an IPv4 or IPv6 literal
  std::uint16_t port = 0;
  std::string path;  ///< for kUnix: the socket file
  std::uint32_t mode = 0777;
  std::string describe() const;
};

class Listener {
 public:
  using AcceptHandler = std::function<void(Socket, PeerAddress)>;

  /// Binds and listens. With `reuse_port`, several listeners (one per worker) share a TCP port.
  /// A stale unix socket file nobody accepts on is replaced; a live one is an error.
  static Result<std::unique_ptr<Listener>> open(const Executor& executor, const ListenSpec& spec,
                                                bool reuse_port);
  ~Listener();

  /// Accepts until close(). Transient accept failures (EMFILE, ENFILE, ENOBUFS) are logged at
  /// most once a second and retried after a short pause.
  awaitable<void> run(AcceptHandler on_accept);
  void close();

  /// The bound port (useful when the spec asked for port 0).
  std::uint16_t port() const { return bound_port_; }
  const ListenSpec& spec() const { return spec_; }

 private:
  using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol, Executor>;
  Listener(Acceptor acceptor, ListenSpec spec, std::uint16_t bound_port);

  Acceptor acceptor_;
  ListenSpec spec_;
  std::uint16_t bound_port_;
};

}  // namespace pgw::net
