#include "cli/http_client.hpp"

#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "net/asio.hpp"

namespace pgw::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using net::awaitable;
using net::error_code;
using net::use_awaitable_ec;
using Tcp = net::asio::ip::tcp;

/// The coroutine's result: co_spawn needs a default-constructible one.
struct Outcome {
  HttpReply reply;
  std::optional<std::string> error;
};

/// Admin answers are small; this only bounds a confused peer.
constexpr std::uint64_t kMaxReplyBody = 64ull * 1024 * 1024;

std::string describe(const error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return "timed out after " + std::to_string(timeout.count()) + " ms";
  return ec.message();
}

http::request<http::string_body> make_request(const admin::HostPort& address, HttpCall call) {
  http::request<http::string_body> request(http::string_to_verb(call.method), call.target, 11);
  request.set(http::field::host, address.to_string());
  request.set(http::field::user_agent, "pgwarden-ctl");
  request.set(http::field::accept, "application/json");
  if (!call.token.empty()) request.set(http::field::authorization, "Bearer " + call.token);
  if (!call.body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = std::move(call.body);
  request.prepare_payload();
  return request;
}

awaitable<Outcome> fetch(admin::HostPort address, HttpCall call,
                         std::chrono::milliseconds timeout) {
  auto executor = co_await net::asio::this_coro::executor;
  Outcome outcome;
  error_code ec;
  Tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(address.host, std::to_string(address.port),
                                                         use_awaitable_ec(ec));
  if (ec) {
    outcome.error = ec.message();
    co_return outcome;
  }
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  co_await stream.async_connect(endpoints, use_awaitable_ec(ec));
  auto request = make_request(address, std::move(call));
  if (!ec) co_await http::async_write(stream, request, use_awaitable_ec(ec));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBody);
  if (!ec) co_await http::async_read(stream, buffer, parser, use_awaitable_ec(ec));
  if (ec) {
    outcome.error = describe(ec, timeout);
    co_return outcome;
  }
  auto& response = parser.get();
  outcome.reply.status = static_cast<int>(response.result_int());
  outcome.reply.reason = std::string(response.reason());
  outcome.reply.body = std::move(response.body());
  stream.socket().shutdown(Tcp::socket::shutdown_both, ec);
  co_return outcome;
}

}  // namespace

Result<HttpReply> http_call(const admin::HostPort& address, const HttpCall& call,
                            std::chrono::milliseconds timeout) {
  net::asio::io_context context;
  std::optional<Outcome> outcome;
  net::asio::co_spawn(context, fetch(address, call, timeout),
                      [&outcome](std::exception_ptr error, Outcome result) {
                        if (error) {
                          result.error = "internal error in the HTTP client";
                        }
                        outcome = std::move(result);
                      });
  context.run();
  if (!outcome || outcome->error) {
    return fail(outcome ? *outcome->error : std::string("the HTTP exchange did not complete"));
  }
  return std::move(outcome->reply);
}

Result<HttpReply> http_get(const admin::HostPort& address, const std::string& target,
                           std::chrono::milliseconds timeout) {
  HttpCall call;
  call.target = target;
  return http_call(address, call, timeout);
}

}  // namespace pgw::cli
