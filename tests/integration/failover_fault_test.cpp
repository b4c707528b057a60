// Fault tests of failover (issue 5, item 10), with real servers and a real pgwarden: a writer
// logs every INSERT the proxy acknowledged and on which node, a watcher asks every node and
// SHOW POOL_NODES who is the primary, and each test measures and asserts what a fault costs.
// Every test builds its own cluster: faults are destructive. Figures are printed as "[fault]".

#include <csignal>

#include "failover_fault_fixture.hpp"

namespace pgw::testing {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

/// How long after the fault lost commits may have been acknowledged in asynchronous mode.
/// docs/failover.md bounds the loss by failover.maximum_lag bytes plus one monitor period of
/// WAL; on loopback a standby receives WAL within milliseconds, so in practice only the commits
/// of the last moments before the kill can be lost. 3 s is generous for a loaded machine.
constexpr auto kAsyncLossWindow = seconds(3);
/// How long after a failover sessions may still wait on the failed primary (generous: they
/// should get their error at once).
constexpr auto kStuckSessionLimit = seconds(20);

class FailoverFaultKill : public FailoverFault {
 protected:
  /// (a) kill -9 of the primary's postmaster under steady writes.
  void kill_nine_under_writes(bool synchronous) {
    const char* mode = synchronous ? "synchronous" : "asynchronous";
    ASSERT_NO_FATAL_FAILURE(create(synchronous));
    ASSERT_NO_FATAL_FAILURE(start(synchronous));
    ASSERT_NO_FATAL_FAILURE(start_observers());
    const int old_port = cluster_->primary().port();

    const auto killed_at = steady_clock::now();
    ASSERT_TRUE(cluster_->primary().kill(SIGKILL));
    std::optional<AckedWrite> resumed;
    wait_until(
        [&] {
          resumed = writer_->first_acked_after(killed_at, old_port);
          return resumed.has_value();
        },
        seconds(60));
    ASSERT_TRUE(resumed) << "no write succeeded on another node within 60 s of kill -9";
    const auto took = ms_between(killed_at, resumed->acked);
    std::cout << "[fault] (a, " << mode << ") writes resumed " << took
              << " ms after kill -9 of the primary\n";
    EXPECT_LT(took, 5000) << "issue 5 item 10 (a): writes must resume within 5 s";
    ASSERT_TRUE(writer_->wait_for_acks_after(resumed->acked, 200, seconds(60)));
    ASSERT_NO_FATAL_FAILURE(stop_observers());

    auto* new_primary = node_by_port(resumed->port);
    ASSERT_NE(new_primary, nullptr);
    // The watcher saw the promotion happen (it watches the nodes in cluster order).
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      if (&cluster_->node(i) == new_primary) {
        EXPECT_GT(watcher_->out_of_recovery_answers(i), 0U);
      }
    }
    EXPECT_FALSE(new_primary->is_in_recovery().value_or(true));
    auto stored = ids_on(*new_primary);
    auto acked = writer_->acked();
    std::vector<AckedWrite> missing;
    for (const auto& a : acked) {
      if (!stored.contains(a.id)) missing.push_back(a);
    }
    std::cout << "[fault] (a, " << mode << ") " << missing.size() << " of " << acked.size()
              << " acknowledged inserts missing on " << new_primary->name() << "\n";
    if (synchronous) {
      EXPECT_TRUE(missing.empty())
          << "synchronous mode lost acknowledged commits, first id " << missing.front().id;
    }
    for (const auto& lost : missing) {
      // Lost commits are the last ones the old primary acknowledged, never older ones.
      EXPECT_EQ(lost.port, old_port);
      EXPECT_GE(lost.acked, killed_at - kAsyncLossWindow)
          << "id " << lost.id << " acknowledged " << ms_between(lost.acked, killed_at)
          << " ms before the kill is missing";
    }
    auto old_row = pool_node(cluster_->primary());
    ASSERT_TRUE(old_row);
    EXPECT_EQ(old_row->status, "down");
    EXPECT_EQ(old_row->role, "standby");
    expect_never_two_primaries(false);
  }
};

TEST_F(FailoverFaultKill, KillNineInSynchronousModeLosesNoAcknowledgedInsert) {
  kill_nine_under_writes(true);
}

TEST_F(FailoverFaultKill, KillNineInAsynchronousModeLosesOnlyTheLastAcknowledgedInserts) {
  kill_nine_under_writes(false);
}

class FailoverFaultStop : public FailoverFault {};

// (b) A hung primary: SIGSTOP of the postmaster and all its processes.
TEST_F(FailoverFaultStop, HungPrimaryIsFailedOverByTimeoutAndIsAFalsePrimaryWhenItWakes) {
  ASSERT_NO_FATAL_FAILURE(create(false));
  ASSERT_NO_FATAL_FAILURE(start(false));
  ASSERT_NO_FATAL_FAILURE(start_observers());
  auto& old_primary = cluster_->primary();
  const int old_port = old_primary.port();

  const auto stopped_at = steady_clock::now();
  frozen_ = freeze_node(old_primary);
  ASSERT_GE(frozen_.size(), 2U) << "the postmaster and its children";
  std::cout << "[fault] (b) SIGSTOP sent to " << frozen_.size() << " processes of "
            << old_primary.name() << "\n";
  // A new session's write lands on a promoted standby: the hang was detected by timeouts.
  int new_port = 0;
  long probe_id = 0;  // negative: apart from the writer's ids
  bool failed_over = wait_until(
      [&] {
        PgConnection probe(app_conninfo("connect_timeout=5"));
        if (!probe.ok()) return false;
        const auto sent = steady_clock::now();
        auto result =
            exec_with_timeout(probe,
                              "INSERT INTO acked(id) VALUES (" + std::to_string(--probe_id) +
                                  ") RETURNING inet_server_port()",
                              seconds(40));
        if (!result || !result->ok) return false;
        new_port = std::stoi(result->value());
        writer_->record({probe_id, new_port, -1, sent, steady_clock::now()});
        return true;
      },
      seconds(90));
  ASSERT_TRUE(failed_over) << "no write through pgwarden succeeded within 90 s of SIGSTOP";
  std::cout << "[fault] (b) a new session wrote on port " << new_port << " "
            << ms_between(stopped_at, steady_clock::now()) << " ms after SIGSTOP\n";
  ASSERT_NE(new_port, old_port);
  EXPECT_TRUE(wait_until(
      [&] { return events_json().find("\"kind\":\"failover_done\"") != std::string::npos; },
      seconds(30)))
      << events_json();
  const auto failed_over_at = steady_clock::now();
  // The writer's sessions were in the middle of an INSERT on the hung server. Failover took it
  // out of service; they must get an error now (and reconnect), not hang until it wakes up and
  // then take an acknowledgement from a former primary.
  bool unstuck = wait_until(
      [&] { return writer_->threads_acked_after(stopped_at, old_port) == writer_->threads(); },
      kStuckSessionLimit);
  EXPECT_TRUE(unstuck) << writer_->threads() - writer_->threads_acked_after(stopped_at, old_port)
                       << " writer session(s) with an INSERT under way on the hung primary were "
                          "still waiting for it "
                       << ms_between(failed_over_at, steady_clock::now())
                       << " ms after the failover";
  std::cout << "[fault] (b) writer sessions with a request on the hung primary: "
            << (unstuck ? "released" : "STILL STUCK") << " "
            << ms_between(stopped_at, steady_clock::now()) << " ms after SIGSTOP\n";

  const auto thawed_at = steady_clock::now();
  thaw_node(frozen_);
  frozen_.clear();
  // Back and still out of recovery: a false primary, shown as such.
  bool seen_back = wait_until(
      [&] {
        auto row = pool_node(old_primary);
        return row && row->pg_role == "primary";
      },
      seconds(30));
  ASSERT_TRUE(seen_back) << "the monitor never saw the old primary answer again";
  EXPECT_FALSE(old_primary.is_in_recovery().value_or(true));
  auto row = pool_node(old_primary);
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->role == "primary" && row->status == "up");
  EXPECT_EQ(row->role, "standby");
  std::cout << "[fault] (b) after SIGCONT the old primary shows status " << row->status << ", role "
            << row->role << ", pg_role " << row->pg_role << "\n";
  // A few seconds of reads and writes: none reaches the old primary.
  auto reads = read_ports(seconds(3));
  EXPECT_EQ(reads.count(old_port), 0U) << reads[old_port] << " reads reached the false primary";
  EXPECT_GT(reads[new_port], 0);
  ASSERT_TRUE(writer_->wait_for_acks_after(thawed_at, 100, seconds(60)));
  ASSERT_NO_FATAL_FAILURE(stop_observers());
  int old_acks_after_thaw = 0;
  for (const auto& a : writer_->acked()) {
    old_acks_after_thaw += a.acked > thawed_at && a.port == old_port;
  }
  EXPECT_EQ(old_acks_after_thaw, 0) << "writes acknowledged by the false primary after SIGCONT";
  // Asynchronous mode: lost commits may only be the last ones acknowledged before the hang.
  auto* new_primary = node_by_port(new_port);
  ASSERT_NE(new_primary, nullptr);
  auto stored = ids_on(*new_primary);
  int missing = 0;
  for (const auto& a : writer_->acked()) {
    if (stored.contains(a.id)) continue;
    ++missing;
    EXPECT_TRUE(a.acked >= stopped_at - kAsyncLossWindow && a.acked < failed_over_at)
        << "id " << a.id << " acknowledged by port " << a.port << " "
        << ms_between(stopped_at, a.acked) << " ms after SIGSTOP is not on the new primary";
  }
  std::cout << "[fault] (b) " << missing << " of " << writer_->acked().size()
            << " acknowledged inserts missing on " << new_primary->name() << "\n";
  expect_never_two_primaries(true);
}

class FailoverFaultStandby : public FailoverFault {};

// (c) A standby killed: taken out, reads go elsewhere, no failover.
TEST_F(FailoverFaultStandby, KilledStandbyGetsNoReadsAndCausesNoFailover) {
  ASSERT_NO_FATAL_FAILURE(create(false));
  ASSERT_NO_FATAL_FAILURE(start(false));
  ASSERT_NO_FATAL_FAILURE(start_observers());
  auto& primary = cluster_->primary();
  auto& victim = cluster_->node(2);
  auto before = read_ports(seconds(1));
  EXPECT_GT(before[victim.port()], 0) << "reads were not balanced to the standby before";

  const auto killed_at = steady_clock::now();
  ASSERT_TRUE(victim.kill(SIGKILL));
  bool down = wait_until(
      [&] {
        auto row = pool_node(victim);
        return row && row->status == "down";
      },
      seconds(30));
  ASSERT_TRUE(down) << "the killed standby never went down in SHOW POOL_NODES";
  std::cout << "[fault] (c) the killed standby was down in SHOW POOL_NODES "
            << ms_between(killed_at, steady_clock::now()) << " ms after kill -9\n";
  auto reads = read_ports(seconds(3));
  EXPECT_EQ(reads.count(victim.port()), 0U) << reads[victim.port()] << " reads reached it";
  EXPECT_EQ(reads.count(-1), 0U) << reads[-1] << " reads failed";
  EXPECT_GT(reads[cluster_->node(1).port()], 0) << "reads no longer reach the other standby";
  std::cout << "[fault] (c) reads after the kill: " << reads[primary.port()] << " on the primary, "
            << reads[cluster_->node(1).port()] << " on the other standby\n";
  ASSERT_TRUE(writer_->wait_for_acks_after(steady_clock::now(), 200, seconds(60)));
  ASSERT_NO_FATAL_FAILURE(stop_observers());

  // No failover: the primary is the same, writes never stopped, nothing was promoted.
  EXPECT_FALSE(primary.is_in_recovery().value_or(true));
  auto primary_row = pool_node(primary);
  ASSERT_TRUE(primary_row);
  EXPECT_EQ(primary_row->role, "primary");
  EXPECT_EQ(primary_row->status, "up");
  EXPECT_TRUE(cluster_->node(1).is_in_recovery().value_or(false));
  for (const auto& a : writer_->acked())
    EXPECT_EQ(a.port, primary.port()) << "id " << a.id;
  EXPECT_TRUE(writer_->failures().empty()) << writer_->failures().front().error;
  auto events = events_json();
  EXPECT_NE(events.find("\"kind\":\"node_failed\""), std::string::npos) << events;
  for (auto kind : {"failover", "failover_done", "promote", "switchover"}) {
    EXPECT_EQ(events.find("\"kind\":\"" + std::string(kind) + "\""), std::string::npos)
        << kind << " in " << events;
  }
  auto log = proxy_->log_text();
  EXPECT_EQ(log.find("failover starts"), std::string::npos);
  EXPECT_EQ(log.find("is the new primary"), std::string::npos);
  expect_never_two_primaries(false);
}

// (d) Every standby down in synchronous mode: pgwarden clears synchronous_standby_names, so
// commits do not hang and the primary keeps serving writes. Decision: no write may fail (a
// commit waiting for a standby waits, it does not fail); the pause is bounded by the health
// checks (refused connections, about a second here) plus one ALTER SYSTEM, and printed.
TEST_F(FailoverFaultStandby, EveryStandbyDownInSynchronousModeWritesGoOn) {
  ASSERT_NO_FATAL_FAILURE(create(true));
  ASSERT_NO_FATAL_FAILURE(start(true));
  auto& primary = cluster_->primary();
  auto sync_names = [&] {
    return primary.query_value("SHOW synchronous_standby_names").value_or("?");
  };
  ASSERT_TRUE(
      wait_until([&] { return sync_names() == "ANY 1 (\"node1\", \"node2\")"; }, seconds(30)))
      << "pgwarden does not manage synchronous_standby_names: " << sync_names();
  ASSERT_NO_FATAL_FAILURE(start_observers());

  const auto killed_at = steady_clock::now();
  ASSERT_TRUE(cluster_->node(1).kill(SIGKILL));
  ASSERT_TRUE(cluster_->node(2).kill(SIGKILL));
  bool cleared = wait_until([&] { return sync_names().empty(); }, seconds(30));
  EXPECT_TRUE(cleared) << "synchronous_standby_names is still '" << sync_names() << "'";
  std::cout << "[fault] (d) synchronous_standby_names cleared "
            << ms_between(killed_at, steady_clock::now()) << " ms after both standbys died\n";
  ASSERT_TRUE(writer_->wait_for_acks_after(killed_at, 300, seconds(60)))
      << "writes stopped after every standby died";
  const auto until = steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(stop_observers());

  auto acked = writer_->acked();
  std::cout << "[fault] (d) longest pause between acknowledged writes after the kill: "
            << longest_gap(acked, killed_at, until).count() << " ms\n";
  EXPECT_LT(longest_gap(acked, killed_at, until), seconds(30))
      << "commits hung for longer than failover.client_wait";
  int failed_after = 0;
  std::string first_error;
  for (const auto& failure : writer_->failures()) {
    if (failure.at < killed_at) continue;
    if (failed_after++ == 0) first_error = failure.error;
  }
  EXPECT_EQ(failed_after, 0) << "writes failed after the standbys died: " << first_error;
  for (const auto& a : acked)
    EXPECT_EQ(a.port, primary.port()) << "id " << a.id;
  auto events = events_json();
  EXPECT_EQ(events.find("\"kind\":\"failover\""), std::string::npos) << events;
  expect_never_two_primaries(false);
}

class FailoverFaultSwitchover : public FailoverFault {};

// (e) Switchover under load (asynchronous replication: only the wait for replay protects).
TEST_F(FailoverFaultSwitchover, SwitchoverUnderLoadLosesNoCommitAndPausesBriefly) {
  ASSERT_NO_FATAL_FAILURE(create(false));
  ASSERT_NO_FATAL_FAILURE(start(false, /*admin_token=*/true));
  ASSERT_NO_FATAL_FAILURE(start_observers());
  auto& target = cluster_->node(1);

  const auto started = steady_clock::now();
  auto switched = ctl({"switchover", "--to", target.name(), "--timeout", "300"});
  const auto finished = steady_clock::now();
  ASSERT_EQ(switched.exit_code, 0) << switched.output;
  EXPECT_NE(switched.output.find("node1 is the primary"), std::string::npos) << switched.output;
  std::cout << "[fault] (e) pgwarden ctl switchover took " << ms_between(started, finished)
            << " ms\n";
  ASSERT_TRUE(writer_->wait_for_acks_after(finished, 300, seconds(60)));
  const auto until = steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(stop_observers());

  auto acked = writer_->acked();
  auto stored = ids_on(target);
  std::size_t missing = 0;
  for (const auto& a : acked)
    missing += !stored.contains(a.id);
  int failed_during = 0;
  for (const auto& failure : writer_->failures())
    failed_during += failure.at >= started;
  std::cout << "[fault] (e) " << missing << " of " << acked.size()
            << " acknowledged inserts missing on the new primary; longest pause between "
               "acknowledged writes "
            << longest_gap(acked, started, until).count() << " ms; " << failed_during
            << " failed attempts during the switchover\n";
  EXPECT_EQ(missing, 0U);
  for (const auto& a : acked) {
    if (a.sent > finished) {
      EXPECT_EQ(a.port, target.port()) << "id " << a.id;
    }
  }
  EXPECT_FALSE(target.is_in_recovery().value_or(true));
  auto old_row = pool_node(cluster_->primary());
  ASSERT_TRUE(old_row);
  EXPECT_FALSE(old_row->role == "primary" && old_row->status == "up");
  expect_never_two_primaries(true);
}

}  // namespace
}  // namespace pgw::testing
