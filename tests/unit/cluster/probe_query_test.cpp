#include "cluster/probe_query.hpp"

#include <gtest/gtest.h>

namespace pgw::cluster {
namespace {

using pgclient::QueryResult;
using pgclient::Row;

QueryResult answer(std::vector<Row> rows) {
  QueryResult result;
  result.columns = {"?column?", "r", "text", "pg_last_wal_replay_lsn", "text"};
  result.rows = std::move(rows);
  result.command_tag = "SELECT " + std::to_string(result.rows.size());
  return result;
}

TEST(ProbeQuery, ReadsAPrimaryWithItsWalsenders) {
  auto observation =
      parse_probe_result(answer({{"node", "false", "0/3000148", std::nullopt, "2"},
                                 {"walsender", "node1", "streaming", "async", "0.001234"},
                                 {"walsender", "node2", "catchup", "sync", std::nullopt}}));
  ASSERT_TRUE(observation) << observation.error().message;
  EXPECT_TRUE(observation->reachable);
  EXPECT_FALSE(observation->in_recovery);
  EXPECT_EQ(observation->wal_lsn, 0x3000148u);
  EXPECT_FALSE(observation->replay_lsn);
  EXPECT_EQ(observation->timeline, 2u);
  ASSERT_EQ(observation->replication.size(), 2u);
  EXPECT_EQ(observation->replication[0].application_name, "node1");
  EXPECT_EQ(observation->replication[0].state, "streaming");
  EXPECT_EQ(observation->replication[0].sync_state, "async");
  EXPECT_DOUBLE_EQ(observation->replication[0].replay_lag_seconds.value_or(-1), 0.001234);
  EXPECT_EQ(observation->replication[1].sync_state, "sync");
  EXPECT_FALSE(observation->replication[1].replay_lag_seconds);
}

TEST(ProbeQuery, ReadsAStandby) {
  auto observation =
      parse_probe_result(answer({{"node", "true", "16/B374D848", "16/B3000000", "1"}}));
  ASSERT_TRUE(observation) << observation.error().message;
  EXPECT_TRUE(observation->in_recovery);
  EXPECT_EQ(observation->wal_lsn, 0x16'B374D848u);
  EXPECT_EQ(observation->replay_lsn, 0x16'B3000000u);
  EXPECT_TRUE(observation->replication.empty());
}

TEST(ProbeQuery, AStandbyWithoutWalReceiverHasNoReceivePosition) {
  auto observation =
      parse_probe_result(answer({{"node", "t", std::nullopt, "0/5000000", std::nullopt}}));
  ASSERT_TRUE(observation) << observation.error().message;
  EXPECT_FALSE(observation->wal_lsn);
  EXPECT_EQ(observation->replay_lsn, 0x5000000u);
  EXPECT_FALSE(observation->timeline);
}

TEST(ProbeQuery, RefusesAnswersOfAnotherShape) {
  EXPECT_FALSE(parse_probe_result(answer({}))) << "no node row";
  EXPECT_FALSE(parse_probe_result(answer({{"walsender", "a", "b", "c", "1"}})));
  EXPECT_FALSE(parse_probe_result(answer({{"node", "yes", "0/0", "0/0", "1"}})));
  EXPECT_FALSE(parse_probe_result(answer({{"node", std::nullopt, "0/0", "0/0", "1"}})));
  EXPECT_FALSE(parse_probe_result(answer({{"node", "t", "zz", "0/0", "1"}})));
  EXPECT_FALSE(parse_probe_result(answer({{"node", "t", "0/0", "0/0", "-1"}})));
  EXPECT_FALSE(parse_probe_result(
      answer({{"node", "t", "0/0", "0/0", "1"}, {"node", "t", "0/0", "0/0", "1"}})))
      << "two node rows";
  EXPECT_FALSE(parse_probe_result(answer({{"other", "t", "0/0", "0/0", "1"}})));
  EXPECT_FALSE(parse_probe_result(answer({{"node", "t", "0/0"}}))) << "short row";
  auto wrong_columns = answer({{"node", "t", "0/0", "0/0", "1"}});
  wrong_columns.columns.pop_back();
  EXPECT_FALSE(parse_probe_result(wrong_columns));
}

TEST(ProbeQuery, AnUnreadableLagIsUnknown) {
  auto observation = parse_probe_result(
      answer({{"node", "f", "0/10", std::nullopt, "1"}, {"walsender", "n", "s", "async", "abc"}}));
  ASSERT_TRUE(observation) << observation.error().message;
  EXPECT_FALSE(observation->replication[0].replay_lag_seconds);
}

}  // namespace
}  // namespace pgw::cluster
