#pragma once
/// A small asynchronous SQL client over pgwarden's own wire code, for pgwarden's own queries:
/// the replication monitor, health checks, failover actions (pg_promote, ALTER SYSTEM). Simple
/// query protocol only, results as text. Logs in with pool::login_to_server (trust, password,
/// md5, SCRAM-SHA-256).
///
/// Not thread-safe: use a Connection from one coroutine at a time, on the executor it was
/// connected on (close() too).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "net/asio.hpp"
#include "pgclient/query_result.hpp"
#include "pgclient/result_assembler.hpp"
#include "pool/server_connection.hpp"

namespace pgw::pgclient {

struct ConnectOptions {
  pool::BackendAddress address;
  std::string user;
  std::string password;  ///< used for whatever method the server asks (never logged)
  std::string database = "postgres";
  std::string application_name = "pgwarden";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds login_timeout{5000};
  /// Bounds the values of one statement's result; a larger result breaks the connection.
  std::size_t max_result_bytes = ResultAssembler::kDefaultMaxResultBytes;
};

class Connection {
 public:
  /// Connects and logs in. Errors: kConnection (refused, unreachable, closed, no usable
  /// credentials), kServer (the server refused the login: 28P01, 3D000, 57P03, ...), kTimeout,
  /// kProtocol.
  static net::awaitable<Expected<std::unique_ptr<Connection>, QueryError>> connect(
      net::Executor executor, ConnectOptions options);

  /// Sends Terminate and closes.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs `sql` (one or more statements) with the simple-query protocol and returns the last
  /// statement's result. A kServer error, or a query text refused before sending (it holds a
  /// NUL byte), leaves the connection usable; any other error closes it. On timeout (0: none) the
  /// connection is closed (is_open() false): the server may still be running the statement until it
  /// notices. Precondition: no other query is running.
  net::awaitable<Expected<QueryResult, QueryError>> query(std::string sql,
                                                          std::chrono::milliseconds timeout);

  bool is_open() const;
  /// Sends Terminate (best effort) and closes the socket. A query waiting on this connection
  /// completes with kConnection. Safe to call more than once.
  void close();

  /// The server process id (BackendKeyData).
  std::int32_t backend_pid() const { return server_->process_id; }
  /// ParameterStatus values the server reported (server_version, ...).
  const pool::ParameterSet& parameters() const { return server_->parameters; }
  /// 'I' idle, 'T' in a transaction block, 'E' in a failed one: after the last query.
  char transaction_status() const { return static_cast<char>(server_->status); }

 private:
  Connection(std::unique_ptr<pool::ServerConnection> server, std::size_t max_result_bytes);

  /// Reads messages until the assembler is done or the connection fails.
  net::awaitable<Expected<QueryResult, QueryError>> read_reply();

  std::unique_ptr<pool::ServerConnection> server_;
  std::size_t max_result_bytes_;
  bool broken_ = false;
  bool busy_ = false;
};

}  // namespace pgw::pgclient
