#pragma once
/// Who may do what on the admin API: a state-changing request needs the admin token
/// ("Authorization: Bearer <token>") from any peer; a read-only request is served to loopback
/// peers, and to others only with [admin] allow_remote_reads (or with the token). Pure
/// functions of the request; the token never appears in an answer or a log line.

#include <optional>
#include <string>
#include <string_view>

#include "admin/http_types.hpp"
#include "common/result.hpp"

namespace pgw::admin {

struct AdminAccess {
  /// The token state-changing requests must present; empty: every one is refused (401).
  std::string token;
  /// Serve read-only requests to peers other than loopback without the token.
  bool allow_remote_reads = false;
};

enum class AccessKind {
  kRead,    ///< GET: a view of the daemon
  kChange,  ///< POST: changes the cluster
};

/// nullopt when `request` may go on; otherwise the answer, {"error": "..."}:
/// - 401 with "WWW-Authenticate: Bearer realm=\"pgwarden\"" when the token is needed and
///   missing, malformed or wrong, or when no token is configured (a change from anyone);
/// - 403 for a read from a non-loopback peer, without allow_remote_reads and without an
///   Authorization header.
std::optional<HttpResponse> check_access(const HttpRequest& request, AccessKind kind,
                                         const AdminAccess& access);

/// The token of an Authorization value "Bearer <token>" (the scheme in any case, then spaces);
/// nullopt for any other form or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization);

/// Whether `presented` equals `expected` (which must not be empty), in a time that depends on
/// the length of `presented` only: no early exit on the first differing byte, and the length of
/// `expected` is not revealed.
bool token_equal(std::string_view presented, std::string_view expected);

/// The shortest token accepted.
inline constexpr std::size_t kMinTokenLength = 16;

/// The token held by a token file's `content`: one line of printable ASCII without spaces (what
/// a Bearer header can carry), at least kMinTokenLength characters; whitespace around it (the
/// final newline) is dropped. Errors say what is wrong without quoting the content.
Result<std::string> parse_token(std::string_view content);

}  // namespace pgw::admin
