#include "admin/table_json.hpp"

#include <gtest/gtest.h>

#include "admin/pool_nodes.hpp"
#include "cluster_fixture.hpp"

namespace pgw::admin {
namespace {

using nlohmann::json;

class TableJsonTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::use_utc(); }
  Table nodes(bool delay_in_seconds) {
    PoolNodesOptions options;
    options.delay_in_seconds = delay_in_seconds;
    options.session_read_node = 1;
    auto state = testing::two_nodes();
    state.nodes.push_back(testing::make_node(2, "pg03", 5434, 0));  // waiting, no lag known
    return pool_nodes_table(state, counters_, options);
  }
  cluster::NodeCounters counters_{3};
};

TEST_F(TableJsonTest, PoolNodesTypes) {
  counters_.count_select(1);
  const json rows = to_json(nodes(false));
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.size(), 3u);
  const json& standby = rows[1];
  EXPECT_EQ(standby.size(), pool_nodes_columns().size());
  EXPECT_TRUE(standby["node_id"].is_number_unsigned());
  EXPECT_EQ(standby["node_id"], 1);
  EXPECT_EQ(standby["hostname"], "pg02");
  EXPECT_EQ(standby["port"], 5433);
  EXPECT_TRUE(standby["port"].is_number_integer());
  EXPECT_EQ(standby["status"], "up");
  EXPECT_EQ(standby["pg_status"], "up");
  EXPECT_TRUE(standby["lb_weight"].is_number_float());
  EXPECT_DOUBLE_EQ(standby["lb_weight"].get<double>(), 0.75);
  EXPECT_EQ(standby["role"], "standby");
  EXPECT_EQ(standby["pg_role"], "standby");
  EXPECT_EQ(standby["select_cnt"], 1);
  EXPECT_EQ(standby["load_balance_node"], true);
  EXPECT_TRUE(standby["load_balance_node"].is_boolean());
  EXPECT_EQ(standby["replication_delay"], 1234);
  EXPECT_TRUE(standby["replication_delay"].is_number_integer());
  EXPECT_EQ(standby["replication_state"], "streaming");
  EXPECT_EQ(standby["replication_sync_state"], "async");
  EXPECT_EQ(standby["last_status_change"], "2024-03-05 14:07:09");
  EXPECT_EQ(rows[0]["load_balance_node"], false);
  EXPECT_EQ(rows[0]["replication_delay"], 0);
  EXPECT_EQ(rows[0]["replication_state"], "");
  EXPECT_TRUE(rows[2]["replication_delay"].is_null());
  EXPECT_DOUBLE_EQ(rows[2]["lb_weight"].get<double>(), 0.0);
}

TEST_F(TableJsonTest, DelayInSecondsIsAFloat) {
  const json rows = to_json(nodes(true));
  EXPECT_TRUE(rows[1]["replication_delay"].is_number_float());
  EXPECT_DOUBLE_EQ(rows[1]["replication_delay"].get<double>(), 0.5);
  EXPECT_EQ(rows[0]["replication_delay"], 0);
  EXPECT_TRUE(rows[2]["replication_delay"].is_null());
}

TEST_F(TableJsonTest, RoundTripsThroughText) {
  for (const bool seconds : {false, true}) {
    const Table table = nodes(seconds);
    const json parsed = json::parse(to_json(table).dump());
    const auto back = table_from_json(parsed, pool_nodes_columns());
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->columns, table.columns);
    EXPECT_EQ(back->rows, table.rows) << "delay in seconds: " << seconds;
  }
}

TEST_F(TableJsonTest, CellsThatDoNotParseStayStrings) {
  Table table;
  table.columns = {"port", "lb_weight", "load_balance_node", "replication_delay", "other"};
  table.rows = {{"x", "", "maybe", "1 minute", "42"}};
  EXPECT_EQ(to_json(table),
            json::parse(R"([{"port": "x", "lb_weight": "", "load_balance_node": "maybe",
                             "replication_delay": "1 minute", "other": "42"}])"));
}

TEST(TableFromJsonTest, ColumnsFromTheFirstObjectAndMissingKeys) {
  const json rows = json::parse(R"([{"a": 1, "b": "x"}, {"a": 2.5, "c": [1]}])");
  const auto table = table_from_json(rows, {});
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0], (std::vector<std::optional<std::string>>{"1", "x"}));
  EXPECT_EQ(table->rows[1], (std::vector<std::optional<std::string>>{"2.500000", std::nullopt}));
}

TEST(TableFromJsonTest, Errors) {
  EXPECT_FALSE(table_from_json(json::object(), {}).has_value());
  EXPECT_FALSE(table_from_json(json::parse("[1]"), {"a"}).has_value());
  const auto empty = table_from_json(json::array(), {"a"});
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->rows.empty());
}

}  // namespace
}  // namespace pgw::admin
