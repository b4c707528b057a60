// Regressions: bugs found by table-testing the routing core (each once failed).
#include <gtest/gtest.h>

#include "proxy/request_router.hpp"
#include "request_router_fixture.hpp"
#include "route/router.hpp"

namespace pgw::proxy {
namespace {

using namespace testing;
using Kind = RouteAction::Kind;

using Regression = RequestRouterTest;

// Bug A: a Bind of a statement whose Parse is held in the same unit is "unknown".
TEST_F(Regression, A1_ParseAndBindOfANewStatementInOneUnitAreHeldUntilSync) {
  EXPECT_TRUE(holds(decide(parse("s1", "SELECT 1"), active(0), kToNode2)));
  auto b = decide(bind("s1"), active(0), kToNode2);
  EXPECT_TRUE(holds(b)) << "kind " << static_cast<int>(b.kind) << " node " << b.node << " reason "
                        << b.reason;
}

TEST_F(Regression, A2_UnnamedReadAfterUnnamedWriteIsStillARead) {
  auto w = parse("", "INSERT INTO t VALUES (1)");
  ASSERT_TRUE(forwards_to(decide(w, active(0)), 0));
  for (const auto& m : {w, bind(""), execute(), sync()})
    forwarded(m, 0);
  EXPECT_TRUE(holds(decide(parse("", "SELECT 1"), active(0), kToNode2)));
  auto b = decide(bind(""), active(0), kToNode2);
  EXPECT_TRUE(holds(b)) << "kind " << static_cast<int>(b.kind) << " node " << b.node;
}

// Bug B: executing a prepared write without a new Parse does not set wrote().
TEST_F(Regression, B_BindExecuteOfAPreparedWriteSetsWrote) {
  auto p = parse("ins", "INSERT INTO t VALUES (1)");
  forwarded(p, 0);
  forwarded(sync(), 0);
  router_.clear_wrote();  // the relay does this at ReadyForQuery(I)
  for (const auto& m : {bind("ins"), execute(), sync()}) {
    ASSERT_TRUE(forwards_to(decide(m, active(0)), 0));
    forwarded(m, 0);
  }
  EXPECT_TRUE(router_.wrote());
}

// Bug C: a unit binding one statement twice asks for two injections of it.
TEST_F(Regression, C_EachStatementIsInjectedOnce) {
  for (const char* name : {"s1", "s2"}) {
    forwarded(parse(name, "SELECT 1"), 1);
    forwarded(sync(), 1);
  }
  for (const auto& m : {bind("s1"), execute(), bind("s1"), execute(), bind("s2"), execute()}) {
    ASSERT_TRUE(holds(decide(m, active(1), kToNode2)));
  }
  ASSERT_TRUE(forwards_to(decide(sync(), active(1), kToNode2), 2));
  auto injections = router_.injections_for(2);
  std::vector<std::string> names;
  for (const auto& i : injections)
    names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{"s1", "s2"}));
}

// Bug C': asking again about a Bind (the relay does after kNeedMore) adds another injection.
TEST_F(Regression, C2_DecideIsIdempotentForABind) {
  forwarded(parse("s1", "SELECT 1"), 1);
  forwarded(sync(), 1);
  auto b = bind("s1");
  ASSERT_TRUE(holds(decide(b, active(1), kToNode2)));
  ASSERT_TRUE(holds(decide(b, active(1), kToNode2)));
  ASSERT_TRUE(forwards_to(decide(sync(), active(1), kToNode2), 2));
  EXPECT_EQ(router_.injections_for(2).size(), 1u);
}

// Bug D: DISCARD PLANS / TEMP / SEQUENCES forget the prepared statements, which still exist.
TEST_F(Regression, D_DiscardPlansKeepsThePreparedStatements) {
  forwarded(parse("s1", "SELECT 1"), 1);
  forwarded(sync(), 1);
  for (const char* sql : {"DISCARD PLANS", "DISCARD TEMP", "DISCARD SEQUENCES"}) {
    forwarded(query(sql), 0);
    EXPECT_NE(statements_.find("s1"), nullptr) << sql;
  }
  // Consequence: a Bind of s1 goes to the active node 0, where s1 does not exist.
  EXPECT_TRUE(holds(decide(bind("s1"), active(0), kToNode1)));
}

TEST_F(Regression, D2_DeallocateAllClearsTheRegistryAsTheHeaderSays) {
  forwarded(parse("s1", "SELECT 1"), 1);
  forwarded(sync(), 1);
  forwarded(query("DEALLOCATE ALL"), 1);
  EXPECT_EQ(statements_.find("s1"), nullptr);
}

// Bug E: a SET sent with the extended protocol is not in the session log.
TEST_F(Regression, E_ExtendedProtocolSetIsLogged) {
  auto p = parse("", "SET search_path = app");
  ASSERT_TRUE(forwards_to(decide(p, active(0), kToNode1), 0));
  for (const auto& m : {p, bind(""), execute(), sync()})
    forwarded(m, 0);
  EXPECT_EQ(log_.size(), 1u);
  EXPECT_FALSE(log_.up_to_date(1)) << "node 1 would serve reads without search_path = app";
  auto read = decide(query("SELECT * FROM t"), active(0), kToNode1);
  EXPECT_FALSE(read.kind == Kind::kForward && read.node == 1 && log_.up_to_date(1));
}

// Bug F: the session log keeps growing after it is full.
TEST_F(Regression, F_TheLogStopsGrowingOnceFull) {
  for (std::size_t i = 0; i < 3 * SessionLog::kMaxEntries; ++i) {
    forwarded(query("SET work_mem = '8MB'"), 0);
  }
  EXPECT_TRUE(session_.pinned_to_primary);
  EXPECT_LE(log_.size(), SessionLog::kMaxEntries);
}

// Bug H: after overflow(), the relay asks again about the same message; a read Bind is still
// held, so the relay calls overflow() again, forever.
TEST_F(Regression, H_AnOverflowedUnitGoesToThePrimaryForTheMessageAskedAgain) {
  forwarded(parse("s1", "SELECT $1::bytea"), 1);
  forwarded(sync(), 1);
  auto b = bind("s1");
  auto prefix = protocol::ByteView(b).subspan(5);
  const std::uint32_t huge = 2 * 1024 * 1024;  // a 2 MB parameter, 512 bytes received
  ASSERT_TRUE(holds(router_.decide('B', prefix, huge, active(1), state_, kToNode2)));
  router_.overflow();
  auto again = router_.decide('B', prefix, huge, active(1), state_, kToNode2);
  EXPECT_TRUE(forwards_to(again, 0));
}

// Bug I: SET SESSION CHARACTERISTICS is session state too, but is routed as a transaction
// statement and not logged.
TEST_F(Regression, I_SessionCharacteristicsAreLogged) {
  const char* sql = "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE";
  auto action = decide(query(sql), active(2), kToNode1);
  EXPECT_TRUE(forwards_to(action, 2)) << "went to " << action.node;
  forwarded(query(sql), action.node);
  EXPECT_EQ(log_.size(), 1u);
}

// Bug G: with session-level balancing (the default) and read-your-writes (the default), one
// write sends the session's reads to the primary for good.
TEST(RouterBugs, G_SessionLevelReadsReturnToStandbysAfterTheWriteIsReplayed) {
  cluster::ClusterState state;
  state.nodes = {up_node(0, cluster::NodeRole::kPrimary, 1),
                 up_node(1, cluster::NodeRole::kStandby, 1),
                 up_node(2, cluster::NodeRole::kStandby, 1)};
  state.primary = 0;
  state.sampled_at = route::SteadyTime(std::chrono::seconds(10));
  route::RoutingPolicy policy;  // statement_level = false, read_your_writes = true
  route::SessionRoute session;
  sql::StatementInfo select;
  select.kind = sql::StatementKind::kSelect;
  select.read_only = true;
  ASSERT_EQ(route::route(select, session, state, policy, draw(0.5)).node,
            std::optional<std::size_t>(1));
  route::note_write_commit(session, route::SteadyTime(std::chrono::seconds(11)));
  EXPECT_EQ(route::route(select, session, state, policy, draw(0.5)).node,
            std::optional<std::size_t>(0));  // right: nothing is known to have the write yet
  state.sampled_at = route::SteadyTime(std::chrono::seconds(12));  // every node at LSN 1000
  for (double d : {0.5, 0.9}) {
    auto decision = route::route(select, session, state, policy, draw(d));
    EXPECT_NE(decision.node, std::optional<std::size_t>(0))
        << "reads never leave the primary: " << decision.reason;
  }
}

}  // namespace
}  // namespace pgw::proxy
