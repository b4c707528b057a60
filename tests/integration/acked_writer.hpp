#pragma once
// Observers for fault tests: a writer that records every INSERT the proxy acknowledged (and on
// which node), and libpq calls bounded in time so that a hung server never hangs a test.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pg_client.hpp"

namespace pgw::testing {

using SteadyTime = std::chrono::steady_clock::time_point;

/// Sends `sql` on `conn` and waits at most `timeout` for the whole answer, checking `abandon`
/// every 100 ms. Returns nullopt when the time ran out or `abandon` was set: the connection is
/// then in the middle of a request and must be dropped. A lost connection is an error result.
std::optional<QueryResult> exec_with_timeout(PgConnection& conn, const std::string& sql,
                                             std::chrono::milliseconds timeout,
                                             const std::atomic<bool>* abandon = nullptr);

/// One INSERT that returned success, and the node (inet_server_port()) that committed it.
struct AckedWrite {
  std::int64_t id = 0;
  int port = 0;
  int thread = 0;  ///< which writer thread (0 .. threads - 1)
  SteadyTime sent;
  SteadyTime acked;
};

/// One failed attempt: a failed connection, an error result or a timeout.
struct WriteFailure {
  SteadyTime at;
  std::string error;  ///< SQLSTATE and message, or "timed out"
};

/// Background threads that loop `INSERT INTO acked(id) VALUES (n) RETURNING inet_server_port()`
/// through `conninfo`, ids unique across threads. On any failure a thread drops its connection,
/// pauses `pause_after_error` and reconnects; there is no pause between successful inserts.
/// Every accessor is thread-safe.
class AckedWriter {
 public:
  struct Options {
    std::string conninfo;
    int threads = 2;
    /// Longer than pgwarden's failover.client_wait (30 s): a statement that waits for a new
    /// primary is not cut short by the test.
    std::chrono::milliseconds statement_timeout{45'000};
    std::chrono::milliseconds pause_after_error{50};
  };

  explicit AckedWriter(Options options);
  ~AckedWriter();
  AckedWriter(const AckedWriter&) = delete;
  AckedWriter& operator=(const AckedWriter&) = delete;

  /// Stops every thread (an insert under way is abandoned). Idempotent.
  void stop();

  /// Adds a write acknowledged outside the writer's threads (thread -1), so that the checks
  /// over acknowledged writes count it too.
  void record(AckedWrite write);

  /// Acknowledged writes, ordered by the time their acknowledgement arrived.
  std::vector<AckedWrite> acked() const;
  std::size_t acked_count() const;
  std::vector<WriteFailure> failures() const;
  /// Acknowledgements that arrived after `since`.
  std::size_t acked_after(SteadyTime since) const;
  /// The first acknowledgement after `since` from a node other than `except_port` (0: any).
  std::optional<AckedWrite> first_acked_after(SteadyTime since, int except_port = 0) const;
  /// How many threads had an acknowledgement after `since` from a node other than
  /// `except_port` (0: any).
  int threads_acked_after(SteadyTime since, int except_port = 0) const;
  int threads() const { return options_.threads; }
  /// Waits until `count` more acknowledgements arrived after `since` (true), or `timeout`.
  bool wait_for_acks_after(SteadyTime since, std::size_t count,
                           std::chrono::milliseconds timeout) const;

 private:
  void run(int thread);
  void record_failure(std::string error);

  Options options_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> next_id_{1};
  mutable std::mutex mutex_;
  std::vector<AckedWrite> acked_;
  std::vector<WriteFailure> failures_;
  std::vector<std::thread> threads_;
};

/// The longest time between two consecutive acknowledgements that arrived within
/// [from, to] (from and to count as acknowledgements: a writer silent since `from` counts).
std::chrono::milliseconds longest_gap(const std::vector<AckedWrite>& acked, SteadyTime from,
                                      SteadyTime to);

/// Checks "never two primaries" on what clients saw: nodes take writes one after the other.
/// Orders the nodes by their first acknowledgement and returns a description of every
/// acknowledgement from a node that arrived after a later node's first one (empty: none).
std::vector<std::string> writes_from_superseded_nodes(const std::vector<AckedWrite>& acked);

/// Milliseconds from `from` to `to`.
inline long long ms_between(SteadyTime from, SteadyTime to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace pgw::testing
