#pragma once
// libpq helpers for integration tests: a connection that closes itself, and results that say
// what failed (SQLSTATE and message) so assertions print something useful.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>

namespace pgw::testing {

struct QueryResult {
  bool ok = false;
  std::string sqlstate;
  std::string error;  ///< primary message of the error
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string command_tag;

  /// The first column of the first row ("" when absent or NULL).
  std::string value() const;
};

class PgConnection {
 public:
  /// Connects with `conninfo` (blocking). Check ok() / error() / sqlstate().
  explicit PgConnection(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  bool ok() const;
  /// The connection error text (libpq's message) when !ok().
  std::string error() const;
  /// The SQLSTATE of the last NoticeResponse received (libpq does not expose the SQLSTATE of
  /// a failed connection attempt; tests that need it use RawClient).
  const std::string& last_notice_sqlstate() const { return last_notice_sqlstate_; }
  PGconn* raw() { return conn_; }

  QueryResult exec(const std::string& sql);
  /// Text parameters; binary_result asks for binary results.
  QueryResult exec_params(const std::string& sql,
                          const std::vector<std::optional<std::string>>& params,
                          bool binary_params = false, bool binary_result = false);
  int backend_pid();

 private:
  PGconn* conn_ = nullptr;
  std::string last_notice_sqlstate_;
};

QueryResult to_query_result(PGresult* result);

/// Runs a command line, returning exit code and combined output.
struct CommandOutput {
  int exit_code = -1;
  std::string output;
};
CommandOutput run_command(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace pgw::testing
