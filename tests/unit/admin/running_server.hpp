#pragma once
// An HttpServer on 127.0.0.1 (a free port), run by its own thread, for tests that talk to it
// over a real loopback socket.

#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "admin/http_server.hpp"

namespace pgw::admin::testing {

class RunningServer {
 public:
  /// `handler`: an HttpHandler or an AsyncHttpHandler (or a lambda convertible to one).
  template <class Handler>
  explicit RunningServer(Handler handler, HttpServerLimits limits = {}) {
    auto opened =
        HttpServer::open(context_.get_executor(), "127.0.0.1:0", std::move(handler), limits);
    if (!opened) {
      ADD_FAILURE() << opened.error().message;
      return;
    }
    server_ = std::move(*opened);
    net::asio::co_spawn(context_, server_->run(),
                        [this](std::exception_ptr) { stopped_.set_value(); });
    thread_ = std::thread([this] { context_.run(); });
  }
  ~RunningServer() { stop(); }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  std::uint16_t port() const { return server_ ? server_->port() : 0; }

  /// open_connections(), read on the server's thread.
  std::size_t open_connections() {
    std::promise<std::size_t> count;
    net::asio::post(context_, [&] { count.set_value(server_->open_connections()); });
    return count.get_future().get();
  }

  /// Closes the server; true when run() completed within `deadline`.
  bool stop(std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    if (!thread_.joinable()) return stopped_in_time_;
    net::asio::post(context_, [this] { server_->close(); });
    stopped_in_time_ = stopped_future_.wait_for(deadline) == std::future_status::ready;
    if (!stopped_in_time_) context_.stop();
    thread_.join();
    return stopped_in_time_;
  }

 private:
  net::asio::io_context context_{1};
  std::unique_ptr<HttpServer> server_;
  std::promise<void> stopped_;
  std::future<void> stopped_future_ = stopped_.get_future();
  std::thread thread_;
  bool stopped_in_time_ = false;
};

}  // namespace pgw::admin::testing
