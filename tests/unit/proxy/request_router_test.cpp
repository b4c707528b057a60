// RequestRouter for simple-protocol Query messages, local answers, fast-path calls and the
// bookkeeping of forwarded(). The extended protocol is in request_router_extended_test.cpp.

#include "proxy/request_router.hpp"

#include <gtest/gtest.h>

#include "request_router_fixture.hpp"

namespace pgw::proxy {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixture's builders
using Kind = RouteAction::Kind;

TEST(LocalQueryOf, RecognisesShowPoolNodesAndPoolVersionOnly) {
  struct Case {
    const char* sql;
    LocalQuery expected;
  };
  const Case cases[] = {
      {"SHOW POOL_NODES", LocalQuery::kPoolNodes},
      {"show pool_nodes", LocalQuery::kPoolNodes},
      {"Show Pool_Nodes;", LocalQuery::kPoolNodes},
      {"  \n\tSHOW   pool_nodes ;; \n", LocalQuery::kPoolNodes},
      {"SHOW\tpool_nodes", LocalQuery::kPoolNodes},
      {"SHOW POOL_VERSION", LocalQuery::kPoolVersion},
      {"show pool_version;", LocalQuery::kPoolVersion},
      {"SHOW pool_nodesx", LocalQuery::kNone},
      {"SHOW pool_node", LocalQuery::kNone},
      {"SHOW pool nodes", LocalQuery::kNone},
      {"SHOWpool_nodes", LocalQuery::kNone},
      {"SHOW", LocalQuery::kNone},
      {"SHOW work_mem", LocalQuery::kNone},
      {"SELECT 'SHOW pool_nodes'", LocalQuery::kNone},
      {"SHOW pool_nodes; SELECT 1", LocalQuery::kNone},
      {"/* c */ SHOW pool_nodes", LocalQuery::kNone},
      {"", LocalQuery::kNone},
      {";", LocalQuery::kNone},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(local_query_of(c.sql), c.expected) << '"' << c.sql << '"';
  }
}

using QueryRouting = RequestRouterTest;

TEST_F(QueryRouting, ReadsAreBalancedAndCountedAsSelects) {
  const std::pair<std::uint64_t, std::size_t> draws[] = {
      {kToPrimary, 0}, {kToNode1, 1}, {kToNode2, 2}};
  for (const auto& [random, node] : draws) {
    for (const char* sql : {"SELECT 1", "SELECT inet_server_port()", "SELECT now()"}) {
      auto action = decide(query(sql), active(0), random);
      EXPECT_TRUE(forwards_to(action, node)) << sql;
      EXPECT_TRUE(action.counts_as_select) << sql;
    }
  }
}

TEST_F(QueryRouting, WritesGoToThePrimaryAndAreNotSelects) {
  for (const char* sql : {"INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "DELETE FROM t",
                          "SELECT random()", "SELECT nextval('s')", "CREATE TABLE t (a int)",
                          "SELECT 1; SELECT 2", "BEGIN", "SELEC 1"}) {
    auto action = decide(query(sql), active(2), kToNode2);
    EXPECT_TRUE(forwards_to(action, 0)) << sql;
    EXPECT_FALSE(action.counts_as_select) << sql;
  }
}

TEST_F(QueryRouting, HintsAndPatternsGoToThePrimaryButCountAsSelects) {
  for (const char* sql : {"/*NO LOAD BALANCE*/ SELECT 1", "SELECT 'to_the_primary'"}) {
    auto action = decide(query(sql), active(1), kToNode1);
    EXPECT_TRUE(forwards_to(action, 0)) << sql;
    EXPECT_TRUE(action.counts_as_select) << sql;
  }
}

TEST_F(QueryRouting, ReadOnlyTransactionsOpenOnAStandby) {
  EXPECT_TRUE(forwards_to(decide(query("BEGIN READ ONLY"), active(0), kToNode2), 2));
  EXPECT_TRUE(forwards_to(decide(query("START TRANSACTION READ ONLY"), active(0), kToNode1), 1));
  EXPECT_TRUE(forwards_to(decide(query("BEGIN READ WRITE"), active(2), kToNode2), 0));
}

TEST_F(QueryRouting, InsideATransactionEverythingStaysOnTheActiveNode) {
  for (std::size_t node : {0u, 1u, 2u}) {
    for (const char* sql :
         {"SELECT 1", "INSERT INTO t VALUES (1)", "CREATE TEMP TABLE x (a int)", "COMMIT"}) {
      auto action = decide(query(sql), active(node, true), kToPrimary);
      EXPECT_TRUE(forwards_to(action, node)) << sql << " on " << node;
    }
  }
}

TEST_F(QueryRouting, NoPrimaryForAWriteIsNoServer) {
  state_.nodes[0].status = cluster::NodeStatus::kDown;
  auto action = decide(query("INSERT INTO t VALUES (1)"), active(1));
  EXPECT_EQ(action.kind, Kind::kNoServer);
  EXPECT_STREQ(action.reason, "no primary is available");
  EXPECT_TRUE(forwards_to(decide(query("SELECT 1"), active(1), kToNode2), 2));
  EXPECT_EQ(decide(query("CREATE TEMP TABLE x (a int)"), active(1)).kind, Kind::kNoServer);
}

TEST_F(QueryRouting, SessionSettingsGoToTheActiveNodeAndAreLogged) {
  for (const char* sql : {"SET work_mem = '8MB'", "SET SESSION search_path = a", "RESET work_mem",
                          "RESET ALL", "DISCARD ALL", "DEALLOCATE ALL"}) {
    EXPECT_TRUE(forwards_to(decide(query(sql), active(2), kToNode1), 2)) << sql;
    EXPECT_TRUE(forwards_to(decide(query(sql), RelayView{}, kToNode1), 0))
        << sql << ": no active node, the primary";
  }
  forwarded(query("SET work_mem = '8MB';"), 2);
  forwarded(query("RESET search_path"), 2);
  EXPECT_EQ(log_.size(), 2u);
  EXPECT_TRUE(log_.up_to_date(2));
  EXPECT_FALSE(log_.up_to_date(0));
  EXPECT_EQ(log_.pending_entries(1),
            (std::vector<std::string>{"SET work_mem = '8MB'", "RESET search_path"}));
  EXPECT_FALSE(session_.pinned_to_primary);
  EXPECT_FALSE(router_.wrote());
}

TEST_F(QueryRouting, SetLocalIsNotASessionSetting) {
  auto action = decide(query("SET LOCAL work_mem = '8MB'"), active(2), kToNode2);
  EXPECT_TRUE(forwards_to(action, 0)) << "routed like any statement that is not a read";
  forwarded(query("SET LOCAL work_mem = '8MB'"), 0);
  EXPECT_EQ(log_.size(), 0u);
}

TEST_F(QueryRouting, DiscardAllForgetsThePreparedStatements) {
  forwarded(parse("s1", "SELECT 1"), 1);
  forwarded(sync(), 1);
  ASSERT_NE(statements_.find("s1"), nullptr);
  forwarded(query("DISCARD ALL"), 1);
  EXPECT_EQ(statements_.size(), 0u);
  EXPECT_EQ(log_.pending_entries(0), std::vector<std::string>{"DISCARD ALL"});
}

TEST_F(QueryRouting, StatementsLivingInOneServerSessionPinItToThePrimary) {
  for (const char* sql : {"CREATE TEMP TABLE x (a int)", "LISTEN channel", "PREPARE p AS SELECT 1",
                          "DECLARE c CURSOR WITH HOLD FOR SELECT 1"}) {
    session_ = {};
    auto action = decide(query(sql), active(2), kToNode2);
    EXPECT_TRUE(forwards_to(action, 0)) << sql;
    EXPECT_FALSE(session_.pinned_to_primary) << sql << ": not before it was sent";
    forwarded(query(sql), 0);
    EXPECT_TRUE(session_.pinned_to_primary) << sql;
    EXPECT_TRUE(forwards_to(decide(query("SELECT 1"), active(0), kToNode2), 0)) << sql;
    EXPECT_TRUE(forwards_to(decide(parse("", "SELECT 1"), active(0), kToNode2), 0)) << sql;
    forwarded(parse("", "SELECT 1"), 0);
    forwarded(sync(), 0);
  }
}

TEST_F(QueryRouting, AFullSessionLogPinsTheSession) {
  for (std::size_t i = 0; i + 1 < SessionLog::kMaxEntries; ++i) {
    forwarded(query("SET work_mem = '8MB'"), 1);
  }
  EXPECT_FALSE(session_.pinned_to_primary);
  forwarded(query("SET work_mem = '8MB'"), 1);
  EXPECT_TRUE(session_.pinned_to_primary);
  EXPECT_TRUE(forwards_to(decide(query("SELECT 1"), active(1), kToNode2), 0));
}

TEST_F(QueryRouting, PoolCommandsAreAnsweredLocallyEvenInATransaction) {
  for (const auto& view : {RelayView{}, active(1), active(1, true)}) {
    auto nodes = decide(query("SHOW POOL_NODES"), view);
    EXPECT_EQ(nodes.kind, Kind::kAnswerLocally);
    EXPECT_EQ(nodes.local, LocalQuery::kPoolNodes);
    auto version = decide(query("show pool_version;"), view);
    EXPECT_EQ(version.kind, Kind::kAnswerLocally);
    EXPECT_EQ(version.local, LocalQuery::kPoolVersion);
  }
  // A SHOW of a real setting is an ordinary read.
  auto show = decide(query("SHOW work_mem"), active(0), kToNode2);
  EXPECT_TRUE(forwards_to(show, 2));
  EXPECT_TRUE(show.counts_as_select);
}

TEST_F(QueryRouting, AQueryOnlyPartlyReceivedIsAWrite) {
  auto message = query("SELECT 1");
  auto body = protocol::ByteView(message).subspan(5, 4);  // "SELE"
  auto action = router_.decide('Q', body, static_cast<std::uint32_t>(message.size() - 5), active(2),
                               state_, kToNode2);
  EXPECT_TRUE(forwards_to(action, 0));
}

TEST_F(QueryRouting, TerminateAndOtherMessages) {
  EXPECT_EQ(decide(wire(protocol::Terminate{}), active(1)).kind, Kind::kTerminate);
  // COPY data goes where the session is.
  auto copy = wire(protocol::CopyData{protocol::as_bytes("1\n")});
  EXPECT_TRUE(forwards_to(decide(copy, active(2)), 2));
  EXPECT_TRUE(forwards_to(decide(copy, RelayView{}), 0));
}

TEST_F(QueryRouting, FunctionCallsGoToThePrimaryAndCountAsWrites) {
  auto call = wire(protocol::FunctionCall{1598, {}, {}, 0});
  EXPECT_TRUE(forwards_to(decide(call, active(2), kToNode2), 0));
  EXPECT_TRUE(forwards_to(decide(call, active(2, true), kToNode2), 2)) << "in a transaction";
  // Inside an open unit of reads, the unit goes with it to the primary.
  ASSERT_TRUE(holds(decide(parse("", "SELECT 1"), active(1), kToNode1)));
  EXPECT_TRUE(forwards_to(decide(call, active(1), kToNode1), 0));
  EXPECT_FALSE(router_.wrote());
  forwarded(call, 0);
  EXPECT_TRUE(router_.wrote());
}

TEST_F(QueryRouting, WroteIsSetByWritesOnly) {
  struct Case {
    const char* sql;
    bool writes;
  };
  const Case cases[] = {
      {"INSERT INTO t VALUES (1)", true},
      {"UPDATE t SET a = 1", true},
      {"SELECT nextval('s')", true},
      {"CREATE TABLE t (a int)", true},
      {"SELECT 1; SELECT 2", true},
      {"SELECT 1", false},
      {"SHOW work_mem", false},
      {"SET work_mem = '8MB'", false},
      {"RESET ALL", false},
      {"BEGIN", false},
      {"BEGIN READ ONLY", false},
      {"COMMIT", false},
      {"ROLLBACK", false},
      {"SAVEPOINT a", false},
      {"LISTEN channel", false},
      {"", false},
  };
  for (const auto& c : cases) {
    router_.clear_wrote();
    forwarded(query(c.sql), 0);
    EXPECT_EQ(router_.wrote(), c.writes) << c.sql;
  }
  router_.clear_wrote();
  forwarded(parse("w", "DELETE FROM t"), 0);
  EXPECT_TRUE(router_.wrote()) << "a Parse of a write";
  router_.clear_wrote();
  forwarded(parse("r", "SELECT 1"), 0);
  EXPECT_FALSE(router_.wrote()) << "a Parse of a read";
}

TEST_F(QueryRouting, ForwardedParsesAndClosesKeepTheRegistry) {
  auto message = parse("s1", "SELECT inet_server_port()");
  forwarded(message, 2);
  const auto* statement = statements_.find("s1");
  ASSERT_NE(statement, nullptr);
  EXPECT_TRUE(statement->prepared_on.test(2));
  EXPECT_EQ(statement->prepared_on.count(), 1u);
  EXPECT_EQ(statement->parse_message, message);
  EXPECT_EQ(statement->info.kind, sql::StatementKind::kSelect);
  EXPECT_TRUE(statement->info.read_only);

  forwarded(close('P', "s1"), 2);  // a portal of the same name: not the statement
  EXPECT_NE(statements_.find("s1"), nullptr);
  forwarded(close('S', "s1"), 2);
  EXPECT_EQ(statements_.find("s1"), nullptr);
}

}  // namespace
}  // namespace pgw::proxy
