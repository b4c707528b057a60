#pragma once
/// A small HTTP/1.1 server for the admin API (Boost.Beast stays in http_server.cpp): keep-alive,
/// bounded request sizes, a read timeout and a connection limit; every answer it makes itself
/// (400, 408, 413, 431, 500, 503) has a JSON body {"error": "..."}.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <set>
#include <string>

#include "admin/http_types.hpp"
#include "common/result.hpp"
#include "net/asio.hpp"
#include "net/event.hpp"

namespace pgw::net {
class Listener;
struct PeerAddress;
}  // namespace pgw::net

namespace pgw::admin {

struct HttpServerLimits {
  /// Request line + header fields; more is answered 431.
  std::size_t max_header_bytes = 64 * 1024;
  /// Request body; more is answered 413 (decided from Content-Length when there is one).
  std::size_t max_body_bytes = 64 * 1024;
  /// To receive one whole request, counted from when the server starts waiting for it (so it is
  /// also the keep-alive idle limit). A request begun but not finished in time is answered 408;
  /// an idle connection is closed quietly.
  std::chrono::milliseconds read_timeout{10'000};
  /// Connections served at once; further ones are answered 503 and closed.
  std::size_t max_connections = 64;
};

/// Not thread-safe: open, run and close on one executor that runs on a single thread (an
/// io_context run by one thread, or a strand); post close() there from elsewhere.
class HttpServer {
 public:
  /// Listens on `listen`: "address:port" or "[ipv6]:port" with an IP literal ("localhost" means
  /// 127.0.0.1); port 0 picks a free one. Errors: malformed address, bind/listen failure.
  static Result<std::unique_ptr<HttpServer>> open(net::Executor executor, const std::string& listen,
                                                  HttpHandler handler,
                                                  HttpServerLimits limits = {});
  /// The same with a handler that may suspend; requests of one connection are answered one
  /// after the other, connections independently. The read timeout does not bound the handler.
  static Result<std::unique_ptr<HttpServer>> open(net::Executor executor, const std::string& listen,
                                                  AsyncHttpHandler handler,
                                                  HttpServerLimits limits = {});
  /// Precondition: run() has completed, was never started, or its executor will never run
  /// again (close() and let run() complete before destroying a server whose executor goes on).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Accepts until close() (or a fatal accept error), each connection served by its own
  /// coroutine; completes once every connection has ended.
  net::awaitable<void> run();
  /// Stops accepting and ends every connection (requests in flight are dropped; a handler
  /// that is suspended runs to its end, its answer is not sent). Idempotent.
  void close();
  /// The bound port.
  std::uint16_t port() const { return port_; }
  /// Connections accepted and not yet ended (those being refused with 503 included).
  std::size_t open_connections() const { return active_; }

 private:
  HttpServer(net::Executor executor, std::unique_ptr<net::Listener> listener, HttpHandler handler,
             AsyncHttpHandler async_handler, HttpServerLimits limits);
  static Result<std::unique_ptr<HttpServer>> open_with(net::Executor executor,
                                                       const std::string& listen,
                                                       HttpHandler handler,
                                                       AsyncHttpHandler async_handler,
                                                       HttpServerLimits limits);
  void on_accept(net::Socket socket, net::PeerAddress peer);
  void on_connection_end(std::exception_ptr error);
  net::awaitable<void> serve(net::Socket socket, net::PeerAddress peer, bool refuse);
  /// The handler's answer; 500 when it throws.
  net::awaitable<HttpResponse> answer_request(HttpRequest request) const;

  net::Executor executor_;
  std::unique_ptr<net::Listener> listener_;
  HttpHandler handler_;             ///< set when opened with a synchronous handler
  AsyncHttpHandler async_handler_;  ///< set when opened with an asynchronous one
  HttpServerLimits limits_;
  std::uint16_t port_ = 0;
  bool closing_ = false;
  std::size_t active_ = 0;   ///< spawned connection coroutines not yet ended
  std::size_t serving_ = 0;  ///< of those, the ones not being refused
  /// Open sockets, to cancel on close(). Shared with the connection coroutines so that one
  /// destroyed with its io_context after the server (a shutdown that did not await run()) does
  /// not touch the server.
  std::shared_ptr<std::set<net::Socket*>> sockets_ = std::make_shared<std::set<net::Socket*>>();
  net::Event drained_;  ///< set when closing and active_ reaches 0
};

}  // namespace pgw::admin
