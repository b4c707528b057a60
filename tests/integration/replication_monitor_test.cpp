// The replication monitor against a real primary and two streaming standbys.

#include "cluster/replication_monitor.hpp"
#include <utility>

#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "cluster/cluster_state_store.hpp"
#include "cluster/lsn.hpp"
#include "testbed/local_cluster.hpp"

namespace pgw::cluster {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kDeadline{30'000};

/// The monitor on its own io_context thread, with its store, as the proxy will run it.
class MonitorHarness {
 public:
  MonitorHarness(const config::Config& config, std::string password)
      : store_(initial_state(config)),
        work_(net::asio::make_work_guard(io_)),
        monitor_(io_.get_executor(), config, std::move(password), store_) {}
  ~MonitorHarness() { stop(); }

  ReplicationMonitor& monitor() { return monitor_; }
  ClusterStateStore& store() { return store_; }

  void start() {
    monitor_.start();
    thread_ = std::thread([this] { io_.run(); });
  }

  /// Stops the monitor and its thread; returns how long stop() took.
  milliseconds stop() {
    if (!thread_.joinable()) return milliseconds(0);
    const auto start = std::chrono::steady_clock::now();
    auto stopped = net::asio::co_spawn(io_, monitor_.stop(), net::asio::use_future);
    stopped.get();
    const auto took = std::chrono::steady_clock::now() - start;
    work_.reset();
    thread_.join();
    return std::chrono::duration_cast<milliseconds>(took);
  }

  /// Polls the store's generation until a published snapshot satisfies `condition`; returns
  /// the last snapshot seen (check it with `condition` again for the outcome).
  std::shared_ptr<const ClusterState> wait_for(
      const std::function<bool(const ClusterState&)>& condition, milliseconds timeout = kDeadline) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint64_t seen = ~std::uint64_t{0};
    auto snapshot = store_.current();
    while (std::chrono::steady_clock::now() < deadline) {
      if (store_.generation() != seen) {
        snapshot = store_.current();
        seen = snapshot->generation;
        if (condition(*snapshot)) return snapshot;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return snapshot;
  }

 private:
  ClusterStateStore store_;
  net::asio::io_context io_;
  net::asio::executor_work_guard<net::asio::io_context::executor_type> work_;
  ReplicationMonitor monitor_;
  std::thread thread_;
};

std::string describe(const ClusterState& state) {
  std::string text = "generation " + std::to_string(state.generation) + ", primary " +
                     (state.primary ? std::to_string(*state.primary) : "none") + "\n";
  for (const auto& node : state.nodes) {
    text += "  " + std::to_string(node.id) + " " + node.name + " " +
            std::string(to_string(node.status)) + " " + std::string(to_string(node.role)) +
            (node.false_primary ? " FALSE-PRIMARY" : "") +
            " wal=" + (node.wal_lsn ? format_lsn(*node.wal_lsn) : "-") +
            " replay=" + (node.replay_lsn ? format_lsn(*node.replay_lsn) : "-") +
            " lag=" + (node.lag_bytes ? std::to_string(*node.lag_bytes) : "-") + "B/" +
            (node.lag_seconds ? std::to_string(*node.lag_seconds) : "-") +
            "s repl=" + node.replication_state + "/" + node.sync_state + "\n";
  }
  return text;
}

/// A cluster of node0 (primary), node1 and node2 (standbys), shared by a suite.
class ReplicationMonitorFixture : public ::testing::Test {
 protected:
  static std::unique_ptr<testbed::LocalCluster> make_cluster() {
    testbed::ClusterOptions options;
    options.standbys = 2;
    auto created = testbed::LocalCluster::create(options);
    EXPECT_TRUE(created) << created.error().message;
    return created ? std::move(*created) : nullptr;
  }

  /// The backends in `order` (cluster node indexes), monitored as the testbed's monitor role.
  static config::Config config_for(testbed::LocalCluster& cluster, std::vector<std::size_t> order,
                                   milliseconds period) {
    config::Config config;
    for (auto index : order) {
      config::BackendConfig backend;
      backend.name = cluster.node(index).name();
      backend.host = "127.0.0.1";
      backend.port = static_cast<std::uint16_t>(cluster.node(index).port());
      config.backends.push_back(backend);
    }
    config.monitor.user = cluster.monitor_user();
    config.monitor.database = "postgres";
    config.monitor.period = period;
    config.monitor.connect_timeout = milliseconds(2000);
    config.monitor.query_timeout = milliseconds(2000);
    return config;
  }

  static void report(const std::shared_ptr<const ClusterState>& state) {
    std::cerr << describe(*state);
  }
};

class ReplicationMonitor2Standbys : public ReplicationMonitorFixture {
 protected:
  static void SetUpTestSuite() { cluster_ = make_cluster().release(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr); }

  /// Config ids: 0 = node1, 1 = node2, 2 = node0 (the standbys first).
  std::unique_ptr<MonitorHarness> start_monitor(milliseconds period = milliseconds(100)) {
    auto config = config_for(*cluster_, {1, 2, 0}, period);
    auto harness = std::make_unique<MonitorHarness>(config, cluster_->monitor_password());
    harness->start();
    return harness;
  }

  static testbed::LocalCluster* cluster_;
};

testbed::LocalCluster* ReplicationMonitor2Standbys::cluster_ = nullptr;

constexpr std::size_t kNode1 = 0;
constexpr std::size_t kNode2 = 1;
constexpr std::size_t kNode0 = 2;

bool all_up(const ClusterState& state) {
  for (const auto& node : state.nodes) {
    if (node.status != NodeStatus::kUp) return false;
  }
  return true;
}

bool caught_up(const NodeState& node) {
  return node.lag_bytes == 0u && node.lag_seconds == 0.0;
}

TEST_F(ReplicationMonitor2Standbys, DiscoversRolesWhenTheConfigListsStandbysFirst) {
  auto harness = start_monitor();
  auto state = harness->wait_for([](const ClusterState& s) {
    return all_up(s) && s.primary && caught_up(s.nodes[kNode1]) && caught_up(s.nodes[kNode2]) &&
           s.nodes[kNode1].replication_state == "streaming" &&
           s.nodes[kNode2].replication_state == "streaming";
  });
  ASSERT_TRUE(all_up(*state) && state->primary) << describe(*state);
  EXPECT_EQ(state->primary, kNode0) << describe(*state);
  EXPECT_EQ(state->nodes[kNode0].role, NodeRole::kPrimary);
  EXPECT_EQ(state->nodes[kNode1].role, NodeRole::kStandby);
  EXPECT_EQ(state->nodes[kNode2].role, NodeRole::kStandby);
  for (const auto& node : state->nodes) {
    EXPECT_TRUE(node.reachable) << node.name;
    EXPECT_FALSE(node.false_primary) << node.name;
    EXPECT_TRUE(node.wal_lsn) << node.name;
    EXPECT_TRUE(node.replay_lsn) << node.name;
    EXPECT_EQ(node.timeline, 1u) << node.name;
    EXPECT_TRUE(caught_up(node)) << describe(*state);
  }
  EXPECT_EQ(state->nodes[kNode1].replication_state, "streaming");
  EXPECT_EQ(state->nodes[kNode1].sync_state, "async");
  EXPECT_EQ(state->nodes[kNode2].replication_state, "streaming");
  EXPECT_EQ(state->nodes[kNode2].sync_state, "async");
  EXPECT_EQ(state->nodes[kNode0].replication_state, "") << "nobody streams the primary";
  EXPECT_LT(harness->stop(), milliseconds(2000)) << "stop is prompt";
}

/// Resumes replay on a standby whatever the test's outcome.
struct ReplayResumer {
  testbed::PostgresNode& standby;
  ~ReplayResumer() {
    auto resumed = standby.execute("SELECT pg_wal_replay_resume()");
    if (!resumed) std::cerr << "resume failed: " << resumed.error().message << "\n";
  }
};

TEST_F(ReplicationMonitor2Standbys, LagRisesWhileReplayIsPausedAndFallsAfterResume) {
  auto harness = start_monitor();
  auto& standby = cluster_->node(1);
  auto& primary = cluster_->primary();
  ASSERT_TRUE(standby.execute("SELECT pg_wal_replay_pause()"));
  ReplayResumer resumer{standby};
  ASSERT_TRUE(primary.execute(
      "CREATE TABLE IF NOT EXISTS monitor_lag (id int, padding text);"
      "INSERT INTO monitor_lag SELECT g, repeat('x', 100) FROM generate_series(1, 5000) AS g"));

  auto lagging = harness->wait_for([](const ClusterState& s) {
    const auto& paused = s.nodes[kNode1];
    return paused.lag_bytes.value_or(0) > 100'000 &&
           paused.wal_lsn.value_or(0) > paused.replay_lsn.value_or(0) && caught_up(s.nodes[kNode2]);
  });
  ASSERT_GT(lagging->nodes[kNode1].lag_bytes.value_or(0), 100'000u) << describe(*lagging);
  EXPECT_TRUE(caught_up(lagging->nodes[kNode2])) << "the other standby keeps replaying\n"
                                                 << describe(*lagging);
  EXPECT_EQ(lagging->nodes[kNode1].status, NodeStatus::kUp);
  EXPECT_EQ(lagging->nodes[kNode1].replication_state, "streaming") << "it still receives";
  EXPECT_GT(lagging->nodes[kNode1].wal_lsn.value_or(0),
            lagging->nodes[kNode1].replay_lsn.value_or(0))
      << "received but not replayed\n"
      << describe(*lagging);

  ASSERT_TRUE(standby.execute("SELECT pg_wal_replay_resume()"));
  auto resumed =
      harness->wait_for([](const ClusterState& s) { return caught_up(s.nodes[kNode1]); });
  EXPECT_TRUE(caught_up(resumed->nodes[kNode1])) << describe(*resumed);
}

TEST_F(ReplicationMonitor2Standbys, AStoppedStandbyIsDownAndComesBackUp) {
  auto harness = start_monitor();
  auto up = harness->wait_for(all_up);
  ASSERT_TRUE(all_up(*up)) << describe(*up);
  auto& standby = cluster_->node(2);
  ASSERT_TRUE(standby.stop(testbed::StopMode::kFast));

  auto down = harness->wait_for([](const ClusterState& s) {
    return s.nodes[kNode2].status == NodeStatus::kDown && s.nodes[kNode2].replication_state.empty();
  });
  const auto& lost = down->nodes[kNode2];
  ASSERT_EQ(lost.status, NodeStatus::kDown) << describe(*down);
  EXPECT_FALSE(lost.reachable);
  EXPECT_EQ(lost.role, NodeRole::kStandby) << "the last known role";
  EXPECT_EQ(lost.replication_state, "") << "the primary no longer lists it";
  EXPECT_GT(lost.last_status_change, up->nodes[kNode2].last_status_change);
  EXPECT_EQ(down->primary, kNode0);
  EXPECT_EQ(down->nodes[kNode1].status, NodeStatus::kUp);

  auto started = standby.start();
  ASSERT_TRUE(started) << started.error().message;
  auto back = harness->wait_for([](const ClusterState& s) {
    return s.nodes[kNode2].status == NodeStatus::kUp &&
           s.nodes[kNode2].replication_state == "streaming";
  });
  EXPECT_EQ(back->nodes[kNode2].status, NodeStatus::kUp) << describe(*back);
  EXPECT_TRUE(back->nodes[kNode2].reachable);
  EXPECT_EQ(back->nodes[kNode2].role, NodeRole::kStandby);
  EXPECT_EQ(back->nodes[kNode2].replication_state, "streaming") << describe(*back);
  EXPECT_GT(back->nodes[kNode2].last_status_change, lost.last_status_change);
}

TEST_F(ReplicationMonitor2Standbys, ProbeNowStartsARoundAtOnce) {
  auto harness = start_monitor(milliseconds(3'600'000));
  auto first = harness->wait_for([](const ClusterState& s) { return s.generation >= 1; });
  ASSERT_EQ(first->generation, 1u);
  const auto start = std::chrono::steady_clock::now();
  harness->monitor().probe_now();
  auto second = harness->wait_for([](const ClusterState& s) { return s.generation >= 2; });
  EXPECT_EQ(second->generation, 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LT(harness->stop(), milliseconds(2000)) << "stop does not wait for the period";
}

/// Hands each wanted name out once, as the proxy's function catalog does, and collects the
/// answers; both from the monitor's thread.
class VolatilityLog {
 public:
  explicit VolatilityLog(std::vector<std::string> wanted) : wanted_(std::move(wanted)) {}
  std::vector<std::string> take_pending() {
    std::lock_guard lock(mutex_);
    return std::exchange(wanted_, {});
  }
  void answer(std::string name, char volatility) {
    std::lock_guard lock(mutex_);
    answers_[std::move(name)] = volatility;
  }
  std::map<std::string, char> answers() {
    std::lock_guard lock(mutex_);
    return answers_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> wanted_;
  std::map<std::string, char> answers_;
};

TEST_F(ReplicationMonitor2Standbys, LooksUpFunctionVolatilityOnThePrimary) {
  ASSERT_TRUE(cluster_->primary().execute(
      "CREATE SCHEMA IF NOT EXISTS pgw_test;"
      "CREATE OR REPLACE FUNCTION pgw_test.next_ticket() RETURNS int LANGUAGE sql VOLATILE "
      "AS 'SELECT 1';"
      "CREATE OR REPLACE FUNCTION public.pgw_double(int) RETURNS int LANGUAGE sql IMMUTABLE "
      "AS 'SELECT $1 * 2';"
      "CREATE OR REPLACE FUNCTION public.pgw_mixed(int) RETURNS int LANGUAGE sql IMMUTABLE "
      "AS 'SELECT $1';"
      "CREATE OR REPLACE FUNCTION public.pgw_mixed(text) RETURNS text LANGUAGE sql VOLATILE "
      "AS 'SELECT $1';"));
  std::vector<std::string> names = {"pgw_test.next_ticket", "next_ticket", "pgw_double",
                                    "public.pgw_double",    "pgw_mixed",   "no_such_function",
                                    "public.next_ticket",   "o'brien",     "now",
                                    "pg_catalog.abs"};
  auto log = std::make_shared<VolatilityLog>(names);
  auto config = config_for(*cluster_, {1, 2, 0}, milliseconds(100));
  MonitorHarness harness(config, cluster_->monitor_password());
  harness.monitor().pending_function_lookups = [log] { return log->take_pending(); };
  harness.monitor().on_function_volatility = [log](std::string name, char volatility) {
    log->answer(std::move(name), volatility);
  };
  harness.start();

  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (log->answers().size() < names.size() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  harness.stop();
  EXPECT_EQ(log->answers(), (std::map<std::string, char>{{"pgw_test.next_ticket", 'v'},
                                                         {"next_ticket", 'v'},
                                                         {"pgw_double", 'i'},
                                                         {"public.pgw_double", 'i'},
                                                         {"pgw_mixed", 'v'},
                                                         {"no_such_function", 'm'},
                                                         {"public.next_ticket", 'm'},
                                                         {"o'brien", 'm'},
                                                         {"now", 's'},
                                                         {"pg_catalog.abs", 'i'}}));
}

/// Its own cluster: promoting a standby by hand cannot be undone.
class ReplicationMonitorFalsePrimary : public ReplicationMonitorFixture {};

TEST_F(ReplicationMonitorFalsePrimary, AStandbyPromotedByHandIsAFalsePrimary) {
  auto cluster = make_cluster();
  ASSERT_NE(cluster, nullptr);
  // Config ids: 0 = node2, 1 = node0, 2 = node1.
  auto config = config_for(*cluster, {2, 0, 1}, milliseconds(100));
  MonitorHarness harness(config, cluster->monitor_password());
  harness.start();
  auto up = harness.wait_for([](const ClusterState& s) { return all_up(s) && s.primary; });
  ASSERT_EQ(up->primary, 1u) << describe(*up);

  auto promoted = cluster->node(2).query_value("SELECT pg_promote()");
  ASSERT_TRUE(promoted) << promoted.error().message;
  ASSERT_EQ(*promoted, "t");

  auto state = harness.wait_for([](const ClusterState& s) { return s.nodes[0].false_primary; });
  ASSERT_TRUE(state->nodes[0].false_primary) << describe(*state);
  EXPECT_EQ(state->nodes[0].role, NodeRole::kPrimary);
  EXPECT_EQ(state->nodes[0].timeline, 2u) << "promotion starts a new timeline";
  EXPECT_FALSE(state->nodes[0].lag_bytes) << "a false primary gets no lag (and no traffic)";
  EXPECT_EQ(state->primary, 1u) << "the original primary stays\n" << describe(*state);
  EXPECT_FALSE(state->nodes[1].false_primary);
  EXPECT_EQ(state->nodes[1].role, NodeRole::kPrimary);
  EXPECT_EQ(state->nodes[2].role, NodeRole::kStandby);
  int primaries = 0;
  for (const auto& node : state->nodes)
    primaries += node.role == NodeRole::kPrimary && !node.false_primary;
  EXPECT_EQ(primaries, 1);

  // It stays that way, round after round.
  const auto later_generation = state->generation + 5;
  auto later = harness.wait_for(
      [later_generation](const ClusterState& s) { return s.generation >= later_generation; });
  EXPECT_EQ(later->primary, 1u) << describe(*later);
  EXPECT_TRUE(later->nodes[0].false_primary) << describe(*later);
  harness.stop();
}

}  // namespace
}  // namespace pgw::cluster
