#include "agent/local_server.hpp"

#include <chrono>

#include "pgclient/connection.hpp"

namespace pgw::agent {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{2000};
constexpr std::chrono::milliseconds kQueryTimeout{3000};
// 57P03 cannot_connect_now: the server is starting up, shutting down or in recovery and not
// yet accepting connections.
constexpr std::string_view kCannotConnectNow = "57P03";

constexpr const char* kObserveSql =
    "SELECT pg_is_in_recovery(), "
    "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END, "
    "pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text";

}  // namespace

net::awaitable<SqlObservation> observe_sql(MonitorLogin login) {
  SqlObservation out;
  pgclient::ConnectOptions options;
  options.address.name = "local";
  options.address.host = login.host;
  options.address.port = login.port;
  options.user = login.user;
  options.password = login.password;
  options.database = login.database;
  options.application_name = "pgwarden-agent";
  options.connect_timeout = kConnectTimeout;
  options.login_timeout = kQueryTimeout;
  auto executor = co_await net::asio::this_coro::executor;
  auto connection = co_await pgclient::Connection::connect(executor, std::move(options));
  if (!connection) {
    out.unavailable = connection.error().sqlstate == kCannotConnectNow;
    out.error = connection.error().message;
    co_return out;
  }
  auto result = co_await (*connection)->query(kObserveSql, kQueryTimeout);
  if (!result || result->rows.size() != 1 || result->rows[0].size() != 4 || !result->rows[0][0]) {
    out.error = result ? "unexpected result" : result.error().message;
    co_return out;
  }
  const auto& row = result->rows[0];
  out.answered = true;
  out.in_recovery = *row[0] == "t";
  out.current_lsn = row[1];
  out.receive_lsn = row[2];
  out.replay_lsn = row[3];
  co_return out;
}

}  // namespace pgw::agent
