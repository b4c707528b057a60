#include "agent/controldata.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace pgw::agent {
namespace {

std::string sample() {
  std::ifstream in(std::string(PGW_TEST_DATA_DIR) + "/agent/pg_controldata_primary.txt");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replace_line(std::string text, const std::string& label, const std::string& line) {
  const auto start = text.find(label);
  const auto end = text.find('\n', start);
  return text.replace(start, end - start, line);
}

TEST(ControlData, ParsesRealOutput) {
  const std::string text = sample();
  ASSERT_FALSE(text.empty());
  auto data = parse_controldata(text);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->system_identifier, "7713181389679686798");
  EXPECT_EQ(data->cluster_state, "shut down");
  EXPECT_EQ(data->timeline, 1u);
  EXPECT_EQ(data->checkpoint_lsn, "0/1500718");
  EXPECT_EQ(data->redo_lsn, "0/1500718");
  EXPECT_EQ(data->min_recovery_lsn, "0/0");
  EXPECT_FALSE(data->data_checksums);
  EXPECT_FALSE(data->wal_log_hints);
  // A label with no space after its colon, and a value holding colons.
  EXPECT_EQ(data->fields.at("Latest checkpoint's oldestCommitTsXid"), "0");
  EXPECT_EQ(data->fields.at("pg_control last modified"), "Sat Nov 28 11:23:08 2026");
  EXPECT_TRUE(state_is_primary(data->cluster_state));
}

TEST(ControlData, StandbyOnLaterTimeline) {
  std::string text = replace_line(sample(), "Database cluster state:",
                                  "Database cluster state:               in archive recovery");
  text = replace_line(
      text, "Latest checkpoint's TimeLineID:", "Latest checkpoint's TimeLineID:       12");
  text =
      replace_line(text, "Data page checksum version:", "Data page checksum version:           1");
  text = replace_line(text, "wal_log_hints setting:", "wal_log_hints setting:                on");
  auto data = parse_controldata(text);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->cluster_state, "in archive recovery");
  EXPECT_FALSE(state_is_primary(data->cluster_state));
  EXPECT_EQ(data->timeline, 12u);
  EXPECT_TRUE(data->data_checksums);
  EXPECT_TRUE(data->wal_log_hints);
}

TEST(ControlData, RefusesWhatIsNotItsOutput) {
  EXPECT_FALSE(parse_controldata(""));
  EXPECT_FALSE(parse_controldata("pg_controldata: fatal: could not open file"));
  auto no_state = parse_controldata(
      replace_line(sample(), "Database cluster state:", "Database cluster state:"));
  ASSERT_FALSE(no_state);
  EXPECT_NE(no_state.error().message.find("Database cluster state"), std::string::npos);
  auto bad_timeline = parse_controldata(replace_line(
      sample(), "Latest checkpoint's TimeLineID:", "Latest checkpoint's TimeLineID: 1x"));
  ASSERT_FALSE(bad_timeline);
  EXPECT_NE(bad_timeline.error().message.find("TimeLineID"), std::string::npos);
  auto bad_lsn = parse_controldata(
      replace_line(sample(), "Latest checkpoint location:", "Latest checkpoint location: 0/"));
  ASSERT_FALSE(bad_lsn);
  EXPECT_NE(bad_lsn.error().message.find("not an LSN"), std::string::npos);
}

TEST(ControlData, StatesOfAPrimaryAndAStandby) {
  EXPECT_TRUE(state_is_primary("in production"));
  EXPECT_TRUE(state_is_primary("shut down"));
  EXPECT_FALSE(state_is_primary("shut down in recovery"));
  EXPECT_FALSE(state_is_primary("in archive recovery"));
  EXPECT_FALSE(state_is_primary("in crash recovery"));
}

}  // namespace
}  // namespace pgw::agent
