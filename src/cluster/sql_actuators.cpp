#include "cluster/sql_actuators.hpp"

#include <thread>

#include "cluster/conninfo.hpp"
#include "cluster/function_volatility.hpp"
#include "cluster/lsn.hpp"
#include "common/log.hpp"
#include "common/process.hpp"

namespace pgw::cluster {
namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("failover");
  return l;
}

std::string first_value(const pgclient::QueryResult& result) {
  if (result.rows.empty() || result.rows[0].empty() || !result.rows[0][0]) return "";
  return *result.rows[0][0];
}

/// How often a promotion in progress is asked whether it has ended.
constexpr std::chrono::milliseconds kPromotionPollInterval{5};

}  // namespace

SqlActuators::SqlActuators(net::Executor executor, std::vector<pool::BackendAddress> addresses,
                           SqlActuatorSettings settings)
    : executor_(std::move(executor)),
      addresses_(std::move(addresses)),
      settings_(std::move(settings)) {}

net::awaitable<Result<SqlActuators::Connection>> SqlActuators::connect(
    std::size_t node, std::chrono::milliseconds timeout) {
  pgclient::ConnectOptions options;
  options.address = addresses_.at(node);
  options.user = settings_.user;
  options.password = settings_.password;
  options.database = settings_.database;
  options.application_name = "pgwarden failover";
  options.connect_timeout = timeout;
  options.login_timeout = timeout;
  auto connected = co_await pgclient::Connection::connect(executor_, std::move(options));
  if (!connected) co_return fail(connected.error().message);
  co_return std::move(*connected);
}

net::awaitable<Result<std::string>> SqlActuators::run(std::size_t node, std::string sql) {
  std::vector<std::string> one{std::move(sql)};
  co_return co_await run_each(node, std::move(one));
}

net::awaitable<Result<std::string>> SqlActuators::run_each(std::size_t node,
                                                           std::vector<std::string> statements) {
  auto connection = co_await connect(node, settings_.connect_timeout);
  if (!connection) co_return unexpected(connection.error());
  std::string last;
  for (auto& sql : statements) {
    // One query each: ALTER SYSTEM refuses to run inside the implicit transaction of a
    // multi-statement string.
    auto result = co_await (*connection)->query(std::move(sql), settings_.query_timeout);
    if (!result) {
      (*connection)->close();
      co_return fail(result.error().message);
    }
    last = first_value(*result);
  }
  (*connection)->close();
  co_return last;
}

net::awaitable<bool> SqlActuators::answers(std::size_t node, std::chrono::milliseconds timeout) {
  auto connection = co_await connect(node, timeout);
  if (!connection) co_return false;
  auto result = co_await (*connection)->query("SELECT 1", timeout);
  (*connection)->close();
  co_return result.has_value();
}

net::awaitable<Result<void>> SqlActuators::fence(std::size_t node) {
  auto connection = co_await connect(node, settings_.connect_timeout);
  if (!connection) {
    // Unreachable (dead, hung or cut off): nothing can be done from here now. The cluster
    // manager fences it again if it comes back out of recovery.
    co_return fail("cannot reach " + addresses_[node].describe() +
                   " to fence it: " + connection.error().message);
  }
  auto result =
      co_await (*connection)
          ->query("ALTER SYSTEM SET default_transaction_read_only = on", settings_.query_timeout);
  if (result) {
    result =
        co_await (*connection)
            ->query(
                "SELECT pg_reload_conf(), count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'",
                settings_.query_timeout);
  }
  (*connection)->close();
  if (!result)
    co_return fail("fencing " + addresses_[node].describe() + ": " + result.error().message);
  co_return Result<void>{};
}

net::awaitable<Result<void>> SqlActuators::promote(std::size_t node,
                                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto connection = co_await connect(node, settings_.connect_timeout);
  if (!connection) {
    co_return fail("promoting " + addresses_[node].describe() + ": " + connection.error().message);
  }
  auto& server = **connection;
  auto value = [&](std::string sql) -> net::awaitable<Result<std::string>> {
    auto result = co_await server.query(std::move(sql), settings_.query_timeout);
    if (!result) co_return fail(result.error().message);
    co_return first_value(*result);
  };
  // A standby that was fenced as a primary earlier (switchover back) must take writes again.
  // Only then: the reload wakes the startup process, which may then sleep a whole
  // wal_retrieve_retry_interval before it sees the promote request.
  auto read_only = co_await value("SHOW default_transaction_read_only");
  if (read_only && *read_only == "on") {
    read_only = co_await value("ALTER SYSTEM RESET default_transaction_read_only");
    if (read_only) read_only = co_await value("SELECT pg_reload_conf()");
  }
  if (!read_only) {
    server.close();
    co_return fail("promoting " + addresses_[node].describe() + ": " + read_only.error().message);
  }
  // pg_promote(wait => true) looks for the end of recovery only every 100 ms; asking
  // pg_is_in_recovery() every few milliseconds publishes the new primary sooner.
  auto requested = co_await value("SELECT pg_promote(false)");
  std::string last_error = requested ? "" : requested.error().message;
  net::asio::steady_timer pause(executor_);
  while (std::chrono::steady_clock::now() < deadline) {
    auto in_recovery = co_await value("SELECT pg_is_in_recovery()");
    if (in_recovery && *in_recovery == "f") {
      server.close();
      co_return Result<void>{};
    }
    if (!in_recovery) {
      last_error = in_recovery.error().message;
      break;  // the connection is gone: ask once more on a fresh one, below
    }
    pause.expires_after(kPromotionPollInterval);
    net::error_code ec;
    co_await pause.async_wait(net::use_awaitable_ec(ec));
  }
  server.close();
  // Whatever happened to this connection, the server may have left recovery: ask again, so
  // that a promotion that did happen is never taken for a failed one (the manager would then
  // promote another standby: two primaries).
  auto in_recovery = co_await run(node, "SELECT pg_is_in_recovery()");
  if (in_recovery && *in_recovery == "f") co_return Result<void>{};
  if (!last_error.empty()) {
    co_return fail("promoting " + addresses_[node].describe() + ": " + last_error);
  }
  co_return fail(addresses_[node].describe() + " did not finish promotion within " +
                 std::to_string(timeout.count()) + " ms");
}

net::awaitable<Result<void>> SqlActuators::follow(std::size_t node, std::size_t primary) {
  auto conninfo = co_await run(node, "SHOW primary_conninfo");
  if (!conninfo) co_return unexpected(conninfo.error());
  if (conninfo->empty()) {
    co_return fail(addresses_[node].describe() + " has no primary_conninfo to re-point");
  }
  const auto& target = addresses_.at(primary);
  auto rewritten = rewrite_conninfo_target(*conninfo, target.host, target.port);
  if (!rewritten) co_return unexpected(rewritten.error());
  auto slot = co_await run(node, "SHOW primary_slot_name");
  if (!slot) co_return unexpected(slot.error());
  if (!slot->empty()) {
    auto created = co_await run(
        primary, "SELECT count(pg_create_physical_replication_slot(" + quote_literal(*slot) +
                     ")) FROM (SELECT 1) AS one WHERE NOT EXISTS (SELECT 1 FROM "
                     "pg_replication_slots WHERE slot_name = " +
                     quote_literal(*slot) + ")");
    if (!created) {
      co_return fail("creating slot " + *slot + " on " + target.describe() + ": " +
                     created.error().message);
    }
  }
  std::vector<std::string> alter = {
      "ALTER SYSTEM SET primary_conninfo = " + quote_literal(*rewritten),
      "SELECT pg_reload_conf()"};
  auto altered = co_await run_each(node, std::move(alter));
  if (!altered) co_return unexpected(altered.error());
  co_return Result<void>{};
}

net::awaitable<Result<std::uint64_t>> SqlActuators::wal_position(std::size_t node) {
  auto text = co_await run(node,
                           "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
                           "ELSE pg_current_wal_lsn() END");
  if (!text) co_return unexpected(text.error());
  auto lsn = parse_lsn(*text);
  if (!lsn) co_return fail("unexpected WAL position \"" + *text + "\"");
  co_return *lsn;
}

net::awaitable<Result<void>> SqlActuators::set_synchronous_standbys(std::size_t primary,
                                                                    std::string value) {
  std::vector<std::string> statements = {
      "ALTER SYSTEM SET synchronous_standby_names = " + quote_literal(value),
      "SELECT pg_reload_conf()"};
  auto done = co_await run_each(primary, std::move(statements));
  if (!done) co_return unexpected(done.error());
  co_return Result<void>{};
}

void SqlActuators::run_hook(std::string command) {
  // The hook may take as long as it likes: it runs on a thread of its own, never in failover's
  // way.
  std::thread([command = std::move(command)] {
    auto result = run_process({{"/bin/sh", "-c", command}, "", {}, ""},
                              RunOptions{std::nullopt, std::chrono::minutes(5), 16 * 1024});
    if (!result) {
      logger()->warn("hook command could not start: {}", result.error().message);
    } else if (!result->success()) {
      logger()->warn("hook command ended with {}: {}", result->status_text(), result->output);
    } else {
      logger()->info("hook command done");
    }
  }).detach();
}

}  // namespace pgw::cluster
