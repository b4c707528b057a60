#include "admin/pool_nodes.hpp"

#include <gtest/gtest.h>

#include "cluster_fixture.hpp"

namespace pgw::admin {
namespace {

using testing::two_nodes;
using Row = std::vector<std::optional<std::string>>;

class PoolNodesTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::use_utc(); }

  Table table(const cluster::ClusterState& state, PoolNodesOptions options = {}) {
    return pool_nodes_table(state, counters_, options);
  }
  /// The cell of `column` in row `row`.
  static std::optional<std::string> cell(const Table& table, std::size_t row,
                                         const std::string& column) {
    const auto& columns = table.columns;
    const auto at = std::find(columns.begin(), columns.end(), column) - columns.begin();
    return table.rows.at(row).at(static_cast<std::size_t>(at));
  }

  cluster::NodeCounters counters_{2};
};

TEST_F(PoolNodesTest, ColumnsArePgpool43s) {
  EXPECT_EQ(pool_nodes_columns(),
            (std::vector<std::string>{"node_id", "hostname", "port", "status", "pg_status",
                                      "lb_weight", "role", "pg_role", "select_cnt",
                                      "load_balance_node", "replication_delay", "replication_state",
                                      "replication_sync_state", "last_status_change"}));
}

TEST_F(PoolNodesTest, HealthyPrimaryAndStandbyEveryColumn) {
  counters_.count_select(0);
  for (int i = 0; i < 5; ++i)
    counters_.count_select(1);
  PoolNodesOptions options;
  options.session_read_node = 1;
  const Table result = table(two_nodes(), options);
  EXPECT_EQ(result.columns, pool_nodes_columns());
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0], (Row{"0", "pg01", "5432", "up", "up", "0.250000", "primary", "primary",
                                 "1", "false", "0", "", "", "2024-03-05 14:07:09"}));
  EXPECT_EQ(result.rows[1],
            (Row{"1", "pg02", "5433", "up", "up", "0.750000", "standby", "standby", "5", "true",
                 "1234", "streaming", "async", "2024-03-05 14:07:09"}));
}

TEST_F(PoolNodesTest, NoSessionMeansNoLoadBalanceNode) {
  const Table result = table(two_nodes());
  EXPECT_EQ(cell(result, 0, "load_balance_node"), "false");
  EXPECT_EQ(cell(result, 1, "load_balance_node"), "false");
}

TEST_F(PoolNodesTest, LbWeightIsTheShareOfTheTotalWithSixDecimals) {
  auto state = two_nodes();
  state.nodes.push_back(testing::make_node(2, "pg03", 5434, 3));
  state.nodes[0].weight = 1;
  state.nodes[1].weight = 1;
  state.nodes[2].weight = 1;
  Table result = table(state);
  for (std::size_t row = 0; row < 3; ++row)
    EXPECT_EQ(cell(result, row, "lb_weight"), "0.333333");
  state.nodes[0].weight = 0;
  state.nodes[1].weight = 1;
  state.nodes[2].weight = 0;
  result = table(state);
  EXPECT_EQ(cell(result, 0, "lb_weight"), "0.000000");
  EXPECT_EQ(cell(result, 1, "lb_weight"), "1.000000");
  for (auto& node : state.nodes)
    node.weight = 0;
  EXPECT_EQ(cell(table(state), 1, "lb_weight"), "0.000000");
}

TEST_F(PoolNodesTest, DelayInSecondsUsesPgpoolsWording) {
  auto state = two_nodes();
  PoolNodesOptions options;
  options.delay_in_seconds = true;
  EXPECT_EQ(cell(table(state, options), 0, "replication_delay"), "0");
  EXPECT_EQ(cell(table(state, options), 1, "replication_delay"), "0.500000 second");
  state.nodes[1].lag_seconds = 2.0;
  EXPECT_EQ(cell(table(state, options), 1, "replication_delay"), "2.000000 seconds");
  state.nodes[1].lag_seconds = 0.0;
  EXPECT_EQ(cell(table(state, options), 1, "replication_delay"), "0.000000 second");
  EXPECT_EQ(format_delay_seconds(1.999999), "1.999999 second");
  EXPECT_EQ(format_delay_seconds(12.25), "12.250000 seconds");
}

TEST_F(PoolNodesTest, UnknownDelayIsNull) {
  auto state = two_nodes();
  state.nodes[1].lag_bytes.reset();
  state.nodes[1].lag_seconds.reset();
  EXPECT_EQ(cell(table(state), 1, "replication_delay"), std::nullopt);
  PoolNodesOptions options;
  options.delay_in_seconds = true;
  EXPECT_EQ(cell(table(state, options), 1, "replication_delay"), std::nullopt);
  // The primary's delay is always 0, even when it was not read this round.
  state.nodes[0].lag_bytes.reset();
  EXPECT_EQ(cell(table(state), 0, "replication_delay"), "0");
}

TEST_F(PoolNodesTest, FalsePrimaryShowsTheAssignedRoleAndTheReportedOne) {
  auto state = two_nodes();
  auto rogue = testing::make_node(2, "pg03", 5434, 1);
  rogue.status = cluster::NodeStatus::kUp;
  rogue.reachable = true;
  rogue.role = cluster::NodeRole::kPrimary;
  rogue.false_primary = true;
  state.nodes.push_back(rogue);
  counters_ = cluster::NodeCounters(3);
  const Table result = table(state);
  EXPECT_EQ(cell(result, 2, "role"), "standby");
  EXPECT_EQ(cell(result, 2, "pg_role"), "primary");
  EXPECT_EQ(cell(result, 2, "replication_delay"), std::nullopt);
  EXPECT_EQ(cell(result, 2, "replication_state"), "");
  EXPECT_EQ(cell(result, 0, "role"), "primary");
}

TEST_F(PoolNodesTest, UnreachableStandby) {
  auto state = two_nodes();
  auto& standby = state.nodes[1];
  standby.status = cluster::NodeStatus::kDown;
  standby.reachable = false;
  standby.lag_bytes.reset();
  standby.replication_state.clear();
  standby.sync_state.clear();
  const Table result = table(state);
  EXPECT_EQ(result.rows[1],
            (Row{"1", "pg02", "5433", "down", "down", "0.750000", "standby", "unknown", "0",
                 "false", std::nullopt, "", "", "2024-03-05 14:07:09"}));
}

TEST_F(PoolNodesTest, LostPrimaryKeepsItsAssignedRole) {
  auto state = two_nodes();
  state.nodes[0].status = cluster::NodeStatus::kDown;
  state.nodes[0].reachable = false;
  const Table result = table(state);
  EXPECT_EQ(cell(result, 0, "status"), "down");
  EXPECT_EQ(cell(result, 0, "pg_status"), "down");
  EXPECT_EQ(cell(result, 0, "role"), "primary");
  EXPECT_EQ(cell(result, 0, "pg_role"), "unknown");
  EXPECT_EQ(cell(result, 0, "replication_delay"), "0");
}

TEST_F(PoolNodesTest, NodesNotProbedYetAndUnusedNodes) {
  auto state = two_nodes();
  state.nodes[0].status = cluster::NodeStatus::kWaiting;
  state.nodes[0].reachable = false;
  state.nodes[0].role = cluster::NodeRole::kUnknown;
  state.primary.reset();
  state.nodes[1].status = cluster::NodeStatus::kUnused;
  const Table result = table(state);
  EXPECT_EQ(cell(result, 0, "status"), "waiting");
  EXPECT_EQ(cell(result, 0, "pg_status"), "unknown");
  EXPECT_EQ(cell(result, 0, "role"), "standby");
  EXPECT_EQ(cell(result, 0, "pg_role"), "unknown");
  EXPECT_EQ(cell(result, 1, "status"), "unused");
  EXPECT_EQ(cell(result, 1, "pg_status"), "up");
  EXPECT_EQ(cell(result, 1, "pg_role"), "standby");
}

TEST_F(PoolNodesTest, LastStatusChangeIsLocalTime) {
  ::setenv("TZ", "JST-9", 1);
  ::tzset();
  EXPECT_EQ(cell(table(two_nodes()), 0, "last_status_change"), "2024-03-05 23:07:09");
  testing::use_utc();
}

TEST_F(PoolNodesTest, CountersThatDoNotCoverANodeReadZero) {
  counters_ = cluster::NodeCounters(1);
  counters_.count_select(0);
  const Table result = table(two_nodes());
  EXPECT_EQ(cell(result, 0, "select_cnt"), "1");
  EXPECT_EQ(cell(result, 1, "select_cnt"), "0");
}

TEST(PoolVersionTest, OneColumnOneRow) {
  const Table result = pool_version_table("0.1.0");
  EXPECT_EQ(result.columns, std::vector<std::string>{"pool_version"});
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0], Row{"0.1.0"});
}

}  // namespace
}  // namespace pgw::admin
