#pragma once
// The fixture of the failover fault tests (failover_fault_test.cpp): a fresh cluster of a
// primary and two standbys per test (faults are destructive), a real pgwarden in front of it,
// an AckedWriter and a PrimaryWatcher running for the whole test.

#include <csignal>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

#include "acked_writer.hpp"
#include "primary_watcher.hpp"
#include "proxy_fixture.hpp"

namespace pgw::testing {

/// The postmaster of `node` and every process it forked, each sent SIGSTOP: a hung server.
/// (PostgreSQL puts every child in a session of its own — InitPostmasterChild() calls setsid()
/// — so signalling the postmaster's process group would stop the postmaster alone.)
std::vector<pid_t> freeze_node(testbed::PostgresNode& node);
/// SIGCONT to every process freeze_node() stopped.
void thaw_node(const std::vector<pid_t>& processes);

/// One SHOW POOL_NODES row, by column name.
struct PoolNode {
  int port = 0;
  std::string status;
  std::string role;
  std::string pg_role;
};

class FailoverFault : public ProxyFixture {
 protected:
  // Each test builds its own cluster (see create()); nothing is shared.
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  void TearDown() override;

  /// A primary and two streaming standbys with the table `acked`; `synchronous`: commits wait
  /// for one standby (ClusterOptions::synchronous).
  void create(bool synchronous);
  /// pgwarden with fast health checks, statement-level load balancing and, when
  /// `synchronous_mode`, [failover] synchronous_mode = true.
  void start(bool synchronous_mode, bool admin_token = false);
  /// The writer and the watcher, then `count` acknowledged writes.
  void start_observers(std::size_t count = 200);
  /// keep_watching(), then stops both and prints the writer's errors.
  void stop_observers();
  /// Lets writer and watcher run on for about 2 s (8 more SHOW POOL_NODES samples).
  void keep_watching();

  /// (f) Never two primaries, judged on what the writer and SHOW POOL_NODES saw; with
  /// `old_primary_stays_up`, the direct probes may see two nodes out of recovery (a fenced or
  /// false primary), else at most one.
  void expect_never_two_primaries(bool old_primary_stays_up);

  std::vector<PoolNode> pool_nodes();
  std::optional<PoolNode> pool_node(const testbed::PostgresNode& node);
  /// `SELECT inet_server_port()` through pgwarden for `duration`: on one session
  /// (statement-level balancing) and on a fresh session each time. Ports and how often.
  std::map<int, int> read_ports(std::chrono::milliseconds duration);
  /// Every id in `acked` on `node`, asked directly.
  std::set<std::int64_t> ids_on(const testbed::PostgresNode& node);
  testbed::PostgresNode* node_by_port(int port);
  /// `pgwarden ctl ARGS --admin ...` (with the token file when there is one).
  CommandOutput ctl(std::vector<std::string> args);
  /// GET /v1/events, JSON.
  std::string events_json();

  std::unique_ptr<AckedWriter> writer_;
  std::unique_ptr<PrimaryWatcher> watcher_;
  std::vector<pid_t> frozen_;

 private:
  std::string proxy_dir_;
  std::string token_file_;
};

}  // namespace pgw::testing
