#pragma once
/// Opening a new connection to a PostgreSQL server: connect, startup packet, authentication as
/// the server asks (trust, cleartext, md5, SCRAM-SHA-256), up to the first ReadyForQuery.

#include <utility>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/scram.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "pool/server_connection.hpp"
#include "protocol/bytes.hpp"

namespace pgw::pool {

/// What pgwarden can prove to a server on behalf of a user. Each field enables some methods.
struct ServerCredentials {
  std::optional<std::string> password;    ///< plain text: every method
  std::optional<std::string> md5_secret;  ///< "md5..." as stored by PostgreSQL: md5 only
  /// ClientKey and ServerKey recovered from the client's SCRAM exchange: SCRAM only, and only
  /// if the server stores the same secret (same salt and iterations).
  std::optional<std::pair<auth::Key32, auth::Key32>> scram_keys;
};

struct StartupRequest {
  std::string user;
  std::string database;
  /// Other startup parameters to pass on (application_name, client_encoding, options, ...).
  std::vector<std::pair<std::string, std::string>> parameters;
};

struct LoginTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds login{10000};
};

struct LoginFailure {
  enum class Kind {
    kConnect,      ///< could not reach the server (refused, unreachable, timeout, DNS)
    kServerError,  ///< the server sent an ErrorResponse; `server_error` holds it verbatim
    kAuth,         ///< pgwarden could not authenticate (missing credentials, bad proof)
    kProtocol,     ///< the server broke the protocol
    kTimeout,      ///< login did not finish in time
  };
  Kind kind;
  std::string sqlstate;
  std::string message;
  protocol::Bytes server_error;
  /// The socket connection was refused or found unreachable at once (not a connect timeout):
  /// nothing reached the server, so a caller may try again elsewhere or a little later.
  bool no_connection = false;
};

/// Connects and logs in; on success the connection is idle (ReadyForQuery seen) with its
/// BackendKeyData and ParameterStatus values recorded.
net::awaitable<Expected<std::unique_ptr<ServerConnection>, LoginFailure>> login_to_server(
    net::Executor executor, BackendAddress address, StartupRequest request,
    ServerCredentials credentials, LoginTimeouts timeouts);

/// Why connect_to() failed.
struct ConnectFailure {
  std::string message;
  bool timed_out = false;  ///< no answer within the timeout (else refused, unreachable, DNS)
};

/// Opens a connection to `host`/`port` (IP, DNS name, or unix socket directory), within
/// `timeout`.
net::awaitable<Expected<net::Socket, ConnectFailure>> connect_to(net::Executor executor,
                                                                 const BackendAddress& address,
                                                                 std::chrono::milliseconds timeout);

}  // namespace pgw::pool
