#include "proxy/session_log.hpp"

#include <gtest/gtest.h>

namespace pgw::proxy {
namespace {

using Entries = std::vector<std::string>;

TEST(SessionLog, AnEmptyLogIsUpToDateEverywhere) {
  SessionLog log;
  EXPECT_EQ(log.size(), 0u);
  EXPECT_FALSE(log.full());
  for (std::size_t node : {0u, 1u, 127u}) {
    EXPECT_TRUE(log.up_to_date(node));
    EXPECT_EQ(log.pending_for(node), "");
    EXPECT_TRUE(log.pending_entries(node).empty());
  }
}

TEST(SessionLog, OtherNodesOweWhatRanOnOne) {
  SessionLog log;
  log.append("SET work_mem = '8MB'", 0);
  EXPECT_TRUE(log.up_to_date(0));
  EXPECT_FALSE(log.up_to_date(1));
  EXPECT_FALSE(log.up_to_date(5)) << "a node never seen owes everything";
  EXPECT_EQ(log.pending_entries(1), Entries{"SET work_mem = '8MB'"});
  EXPECT_TRUE(log.pending_entries(0).empty());

  log.append("RESET search_path", 1);  // node 1 had applied the first entry before this one
  EXPECT_TRUE(log.up_to_date(1));
  EXPECT_FALSE(log.up_to_date(0));
  EXPECT_EQ(log.pending_entries(0), Entries{"RESET search_path"});
  EXPECT_EQ(log.pending_entries(2), (Entries{"SET work_mem = '8MB'", "RESET search_path"}));
  EXPECT_EQ(log.pending_for(2), "SET work_mem = '8MB';RESET search_path;");
  EXPECT_EQ(log.size(), 2u);
}

TEST(SessionLog, TrailingSemicolonsAndWhitespaceAreTrimmed) {
  SessionLog log;
  log.append("SET a = 1;  \n", 0);
  log.append("DISCARD ALL ; ;", 0);
  EXPECT_EQ(log.pending_entries(1), (Entries{"SET a = 1", "DISCARD ALL"}));
}

TEST(SessionLog, MarkAppliedAndResetNode) {
  SessionLog log;
  log.append("SET a = 1", 0);
  log.append("SET b = 2", 0);
  log.mark_applied(3);
  EXPECT_TRUE(log.up_to_date(3));
  EXPECT_TRUE(log.pending_entries(3).empty());
  log.reset_node(0);
  EXPECT_FALSE(log.up_to_date(0)) << "a new connection starts from the server's defaults";
  EXPECT_EQ(log.pending_entries(0), (Entries{"SET a = 1", "SET b = 2"}));
  log.append("SET c = 3", 3);
  EXPECT_EQ(log.pending_entries(0), (Entries{"SET a = 1", "SET b = 2", "SET c = 3"}));
  EXPECT_TRUE(log.up_to_date(3));
}

TEST(SessionLog, FullAtTheEntryLimit) {
  SessionLog log;
  for (std::size_t i = 0; i + 1 < SessionLog::kMaxEntries; ++i) {
    log.append("SET a = 1", 0);
  }
  EXPECT_FALSE(log.full());
  log.append("SET a = 2", 0);
  EXPECT_TRUE(log.full());
  EXPECT_EQ(log.size(), SessionLog::kMaxEntries);
}

}  // namespace
}  // namespace pgw::proxy
