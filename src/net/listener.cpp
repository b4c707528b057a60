#include "net/listener.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <boost/asio/socket_base.hpp>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.hpp"

namespace pgw::net {
namespace {

using GenericEndpoint = asio::generic::stream_protocol::endpoint;

/// SO_REUSEPORT is not among Asio's options; a tiny option class sets it.
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

Result<GenericEndpoint> tcp_endpoint(const ListenSpec& spec) {
  error_code ec;
  auto address = asio::ip::make_address(spec.address, ec);
  if (ec) return fail("'" + spec.address + "' is not an IP address");
  return GenericEndpoint(asio::ip::tcp::endpoint(address, spec.port));
}

/// True when something accepts connections on the unix socket `path`.
bool unix_socket_in_use(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool in_use = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return in_use;
}

Result<GenericEndpoint> unix_endpoint(const ListenSpec& spec) {
  if (spec.path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fail("unix socket path '" + spec.path + "' is too long");
  }
  if (::access(spec.path.c_str(), F_OK) == 0) {
    if (unix_socket_in_use(spec.path)) {
      return fail("unix socket '" + spec.path + "' is in use by another process");
    }
    ::unlink(spec.path.c_str());
  }
  return GenericEndpoint(asio::local::stream_protocol::endpoint(spec.path));
}

std::uint16_t port_of(const GenericEndpoint& endpoint) {
  const auto* sa = endpoint.data();
  if (sa->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  if (sa->sa_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  }
  return 0;
}

bool is_transient_accept_error(const error_code& ec) {
  int v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM || v == ECONNABORTED ||
         v == EPROTO || v == EPERM;
}

}  // namespace

std::string PeerAddress::to_string() const {
  if (is_unix) return "unix";
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

PeerAddress peer_address_of(Socket& socket) {
  PeerAddress peer;
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return peer;
  const auto* sa = endpoint.data();
  char text[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    peer.port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    peer.port = ntohs(in6->sin6_port);
  } else {
    peer.is_unix = true;
    return peer;
  }
  peer.ip = text;
  return peer;
}

std::string ListenSpec::describe() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

Result<std::unique_ptr<Listener>> Listener::open(const Executor& executor, const ListenSpec& spec,
                                                 bool reuse_port) {
  auto endpoint = spec.kind == ListenSpec::Kind::kTcp ? tcp_endpoint(spec) : unix_endpoint(spec);
  if (!endpoint) return unexpected(endpoint.error());
  Acceptor acceptor(executor);
  error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec && spec.kind == ListenSpec::Kind::kTcp) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && reuse_port) acceptor.set_option(ReusePort(true), ec);
    if (!ec && endpoint->protocol().family() == AF_INET6) {
      acceptor.set_option(asio::ip::v6_only(true), ec);
    }
  }
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) acceptor.non_blocking(true, ec);
  if (ec) return fail("cannot listen on " + spec.describe() + ": " + ec.message());
  if (spec.kind == ListenSpec::Kind::kUnix &&
      ::chmod(spec.path.c_str(), static_cast<mode_t>(spec.mode)) != 0) {
    return fail("cannot chmod " + spec.path + ": " + std::strerror(errno));
  }
  auto port = port_of(acceptor.local_endpoint(ec));
  return std::unique_ptr<Listener>(new Listener(std::move(acceptor), spec, port));
}

Listener::Listener(Acceptor acceptor, ListenSpec spec, std::uint16_t bound_port)
    : acceptor_(std::move(acceptor)), spec_(std::move(spec)), bound_port_(bound_port) {}

Listener::~Listener() {
  close();
}

void Listener::close() {
  if (!acceptor_.is_open()) return;
  error_code ec;
  acceptor_.close(ec);
  if (spec_.kind == ListenSpec::Kind::kUnix) ::unlink(spec_.path.c_str());
}

awaitable<void> Listener::run(AcceptHandler on_accept) {
  static auto logger = log::get("net");
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (acceptor_.is_open()) {
    error_code ec;
    Socket socket(acceptor_.get_executor());
    co_await acceptor_.async_accept(socket, use_awaitable_ec(ec));
    if (!ec) {
      auto peer = peer_address_of(socket);
      on_accept(std::move(socket), std::move(peer));
      continue;
    }
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (!is_transient_accept_error(ec)) {
      logger->error("accept on {} failed: {}; listener stopped", spec_.describe(), ec.message());
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_warning > std::chrono::seconds(1)) {
      logger->warn("accept on {} failed: {}; retrying", spec_.describe(), ec.message());
      last_warning = now;
    }
    asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
    co_await pause.async_wait(use_awaitable_ec(ec));
  }
}

}  // namespace pgw::net
