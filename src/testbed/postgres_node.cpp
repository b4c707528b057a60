#include "testbed/postgres_node.hpp"
#include <utility>

#include <fstream>
#include <memory>
#include <thread>

#include <libpq-fe.h>
#include <signal.h>

#include "common/process.hpp"
#include "testbed/config_text.hpp"
#include "testbed/files.hpp"

namespace pgw::testbed {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kPollInterval = milliseconds(10);
constexpr auto kRetryInterval = milliseconds(50);
constexpr std::size_t kLogTailBytes = 4096;

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultCloser>;

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

Result<ConnPtr> connect(const std::string& conninfo) {
  ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (!conn) return fail("libpq: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) return fail(trimmed(PQerrorMessage(conn.get())));
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);  // keep test output clean
  return conn;
}

/// Runs `sql`; fails unless the last result is COMMAND_OK or TUPLES_OK.
Result<ResultPtr> run_sql(const std::string& conninfo, const std::string& sql) {
  auto conn = connect(conninfo);
  if (!conn) return fail(conn.error().message);
  ResultPtr result(PQexec(conn->get(), sql.c_str()));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return fail(trimmed(PQerrorMessage(conn->get())));
  }
  return result;
}

int stop_signal(StopMode mode) {
  switch (mode) {
    case StopMode::kSmart:
      return SIGTERM;
    case StopMode::kFast:
      return SIGINT;
    case StopMode::kImmediate:
      return SIGQUIT;
  }
  return SIGINT;
}

std::size_t file_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return in ? static_cast<std::size_t>(in.tellg()) : 0;
}

}  // namespace

PostgresNode::PostgresNode(NodeSettings settings) : settings_(std::move(settings)) {}

std::int64_t PostgresNode::postmaster_pid() const {
  std::ifstream in(data_dir() + "/postmaster.pid");
  std::int64_t pid = 0;
  if (in >> pid && pid > 0) return pid;
  // Between spawn and the server writing its lock file.
  return process_alive(static_cast<pid_t>(spawned_pid_)) ? spawned_pid_ : 0;
}

bool PostgresNode::is_running() const {
  return process_alive(static_cast<pid_t>(postmaster_pid()));
}

Result<void> PostgresNode::start(std::chrono::milliseconds timeout) {
  if (is_running()) return fail(name() + " is already running");
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    bool retry = false;
    auto started = start_once(deadline, retry);
    if (started || !retry || SteadyClock::now() + kRetryInterval >= deadline) return started;
    std::this_thread::sleep_for(kRetryInterval);
  }
}

Result<void> PostgresNode::start_once(SteadyClock::time_point deadline, bool& retry) {
  const std::size_t log_start = file_size(log_file());
  auto pid = spawn_background(
      {.argv = {settings_.bin_dir + "/postgres", "-D", data_dir()},
       .user = settings_.os_user,
       .working_dir = dir()},
      {.log_file = log_file(), .parent_death_signal = settings_.parent_death_signal});
  if (!pid) return fail(name() + ": cannot start postgres: " + pid.error().message);
  spawned_pid_ = *pid;
  const std::string ping = superuser_conninfo() + " connect_timeout=2";
  for (;;) {
    if (PQping(ping.c_str()) == PQPING_OK) return {};
    if (!process_alive(*pid)) {
      auto log = read_file(log_file());
      std::string fresh = log && log->size() > log_start ? log->substr(log_start) : "";
      // After a crash the old backends may still hold the shared memory for a moment.
      retry = fresh.find("pre-existing shared memory block") != std::string::npos;
      return fail(name() + ": postgres exited during start-up:\n" + fresh);
    }
    if (SteadyClock::now() >= deadline) {
      send_signal(*pid, SIGQUIT);
      wait_for_exit(*pid, std::chrono::seconds(10));
      return fail(name() + ": not accepting connections before the deadline:\n" + log_tail());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Result<void> PostgresNode::stop(StopMode mode, std::chrono::milliseconds timeout) {
  auto pid = static_cast<pid_t>(postmaster_pid());
  if (!process_alive(pid)) return {};
  if (!send_signal(pid, stop_signal(mode)) && process_alive(pid)) {
    return fail(name() + ": cannot signal postmaster " + std::to_string(pid));
  }
  if (!wait_for_exit(pid, timeout)) {
    return fail(name() + ": postmaster " + std::to_string(pid) + " still running after " +
                std::to_string(timeout.count()) + " ms");
  }
  return {};
}

bool PostgresNode::kill(int signal) {
  auto pid = static_cast<pid_t>(postmaster_pid());
  return process_alive(pid) && send_signal(pid, signal);
}

std::string PostgresNode::conninfo(const std::string& user, const std::string& password,
                                   const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port()) + " user=" + conninfo_value(user) +
         " password=" + conninfo_value(password) + " dbname=" + conninfo_value(dbname);
}

std::string PostgresNode::superuser_conninfo(const std::string& dbname) const {
  return "host=" + conninfo_value(socket_dir()) + " port=" + std::to_string(port()) +
         " user=" + std::string(kSuperuser) + " dbname=" + conninfo_value(dbname) +
         " application_name=pgwarden-testbed";
}

Result<std::string> PostgresNode::query_value(const std::string& sql,
                                              const std::string& dbname) const {
  auto result = run_sql(superuser_conninfo(dbname), sql);
  if (!result) return fail(name() + ": " + result.error().message);
  PGresult* rows = result->get();
  if (PQntuples(rows) == 0 || PQnfields(rows) == 0) return fail(name() + ": no row: " + sql);
  if (PQgetisnull(rows, 0, 0)) return std::string();
  return std::string(PQgetvalue(rows, 0, 0));
}

Result<void> PostgresNode::execute(const std::string& sql, const std::string& dbname) const {
  auto result = run_sql(superuser_conninfo(dbname), sql);
  if (!result) return fail(name() + ": " + result.error().message);
  return {};
}

Result<bool> PostgresNode::is_in_recovery() const {
  auto value = query_value("SELECT pg_is_in_recovery()");
  if (!value) return fail(value.error().message);
  return *value == "t";
}

std::string PostgresNode::log_tail(std::size_t bytes) const {
  return read_tail(log_file(), bytes == 0 ? kLogTailBytes : bytes);
}

}  // namespace pgw::testbed
