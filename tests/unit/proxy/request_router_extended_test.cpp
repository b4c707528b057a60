// RequestRouter for extended-protocol units: held reads, writes that fix the unit on the
// primary, Flush, statements prepared elsewhere (injections) and unknown statement names.

#include <gtest/gtest.h>

#include "proxy/request_router.hpp"
#include "request_router_fixture.hpp"

namespace pgw::proxy {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the fixture's builders
using Kind = RouteAction::Kind;

class ExtendedRouting : public RequestRouterTest {
 protected:
  /// A unit Parse(name, sql) + Sync, sent to wherever it was routed (returned).
  std::size_t prepare(std::string_view name, std::string_view sql, std::uint64_t random) {
    auto p = parse(name, sql);
    auto first = decide(p, active(0), random);
    auto action = holds(first) ? decide(sync(), active(0), random) : first;
    EXPECT_EQ(action.kind, Kind::kForward) << sql;
    forwarded(p, action.node);
    forwarded(sync(), action.node);
    EXPECT_FALSE(router_.unit_open());
    return action.node;
  }
};

TEST_F(ExtendedRouting, AParsedReadIsHeldUntilSyncThenGoesToTheReadNode) {
  auto p = parse("s1", "SELECT inet_server_port()");
  EXPECT_TRUE(holds(decide(p, active(0), kToNode2)));
  EXPECT_TRUE(router_.unit_open());
  // The relay may ask again about the Sync after waiting; the answer does not change.
  for (int i = 0; i < 2; ++i) {
    auto action = decide(sync(), active(0), kToNode1);
    EXPECT_TRUE(forwards_to(action, 2)) << "the node the first read of the unit chose";
    EXPECT_TRUE(action.counts_as_select);
  }
  EXPECT_TRUE(router_.injections_for(2).empty());
  forwarded(p, 2);
  forwarded(sync(), 2);
  EXPECT_FALSE(router_.unit_open());
  ASSERT_NE(statements_.find("s1"), nullptr);
  EXPECT_TRUE(statements_.find("s1")->prepared_on.test(2));
}

TEST_F(ExtendedRouting, BindingAStatementPreparedElsewhereInjectsItsParse) {
  ASSERT_EQ(prepare("s1", "SELECT inet_server_port()", kToNode1), 1u);
  const auto s1 = statements_.find("s1")->parse_message;

  EXPECT_TRUE(holds(decide(bind("s1"), active(1), kToNode2)));
  EXPECT_TRUE(holds(decide(describe('P', ""), active(1), kToNode1)));
  EXPECT_TRUE(holds(decide(execute(), active(1), kToNode1)));
  auto action = decide(sync(), active(1), kToNode1);
  EXPECT_TRUE(forwards_to(action, 2));
  EXPECT_TRUE(action.counts_as_select);

  auto injections = router_.injections_for(2);
  ASSERT_EQ(injections.size(), 1u);
  EXPECT_EQ(injections[0].name, "s1");
  EXPECT_FALSE(injections[0].close_first);
  EXPECT_TRUE(std::equal(injections[0].parse_message.begin(), injections[0].parse_message.end(),
                         s1.begin(), s1.end()));
  EXPECT_TRUE(router_.injections_for(1).empty()) << "already prepared there";

  // The relay prepares it on node 2, then sends the unit.
  statements_.on_prepared_here("s1", 2);
  EXPECT_TRUE(router_.injections_for(2).empty());
  for (const auto& m : {bind("s1"), describe('P', ""), execute(), sync()}) {
    forwarded(m, 2);
  }
  EXPECT_FALSE(router_.unit_open());
  EXPECT_TRUE(router_.injections_for(2).empty()) << "the unit is over";
}

TEST_F(ExtendedRouting, AStaleCopyOnTheTargetIsClosedFirst) {
  forwarded(parse("s1", "SELECT 1"), 2);
  forwarded(sync(), 2);
  statements_.on_prepared_here("s1", 1);
  forwarded(close('S', "s1"), 1);  // the client closes it where the session is: node 2 keeps it
  forwarded(sync(), 1);
  auto v2 = parse("s1", "SELECT 2");
  forwarded(v2, 1);
  forwarded(sync(), 1);

  EXPECT_TRUE(holds(decide(bind("s1"), active(1), kToNode2)));
  EXPECT_TRUE(holds(decide(execute(), active(1), kToNode2)));
  EXPECT_TRUE(forwards_to(decide(sync(), active(1), kToNode2), 2));
  auto injections = router_.injections_for(2);
  ASSERT_EQ(injections.size(), 1u);
  EXPECT_TRUE(injections[0].close_first);
  EXPECT_TRUE(std::equal(injections[0].parse_message.begin(), injections[0].parse_message.end(),
                         v2.begin(), v2.end()))
      << "the current version";
  auto to_primary = router_.injections_for(0);
  ASSERT_EQ(to_primary.size(), 1u);
  EXPECT_FALSE(to_primary[0].close_first);
}

TEST_F(ExtendedRouting, AWriteParseSendsTheHeldUnitToThePrimaryAndFixesIt) {
  auto read = parse("r", "SELECT 1");
  auto write = parse("w", "INSERT INTO t VALUES ($1)");
  EXPECT_TRUE(holds(decide(read, active(1), kToNode1)));
  auto action = decide(write, active(1), kToNode1);
  EXPECT_TRUE(forwards_to(action, 0));
  EXPECT_FALSE(action.counts_as_select);
  forwarded(read, 0);
  forwarded(write, 0);
  EXPECT_TRUE(router_.unit_open());
  // The rest of the unit follows, whatever the draws say, until Sync.
  for (const auto& m : {bind("w"), describe('P', ""), execute(), bind("r"), execute(), sync()}) {
    EXPECT_TRUE(forwards_to(decide(m, active(0), kToNode2), 0)) << static_cast<char>(m[0]);
    forwarded(m, 0);
  }
  EXPECT_FALSE(router_.unit_open());
  EXPECT_TRUE(statements_.find("r")->prepared_on.test(0)) << "registered where it was sent";
  EXPECT_TRUE(statements_.find("w")->prepared_on.test(0));
  EXPECT_TRUE(router_.wrote());
  // The next unit is decided afresh.
  EXPECT_TRUE(holds(decide(parse("", "SELECT 1"), active(0), kToNode2)));
  EXPECT_TRUE(forwards_to(decide(sync(), active(0), kToNode2), 2));
}

TEST_F(ExtendedRouting, BindingAPreparedWriteGoesToThePrimaryAtOnce) {
  ASSERT_EQ(prepare("ins", "INSERT INTO t VALUES (1)", kToNode1), 0u);
  auto action = decide(bind("ins"), active(2), kToNode2);
  EXPECT_TRUE(forwards_to(action, 0));
  EXPECT_FALSE(action.counts_as_select);
}

TEST_F(ExtendedRouting, FlushFixesTheUnitWithoutClosingIt) {
  auto p = parse("", "SELECT 1");
  EXPECT_TRUE(holds(decide(p, active(0), kToNode2)));
  auto action = decide(flush(), active(0), kToNode1);
  EXPECT_TRUE(forwards_to(action, 2));
  EXPECT_TRUE(action.counts_as_select);
  forwarded(p, 2);
  forwarded(flush(), 2);
  EXPECT_TRUE(router_.unit_open());
  for (const auto& m : {describe('S', ""), bind(""), execute(), sync()}) {
    EXPECT_TRUE(forwards_to(decide(m, active(2), kToNode1), 2)) << static_cast<char>(m[0]);
    forwarded(m, 2);
  }
  EXPECT_FALSE(router_.unit_open());
  // A Flush or Sync with no unit open goes where the session is.
  EXPECT_TRUE(forwards_to(decide(flush(), active(1)), 1));
  EXPECT_TRUE(forwards_to(decide(sync(), active(1)), 1));
  EXPECT_TRUE(forwards_to(decide(sync(), RelayView{}), 0));
}

TEST_F(ExtendedRouting, AnUnknownStatementGoesToTheActiveNode) {
  auto action = decide(bind("nope"), active(2), kToNode1);
  EXPECT_TRUE(forwards_to(action, 2));
  EXPECT_FALSE(action.counts_as_select);
  forwarded(bind("nope"), 2);
  EXPECT_TRUE(router_.unit_open());
  EXPECT_TRUE(forwards_to(decide(execute(), active(2), kToNode1), 2));
  EXPECT_TRUE(forwards_to(decide(sync(), active(2), kToNode1), 2));
  forwarded(sync(), 2);
  EXPECT_FALSE(router_.unit_open());

  EXPECT_TRUE(forwards_to(decide(describe('S', "nope"), active(1), kToNode2), 1));
  forwarded(describe('S', "nope"), 1);
  forwarded(sync(), 1);
  EXPECT_TRUE(forwards_to(decide(bind("nope"), RelayView{}, kToNode2), 0)) << "none active";
}

TEST_F(ExtendedRouting, AClosedStatementIsUnknown) {
  ASSERT_EQ(prepare("s1", "SELECT 1", kToNode1), 1u);
  forwarded(close('S', "s1"), 1);
  forwarded(sync(), 1);
  EXPECT_TRUE(forwards_to(decide(bind("s1"), active(2), kToNode1), 2));
}

TEST_F(ExtendedRouting, PortalMessagesGoWithTheUnit) {
  ASSERT_EQ(prepare("s1", "SELECT 1", kToNode1), 1u);
  EXPECT_TRUE(holds(decide(bind("s1", "p1"), active(1), kToNode2)));
  EXPECT_TRUE(holds(decide(describe('P', "p1"), active(1), kToNode1)));
  EXPECT_TRUE(holds(decide(execute("p1"), active(1), kToNode1)));
  EXPECT_TRUE(holds(decide(close('P', "p1"), active(1), kToNode1)));
  EXPECT_TRUE(forwards_to(decide(sync(), active(1), kToNode1), 2));
}

TEST_F(ExtendedRouting, PortalMessagesOutsideAUnitGoWhereTheSessionIs) {
  for (const auto& m : {describe('P', "p1"), execute("p1"), close('P', "p1"), close('S', "x")}) {
    EXPECT_TRUE(forwards_to(decide(m, active(2), kToNode1), 2)) << static_cast<char>(m[0]);
    EXPECT_TRUE(forwards_to(decide(m, RelayView{}, kToNode1), 0)) << static_cast<char>(m[0]);
  }
}

TEST_F(ExtendedRouting, InsideATransactionEverythingStaysOnTheActiveNode) {
  ASSERT_EQ(prepare("s1", "SELECT 1", kToNode1), 1u);
  for (const auto& m : {parse("", "INSERT INTO t VALUES (1)"), parse("", "SELECT 1"), bind("s1"),
                        bind("nope"), execute(), sync()}) {
    EXPECT_TRUE(forwards_to(decide(m, active(2, true), kToPrimary), 2)) << static_cast<char>(m[0]);
  }
  EXPECT_FALSE(router_.unit_open());
}

// A SET sent with Parse goes where the session is (like a simple-protocol SET) and is logged
// for the other nodes; statements that pin take the unit to the primary.
TEST_F(ExtendedRouting, SettingsGoWhereTheSessionIsAndPinningStatementsToThePrimary) {
  struct Case {
    const char* sql;
    bool pins;
  };
  const Case cases[] = {
      {"SET work_mem = '8MB'", false},       {"RESET work_mem", false},
      {"CREATE TEMP TABLE x (a int)", true}, {"LISTEN ch", true},
      {"PREPARE q AS SELECT 1", true},
  };
  for (const auto& c : cases) {
    session_ = {};
    auto p = parse("", c.sql);
    EXPECT_TRUE(holds(decide(parse("", "SELECT 1"), active(1), kToNode1))) << c.sql;
    std::size_t expected = c.pins ? 0 : 1;
    EXPECT_TRUE(forwards_to(decide(p, active(1), kToNode1), expected)) << c.sql;
    forwarded(p, expected);
    forwarded(sync(), expected);
    EXPECT_EQ(session_.pinned_to_primary, c.pins) << c.sql;
    EXPECT_EQ(log_.size(), c.pins ? 0u : 1u) << c.sql;
    log_ = {};
  }
}

TEST_F(ExtendedRouting, AQueryInsideAnOpenUnitTakesItToThePrimary) {
  EXPECT_TRUE(holds(decide(parse("", "SELECT 1"), active(1), kToNode1)));
  EXPECT_TRUE(forwards_to(decide(query("SELECT 1"), active(1), kToNode1), 0));
}

TEST_F(ExtendedRouting, AUnitThatMustWriteWithoutAPrimaryHasNoServer) {
  state_.nodes[0].reachable = false;
  state_.nodes[0].status = cluster::NodeStatus::kDown;
  EXPECT_TRUE(holds(decide(parse("", "SELECT 1"), active(1), kToNode2)));
  auto action = decide(parse("w", "UPDATE t SET a = 1"), active(1), kToNode2);
  EXPECT_EQ(action.kind, Kind::kNoServer);
  EXPECT_STREQ(action.reason, "no primary is available");
}

TEST_F(ExtendedRouting, AParseWithoutItsNameGoesToThePrimary) {
  auto p = parse("big", "SELECT 1");
  auto body = protocol::ByteView(p).subspan(5, 2);  // "bi": the name is cut off
  auto action = router_.decide('P', body, static_cast<std::uint32_t>(p.size() - 5), active(1),
                               state_, kToNode2);
  EXPECT_TRUE(forwards_to(action, 0));
  EXPECT_TRUE(router_.unit_open());
}

TEST_F(ExtendedRouting, AHeldUnitThatOverflowsGoesToThePrimary) {
  EXPECT_TRUE(holds(decide(parse("", "SELECT 1"), active(1), kToNode2)));
  EXPECT_TRUE(holds(decide(parse("", "SELECT 2"), active(1), kToNode2)));
  router_.overflow();
  EXPECT_TRUE(forwards_to(decide(sync(), active(1), kToNode2), 0));
}

}  // namespace
}  // namespace pgw::proxy
