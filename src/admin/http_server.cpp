#include "admin/http_server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "admin/host_port.hpp"
#include "common/log.hpp"
#include "net/listener.hpp"
#include "net/watchdog.hpp"

namespace pgw::admin {
namespace {

namespace http = boost::beast::http;
using net::awaitable;
using net::error_code;
using net::use_awaitable_ec;
using Request = http::request<http::string_body>;

constexpr unsigned kHttp11 = 11;
/// After an error answer, how much of the rest of the request is read and dropped, and for how
/// long at most, before closing (see close_connection).
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kMaxLinger{2000};

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("admin");
  return instance;
}

template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ~ScopeExit() { f_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  F f_;
};

/// Cancels the socket's pending operations when `timeout` passes.
net::Watchdog cancel_after(net::Socket& socket, std::chrono::milliseconds timeout) {
  return net::Watchdog(socket.get_executor(), timeout, [&socket] {
    error_code ignored;
    socket.cancel(ignored);
  });
}

bool is_loopback(const net::PeerAddress& peer) {
  if (peer.is_unix) return true;
  error_code ec;
  const auto address = net::asio::ip::make_address(peer.ip, ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::asio::ip::make_address_v4(net::asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return address.is_loopback();
}

/// Why reading a request failed, as the answer to send (nullopt: close without one).
std::optional<HttpResponse> read_error_answer(const error_code& ec, bool timed_out, bool started,
                                              const HttpServerLimits& limits) {
  if (timed_out) {
    if (!started) return std::nullopt;  // an idle keep-alive connection
    return json_error(
        408, "request not received within " + std::to_string(limits.read_timeout.count()) + " ms");
  }
  if (ec == http::error::header_limit) {
    return json_error(
        431, "request header larger than " + std::to_string(limits.max_header_bytes) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return json_error(
        413, "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  // The peer went away (end_of_stream, partial_message) or the socket failed: nobody to answer.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec.category() != make_error_code(http::error::bad_target).category()) {
    return std::nullopt;
  }
  return json_error(400, "malformed request: " + ec.message());
}

struct ReadResult {
  std::optional<Request> request;
  std::optional<HttpResponse> error;  ///< when request is not set: the answer, if any
};

awaitable<ReadResult> read_request(net::Socket& socket, boost::beast::flat_buffer& buffer,
                                   const HttpServerLimits& limits) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
  auto watchdog = cancel_after(socket, limits.read_timeout);
  error_code ec;
  co_await http::async_read(socket, buffer, parser, use_awaitable_ec(ec));
  watchdog.disarm();
  ReadResult result;
  if (!ec) {
    result.request = parser.release();
  } else {
    const bool started = parser.got_some() || buffer.size() > 0;
    result.error = read_error_answer(ec, watchdog.expired(), started, limits);
  }
  co_return result;
}

awaitable<bool> write_response(net::Socket& socket, const HttpResponse& answer, unsigned version,
                               bool keep_alive, std::chrono::milliseconds timeout) {
  http::response<http::string_body> response;
  response.version(version);
  response.result(static_cast<unsigned>(answer.status));
  response.set(http::field::server, "pgwarden");
  response.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers)
    response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = answer.body;
  response.prepare_payload();
  auto watchdog = cancel_after(socket, timeout);
  error_code ec;
  co_await http::async_write(socket, response, use_awaitable_ec(ec));
  co_return !ec;
}

/// Ends a connection. With `linger` (an answer was sent before the whole request was read), the
/// rest of what the client sends is read and dropped for a short while first: closing a socket
/// with unread input resets the connection, and the reset can reach the client before it has
/// read the answer.
awaitable<void> close_connection(net::Socket& socket, bool linger,
                                 std::chrono::milliseconds timeout) {
  error_code ec;
  socket.shutdown(net::Socket::shutdown_send, ec);
  if (linger && !ec) {
    auto watchdog = cancel_after(socket, std::min(timeout, kMaxLinger));
    std::array<char, 4096> sink;
    std::size_t dropped = 0;
    while (!ec && dropped < kMaxLingerBytes) {
      dropped += co_await socket.async_read_some(net::asio::buffer(sink), use_awaitable_ec(ec));
    }
  }
  socket.close(ec);
}

HttpRequest to_http_request(Request&& request, const net::PeerAddress& peer) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.body = std::move(request.body());
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = out.headers.emplace(std::move(name), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  out.peer_address = peer.to_string();
  out.peer_is_loopback = is_loopback(peer);
  return out;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::open(net::Executor executor,
                                                     const std::string& listen, HttpHandler handler,
                                                     HttpServerLimits limits) {
  return open_with(std::move(executor), listen, std::move(handler), nullptr, limits);
}

Result<std::unique_ptr<HttpServer>> HttpServer::open(net::Executor executor,
                                                     const std::string& listen,
                                                     AsyncHttpHandler handler,
                                                     HttpServerLimits limits) {
  return open_with(std::move(executor), listen, nullptr, std::move(handler), limits);
}

Result<std::unique_ptr<HttpServer>> HttpServer::open_with(net::Executor executor,
                                                          const std::string& listen,
                                                          HttpHandler handler,
                                                          AsyncHttpHandler async_handler,
                                                          HttpServerLimits limits) {
  auto address = parse_host_port(listen);
  if (!address) return unexpected(address.error());
  net::ListenSpec spec;
  spec.address = address->host == "localhost" ? "127.0.0.1" : address->host;
  spec.port = address->port;
  auto listener = net::Listener::open(executor, spec, false);
  if (!listener) return unexpected(listener.error());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(executor), std::move(*listener),
                                                    std::move(handler), std::move(async_handler),
                                                    limits));
}

HttpServer::HttpServer(net::Executor executor, std::unique_ptr<net::Listener> listener,
                       HttpHandler handler, AsyncHttpHandler async_handler, HttpServerLimits limits)
    : executor_(std::move(executor)),
      listener_(std::move(listener)),
      handler_(std::move(handler)),
      async_handler_(std::move(async_handler)),
      limits_(limits),
      port_(listener_->port()),
      drained_(executor_) {}

HttpServer::~HttpServer() {
  close();
}

net::awaitable<void> HttpServer::run() {
  co_await listener_->run([this](net::Socket socket, net::PeerAddress peer) {
    on_accept(std::move(socket), std::move(peer));
  });
  close();
  co_await drained_.wait();
}

void HttpServer::close() {
  closing_ = true;
  listener_->close();
  for (net::Socket* socket : *sockets_) {
    error_code ignored;
    socket->cancel(ignored);
  }
  if (active_ == 0) drained_.set();
}

void HttpServer::on_accept(net::Socket socket, net::PeerAddress peer) {
  if (closing_) return;
  const bool refuse = serving_ >= limits_.max_connections;
  ++active_;
  if (!refuse) ++serving_;
  net::asio::co_spawn(executor_, serve(std::move(socket), std::move(peer), refuse),
                      [this, refuse](std::exception_ptr error) {
                        if (!refuse) --serving_;
                        on_connection_end(error);
                      });
}

void HttpServer::on_connection_end(std::exception_ptr error) {
  --active_;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      logger()->error("admin API connection failed: {}", e.what());
    } catch (...) {
      logger()->error("admin API connection failed");
    }
  }
  if (closing_ && active_ == 0) drained_.set();
}

net::awaitable<void> HttpServer::serve(net::Socket socket, net::PeerAddress peer, bool refuse) {
  const auto sockets = sockets_;
  sockets->insert(&socket);
  ScopeExit forget([&sockets, &socket] { sockets->erase(&socket); });
  if (refuse) {
    const HttpResponse busy = json_error(503, "too many admin API connections (limit " +
                                                  std::to_string(limits_.max_connections) + ")");
    co_await write_response(socket, busy, kHttp11, false, limits_.read_timeout);
    co_await close_connection(socket, true, limits_.read_timeout);
    co_return;
  }
  boost::beast::flat_buffer buffer;
  bool linger = false;
  while (!closing_) {
    ReadResult read = co_await read_request(socket, buffer, limits_);
    if (closing_) break;
    if (!read.request) {
      linger = read.error.has_value();
      if (read.error) {
        co_await write_response(socket, *read.error, kHttp11, false, limits_.read_timeout);
      }
      break;
    }
    const bool keep_alive = read.request->keep_alive();
    const unsigned version = read.request->version();
    const HttpResponse answer =
        co_await answer_request(to_http_request(std::move(*read.request), peer));
    if (closing_) break;
    const bool written =
        co_await write_response(socket, answer, version, keep_alive, limits_.read_timeout);
    if (!written || !keep_alive) break;
  }
  co_await close_connection(socket, linger && !closing_, limits_.read_timeout);
}

net::awaitable<HttpResponse> HttpServer::answer_request(HttpRequest request) const {
  const std::string what = request.method + " " + std::string(target_path(request.target));
  std::string failure;
  try {
    if (!async_handler_) co_return handler_(request);
    co_return co_await async_handler_(std::move(request));
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  // The query string is left out of the log: it is the client's text.
  logger()->error("admin API handler failed on {}: {}", what, failure);
  co_return json_error(500, "internal error");
}

}  // namespace pgw::admin
