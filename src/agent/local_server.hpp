#pragma once
/// What the agent asks its PostgreSQL server over a local monitoring connection.

#include <cstdint>
#include <optional>
#include <string>

#include "net/asio.hpp"

namespace pgw::agent {

/// The monitoring login: host is a unix socket directory (starting with '/') or an IP address.
struct MonitorLogin {
  std::string host;
  std::uint16_t port = 5432;
  std::string user;
  std::string password;  ///< never logged
  std::string database = "postgres";
};

struct SqlObservation {
  bool answered = false;  ///< the query ran: the server runs and accepts connections
  /// The server refused the login because it is starting, stopping or not yet consistent
  /// (SQLSTATE 57P03).
  bool unavailable = false;
  bool in_recovery = false;
  std::optional<std::string> current_lsn;  ///< pg_current_wal_lsn(), on a primary
  std::optional<std::string> receive_lsn;  ///< pg_last_wal_receive_lsn(), on a standby
  std::optional<std::string> replay_lsn;   ///< pg_last_wal_replay_lsn(), on a standby
  std::string error;                       ///< why it did not answer (no secret in it)
};

/// Connects, asks pg_is_in_recovery() and the LSNs, and disconnects; bounded by a few seconds.
/// Runs on the calling coroutine's executor.
net::awaitable<SqlObservation> observe_sql(MonitorLogin login);

}  // namespace pgw::agent
