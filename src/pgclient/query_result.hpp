#pragma once
/// What a query returns: rows as text, or why it failed.

#include <optional>
#include <string>
#include <vector>

namespace pgw::pgclient {

/// One row; std::nullopt is SQL NULL. Values are in the server's text format.
using Row = std::vector<std::optional<std::string>>;

/// For a multi-statement query: the last statement's result.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::string command_tag;  ///< "SELECT 3", "CREATE TABLE", ... ("" for an empty query)
};

struct QueryError {
  enum class Kind {
    kServer,      ///< the server answered ErrorResponse (sqlstate and message are the server's)
    kConnection,  ///< could not connect or log in, or the connection broke
    kTimeout,     ///< connect, login or the query did not finish in time
    kProtocol,    ///< the server broke the protocol, or sent what this client does not handle
  };
  Kind kind = Kind::kConnection;
  std::string sqlstate;
  std::string message;
};

}  // namespace pgw::pgclient
