#include "admin/admin_access.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "common/text.hpp"

namespace pgw::admin {
namespace {

constexpr std::string_view kBearerScheme = "bearer";

HttpResponse unauthorized(std::string_view message, bool invalid_token) {
  HttpResponse response = json_error(401, message);
  // RFC 6750 section 3: the challenge, with error="invalid_token" when one was presented.
  response.headers["WWW-Authenticate"] = invalid_token
                                             ? R"(Bearer realm="pgwarden", error="invalid_token")"
                                             : R"(Bearer realm="pgwarden")";
  return response;
}

std::optional<HttpResponse> check_token(const HttpRequest& request, const AdminAccess& access) {
  if (access.token.empty()) {
    return unauthorized(
        "no admin token is configured: set [admin] token_file to allow state-changing requests",
        false);
  }
  const auto header = request.headers.find("authorization");
  if (header == request.headers.end()) {
    return unauthorized(
        "this request needs the admin token: send the header \"Authorization: Bearer <token>\"",
        false);
  }
  const auto token = bearer_token(header->second);
  if (!token) {
    return unauthorized("the Authorization header must be \"Bearer <token>\"", true);
  }
  if (!token_equal(*token, access.token)) return unauthorized("wrong admin token", true);
  return std::nullopt;
}

}  // namespace

std::optional<HttpResponse> check_access(const HttpRequest& request, AccessKind kind,
                                         const AdminAccess& access) {
  if (kind == AccessKind::kChange) return check_token(request, access);
  if (request.peer_is_loopback || access.allow_remote_reads) return std::nullopt;
  if (request.headers.contains("authorization")) return check_token(request, access);
  return json_error(403,
                    "read-only requests from other hosts than pgwarden's are refused: set [admin] "
                    "allow_remote_reads = true, or send the admin token");
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  if (authorization.size() <= kBearerScheme.size() ||
      !iequals(authorization.substr(0, kBearerScheme.size()), kBearerScheme) ||
      authorization[kBearerScheme.size()] != ' ') {
    return std::nullopt;
  }
  auto token = authorization.substr(kBearerScheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
  return token;
}

bool token_equal(std::string_view presented, std::string_view expected) {
  if (expected.empty()) return false;
  // Every byte of `presented` is compared (against `expected` repeated), and the differences
  // are accumulated: the loop's time depends on what the client sent, never on where the
  // first difference is.
  std::uint8_t difference = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < presented.size(); ++i) {
    difference |= static_cast<std::uint8_t>(presented[i] ^ expected[i % expected.size()]);
  }
  return difference == 0 && !presented.empty();
}

Result<std::string> parse_token(std::string_view content) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = content.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return fail("the token file is empty");
  const auto token = content.substr(first, content.find_last_not_of(kSpace) - first + 1);
  for (const char c : token) {
    if (c <= ' ' || c > '~') {
      return fail(
          "the token file must hold one token, on one line, of printable ASCII characters "
          "without spaces");
    }
  }
  if (token.size() < kMinTokenLength) {
    return fail("the token is too short (" + std::to_string(token.size()) +
                " characters; at least " + std::to_string(kMinTokenLength) +
                ": make one with `openssl rand -hex 32`)");
  }
  return std::string(token);
}

}  // namespace pgw::admin
