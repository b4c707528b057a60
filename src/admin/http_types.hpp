#pragma once
/// The HTTP request and response as the admin API's handlers see them: plain values, no Beast.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace pgw::admin {

struct HttpRequest {
  std::string method;  ///< "GET", "POST", ... as sent
  std::string target;  ///< the request target as sent, query string included ("/v1/nodes?x=1")
  std::string body;
  std::map<std::string, std::string> headers;  ///< names in lower case; repeated ones joined ", "
  std::string peer_address;                    ///< "127.0.0.1:51234", "[::1]:51234"
  bool peer_is_loopback = false;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Further headers ("Allow" for a 405); Content-Type and Content-Length are set by the server.
  std::map<std::string, std::string> headers;
};

/// Called on the server's executor for each request; must not block. May throw only on a
/// broken invariant (the server answers 500 then).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

/// A handler that may suspend (to wait for a role change, say): called on the server's
/// executor once per request, which it owns; the connection waits for its answer while other
/// connections are served. The function must only call a named coroutine that takes its
/// parameters by value (docs/architecture.md, "Coroutine rules"), e.g.
/// `[api](HttpRequest r) { return api->handle(std::move(r)); }`. An exception it throws is
/// answered 500, like HttpHandler's.
using AsyncHttpHandler = std::function<net::awaitable<HttpResponse>(HttpRequest)>;

/// A JSON error answer: {"error": message}.
HttpResponse json_error(int status, std::string_view message);

/// The path of a request target: what precedes '?' or '#'.
std::string_view target_path(std::string_view target);

/// The value of `name` in the query string of `target` ("/v1/events?after=3" gives "3" for
/// "after"), as sent (not percent-decoded); "" for a name without '='; nullopt when absent.
/// The first occurrence wins.
std::optional<std::string_view> query_parameter(std::string_view target, std::string_view name);

}  // namespace pgw::admin
