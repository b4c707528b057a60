#include "admin/http_server.hpp"

#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../fakes/fake_admin_actions.hpp"
#include "admin/admin_api.hpp"
#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"
#include "cluster_fixture.hpp"
#include "raw_http.hpp"
#include "running_server.hpp"

namespace pgw::admin {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::RawConnection;
using testing::RunningServer;

constexpr std::string_view kGetNodes = "GET /v1/nodes HTTP/1.1\r\nHost: x\r\n\r\n";

std::string error_of(const testing::RawResponse& response) {
  return json::parse(response.body).at("error").get<std::string>();
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::use_utc();
    views_.cluster = [this] { return state_; };
    views_.counters = &counters_;
    views_.version = "0.1.0";
    AdminAccess access;
    access.token = kToken;
    api_ = std::make_unique<AdminApi>(views_, actions_, access);
  }
  /// The admin API's routes (outlive every server of a test).
  AsyncHttpHandler admin_handler() { return api_->handler(); }

  static constexpr const char* kToken = "a-token-for-the-tests";
  std::shared_ptr<const cluster::ClusterState> state_ =
      std::make_shared<const cluster::ClusterState>(testing::two_nodes());
  cluster::NodeCounters counters_{2};
  AdminViews views_;
  fakes::FakeAdminActions actions_;
  std::unique_ptr<AdminApi> api_;
};

/// A text answer naming the request, after `delay` on the server's executor.
net::awaitable<HttpResponse> answer_after(HttpRequest request, std::chrono::milliseconds delay) {
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
  timer.expires_after(delay);
  net::error_code ec;
  co_await timer.async_wait(net::use_awaitable_ec(ec));
  HttpResponse response;
  response.content_type = "text/plain";
  response.body = request.method + " " + request.target;
  co_return response;
}

/// "/slow" is answered after 400 ms, anything else at once.
AsyncHttpHandler delayed_handler() {
  return [](HttpRequest request) {
    const auto delay = request.target == "/slow" ? 400ms : 0ms;
    return answer_after(std::move(request), delay);
  };
}

net::awaitable<HttpResponse> throw_after_suspending(HttpRequest request) {
  co_await answer_after(std::move(request), 1ms);
  throw std::logic_error("broken invariant");
}

TEST_F(HttpServerTest, GetNodesReturnsTheJson) {
  RunningServer server(admin_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(kGetNodes));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.at("content-type"), "application/json");
  EXPECT_EQ(response->headers.at("server"), "pgwarden");
  EXPECT_EQ(json::parse(response->body), to_json(pool_nodes_table(*state_, counters_, {})));
  EXPECT_TRUE(server.stop());
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RunningServer server(admin_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.send(std::string(kGetNodes) +
                          "GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n"));  // pipelined
  const auto first = client.read_response();
  const auto second = client.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(json::parse(second->body), json({{"version", "0.1.0"}}));
  ASSERT_TRUE(client.send("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const auto third = client.read_response();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->status, 404);
  EXPECT_EQ(third->headers.at("connection"), "close");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(HttpServerTest, HandlerSeesTheRequest) {
  HttpRequest seen;
  RunningServer server([&seen](const HttpRequest& request) {
    seen = request;
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = "ok";
    response.headers["X-Extra"] = "1";
    return response;
  });
  RawConnection client(server.port());
  ASSERT_TRUE(
      client.send("POST /v1/x?y=1 HTTP/1.1\r\nHost: x\r\nX-Token: abc\r\nx-token: def\r\n"
                  "Content-Length: 5\r\n\r\nhello"));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(response->headers.at("content-type"), "text/plain");
  EXPECT_EQ(response->headers.at("x-extra"), "1");
  EXPECT_TRUE(server.stop());
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/v1/x?y=1");
  EXPECT_EQ(seen.body, "hello");
  EXPECT_EQ(seen.headers["x-token"], "abc, def");
  EXPECT_EQ(seen.headers["host"], "x");
  EXPECT_TRUE(seen.peer_is_loopback);
  EXPECT_TRUE(seen.peer_address.starts_with("127.0.0.1:")) << seen.peer_address;
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  RunningServer server(admin_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.send("this is not http\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->headers.at("content-type"), "application/json");
  EXPECT_TRUE(error_of(*response).starts_with("malformed request: ")) << response->body;
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  HttpServerLimits limits;
  limits.max_body_bytes = 1000;
  RunningServer server(admin_handler(), limits);
  RawConnection client(server.port());
  const std::string body(100'000, 'x');
  ASSERT_TRUE(client.send("POST /v1/nodes HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(error_of(*response), "request body larger than 1000 bytes");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(HttpServerTest, OversizedChunkedBodyIs413) {
  HttpServerLimits limits;
  limits.max_body_bytes = 10;
  RunningServer server(admin_handler(), limits);
  RawConnection client(server.port());
  ASSERT_TRUE(
      client.send("POST /v1/nodes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  RunningServer server(admin_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.send(
      "GET /v1/nodes HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(error_of(*response), "request header larger than 65536 bytes");
}

TEST_F(HttpServerTest, SlowRequestIs408AndIdleConnectionIsClosedQuietly) {
  HttpServerLimits limits;
  limits.read_timeout = 200ms;
  RunningServer server(admin_handler(), limits);
  RawConnection slow(server.port());
  RawConnection idle(server.port());
  ASSERT_TRUE(slow.send("GET /v1/nodes HTTP/1.1\r\nHost: x\r\n"));
  const auto start = std::chrono::steady_clock::now();
  const auto response = slow.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(error_of(*response), "request not received within 200 ms");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_TRUE(idle.closed_by_peer());
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
  HttpServerLimits limits;
  limits.max_connections = 1;
  RunningServer server(admin_handler(), limits);
  RawConnection first(server.port());
  ASSERT_TRUE(first.send(kGetNodes));
  ASSERT_TRUE(first.read_response().has_value());  // being served, kept alive
  RawConnection second(server.port());
  ASSERT_TRUE(second.send(kGetNodes));
  const auto refused = second.read_response();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(error_of(*refused), "too many admin API connections (limit 1)");
  EXPECT_TRUE(second.closed_by_peer());
  ASSERT_TRUE(first.send(kGetNodes));  // the first one still works
  const auto again = first.read_response();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  RunningServer server(
      [](const HttpRequest&) -> HttpResponse { throw std::logic_error("broken invariant"); });
  RawConnection client(server.port());
  ASSERT_TRUE(client.send(kGetNodes));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(error_of(*response), "internal error");
}

TEST_F(HttpServerTest, CloseEndsOpenConnectionsAndRun) {
  RunningServer server(admin_handler());
  RawConnection idle(server.port());
  RawConnection busy(server.port());
  ASSERT_TRUE(busy.send("GET /v1/nodes HTTP/1.1\r\n"));  // half a request
  ASSERT_TRUE(idle.send(kGetNodes));
  ASSERT_TRUE(idle.read_response().has_value());
  EXPECT_EQ(server.open_connections(), 2u);
  EXPECT_TRUE(server.stop(2s));
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(busy.closed_by_peer());
  RawConnection late(server.port());
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpServerTest, AsyncHandlerAnswers) {
  RunningServer server(delayed_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.send("GET /fast?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.at("content-type"), "text/plain");
  EXPECT_EQ(response->body, "GET /fast?x=1");
  EXPECT_TRUE(server.stop());
}

TEST_F(HttpServerTest, ASuspendedHandlerDoesNotHoldUpOtherConnections) {
  RunningServer server(delayed_handler());
  RawConnection slow(server.port());
  RawConnection fast(server.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(20ms);  // the slow request is being handled
  ASSERT_TRUE(fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto fast_answer = fast.read_response();
  ASSERT_TRUE(fast_answer.has_value());
  EXPECT_EQ(fast_answer->body, "GET /fast");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 350ms);
  const auto slow_answer = slow.read_response();
  ASSERT_TRUE(slow_answer.has_value());
  EXPECT_EQ(slow_answer->body, "GET /slow");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 390ms);
}

TEST_F(HttpServerTest, PipelinedRequestsToAnAsyncHandlerAreAnsweredInOrder) {
  RunningServer server(delayed_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(
      client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto first = client.read_response();
  const auto second = client.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "GET /slow");
  EXPECT_EQ(second->body, "GET /fast");
}

TEST_F(HttpServerTest, AsyncHandlerExceptionIs500) {
  RunningServer server(
      [](HttpRequest request) { return throw_after_suspending(std::move(request)); });
  RawConnection client(server.port());
  ASSERT_TRUE(client.send(kGetNodes));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(error_of(*response), "internal error");
}

TEST_F(HttpServerTest, CloseWhileAHandlerIsSuspendedDropsItsAnswer) {
  RunningServer server(delayed_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(server.stop(3s));  // run() completes once the handler has finished
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(HttpServerTest, AdminApiOverHttpAsksForTheToken) {
  RunningServer server(admin_handler());
  RawConnection client(server.port());
  ASSERT_TRUE(client.send("POST /v1/nodes/pg02/detach HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto refused = client.read_response();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->headers.at("www-authenticate"), "Bearer realm=\"pgwarden\"");
  ASSERT_TRUE(
      client.send("POST /v1/nodes/pg02/detach HTTP/1.1\r\nHost: x\r\n"
                  "Authorization: Bearer " +
                  std::string(kToken) + "\r\nContent-Length: 2\r\n\r\n{}"));
  const auto done = client.read_response();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, 200);
  EXPECT_EQ(json::parse(done->body), json({{"ok", true}, {"message", "done"}}));
  ASSERT_EQ(actions_.calls().size(), 1u);
  EXPECT_EQ(actions_.calls()[0].action, "detach");
  EXPECT_EQ(actions_.calls()[0].node, 1u);
}

TEST(HttpServerOpenTest, Errors) {
  net::asio::io_context context;
  auto handler = [](const HttpRequest&) { return HttpResponse{}; };
  const auto malformed = HttpServer::open(context.get_executor(), "nonsense", handler);
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().message,
            "'nonsense' is not \"host:port\" (\"[address]:port\" for IPv6)");
  EXPECT_FALSE(HttpServer::open(context.get_executor(), "not-an-ip.example:0", handler));
  auto first = HttpServer::open(context.get_executor(), "localhost:0", handler);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  const auto second = HttpServer::open(context.get_executor(), taken, handler);
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message.find("cannot listen on " + taken), std::string::npos)
      << second.error().message;
}

}  // namespace
}  // namespace pgw::admin
