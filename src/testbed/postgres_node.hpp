#pragma once
/// One PostgreSQL server of a test cluster: its directories, port, process and a superuser
/// connection over its private Unix socket.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace pgw::testbed {

/// How to shut a server down (the postmaster's SIGTERM, SIGINT, SIGQUIT).
enum class StopMode { kSmart, kFast, kImmediate };

struct NodeSettings {
  std::string name;  ///< also its cluster_name and WAL receiver application_name
  std::string dir;   ///< the node directory: data/, run/ (socket) and postgres.log inside
  int port = 0;
  std::string os_user;  ///< runs the server
  std::string bin_dir;  ///< PostgreSQL binaries
  /// Non-zero: the postmaster gets this signal when the thread that started it ends.
  int parent_death_signal = 0;
};

/// Not thread-safe: one thread drives a node at a time. Destruction does not stop the server
/// (LocalCluster does).
class PostgresNode {
 public:
  explicit PostgresNode(NodeSettings settings);

  const std::string& name() const { return settings_.name; }
  int port() const { return settings_.port; }
  const std::string& dir() const { return settings_.dir; }
  std::string data_dir() const { return settings_.dir + "/data"; }
  std::string socket_dir() const { return settings_.dir + "/run"; }
  std::string log_file() const { return settings_.dir + "/postgres.log"; }

  /// The postmaster's pid from data/postmaster.pid (possibly stale after a crash); 0 if none.
  std::int64_t postmaster_pid() const;
  /// True while that postmaster process exists.
  bool is_running() const;

  /// Starts the postmaster in the background as the OS user and waits until it accepts
  /// connections (PQping), for a standby once it is consistent enough for read-only queries.
  /// After a crash, retries while the old server's backends still hold its shared memory.
  /// Fails with the tail of the server log if it exits or the timeout passes.
  Result<void> start(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// Sends the shutdown signal of `mode` and waits until the postmaster is gone. Succeeds at
  /// once if it is not running.
  Result<void> stop(StopMode mode = StopMode::kFast,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// Sends `signal` to the postmaster only (SIGKILL simulates a crash: its backends notice and
  /// exit on their own). False if no postmaster runs.
  bool kill(int signal);

  /// A TCP conninfo: "host=127.0.0.1 port=... user=... password=... dbname=...".
  std::string conninfo(const std::string& user, const std::string& password,
                       const std::string& dbname) const;
  /// The superuser over the Unix socket (trust), for administration.
  std::string superuser_conninfo(const std::string& dbname = "postgres") const;

  /// Runs `sql` as the superuser over the Unix socket; returns the first column of the first
  /// row ("" for NULL). Fails on an error, or when there is no row.
  Result<std::string> query_value(const std::string& sql,
                                  const std::string& dbname = "postgres") const;
  /// Runs `sql` (one or more statements) as the superuser over the Unix socket.
  Result<void> execute(const std::string& sql, const std::string& dbname = "postgres") const;
  /// pg_is_in_recovery(): true on a standby.
  Result<bool> is_in_recovery() const;

  /// The last `bytes` of the server log.
  std::string log_tail(std::size_t bytes = 4096) const;

 private:
  /// One attempt: spawn, then wait for PQping to answer, the process to die or the deadline.
  Result<void> start_once(std::chrono::steady_clock::time_point deadline, bool& retry);

  NodeSettings settings_;
  std::int64_t spawned_pid_ = 0;
};

}  // namespace pgw::testbed
