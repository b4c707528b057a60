// route::route: writes, reads balanced by weight from controlled draws, eligibility, session
// stickiness, transaction modes, hints and the primary fallbacks.

#include "route/router.hpp"

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "route_test_util.hpp"

namespace pgw::route {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the test builders

std::optional<std::size_t> read_once(const ClusterState& state, std::uint64_t random,
                                     const RoutingPolicy& policy = {}) {
  SessionRoute session;
  return route(select_stmt(), session, state, policy, random).node;
}

TEST(Router, WritesGoToThePrimaryWhateverTheDraw) {
  auto state = three_nodes();
  state.nodes[0].weight = 0;  // weights are for reads only
  for (double d : {0.0, 0.3, 0.6, 0.99}) {
    SessionRoute session;
    auto decision = route(insert_stmt(), session, state, {}, draw(d));
    EXPECT_EQ(decision.node, std::optional<std::size_t>(0)) << d;
    EXPECT_FALSE(decision.is_read);
    EXPECT_STREQ(decision.reason, "write");
    EXPECT_FALSE(session.read_node) << "a write chooses no read node";
  }
}

TEST(Router, NoUsablePrimaryMeansNoNodeForAWrite) {
  struct Case {
    const char* name;
    void (*breaks)(ClusterState&);
  };
  const Case cases[] = {
      {"no primary", [](ClusterState& s) { s.primary.reset(); }},
      {"primary down", [](ClusterState& s) { s.nodes[0].status = NodeStatus::kDown; }},
      {"primary waiting", [](ClusterState& s) { s.nodes[0].status = NodeStatus::kWaiting; }},
      {"primary unused", [](ClusterState& s) { s.nodes[0].status = NodeStatus::kUnused; }},
      {"primary role unknown", [](ClusterState& s) { s.nodes[0].role = NodeRole::kUnknown; }},
  };
  for (const auto& c : cases) {
    auto state = three_nodes();
    c.breaks(state);
    SessionRoute session;
    auto decision = route(insert_stmt(), session, state, {}, draw(0.5));
    EXPECT_FALSE(decision.node) << c.name;
    EXPECT_FALSE(decision.is_read) << c.name;
    EXPECT_STREQ(decision.reason, "no primary is available") << c.name;
    // Reads still reach the standbys.
    auto read = route(select_stmt(), session, state, {}, draw(0.5));
    ASSERT_TRUE(read.node) << c.name;
    EXPECT_NE(*read.node, 0u) << c.name;
  }
}

struct BalanceCase {
  const char* name;
  std::vector<NodeSpec> nodes;
  std::vector<std::pair<std::uint64_t, std::size_t>> draws;  ///< random bits -> expected node
};

TEST(Router, ReadsAreBalancedByWeightOverEligibleNodes) {
  const NodeSpec p{NodeRole::kPrimary, 1};
  const NodeSpec s{NodeRole::kStandby, 1};
  const BalanceCase cases[] = {
      {"weights 1:2:1, primary included by its weight",
       {p, {NodeRole::kStandby, 2}, s},
       {{draw(0.0), 0},
        {just_below(0.25), 0},
        {draw(0.25), 1},
        {just_below(0.75), 1},
        {draw(0.75), 2},
        {0xffffffffu, 2}}},
      {"primary weight 0 never chosen",
       {{NodeRole::kPrimary, 0}, s, s},
       {{draw(0.0), 1}, {just_below(0.5), 1}, {draw(0.5), 2}, {0xffffffffu, 2}}},
      {"standby weight 0 never chosen",
       {p, {NodeRole::kStandby, 0}, s},
       {{draw(0.0), 0}, {just_below(0.5), 0}, {draw(0.5), 2}, {0xffffffffu, 2}}},
      {"no_load_balance standby excluded",
       {p, NodeSpec{.no_load_balance = true}, s},
       {{just_below(0.5), 0}, {draw(0.5), 2}, {0xffffffffu, 2}}},
      {"false primary excluded",
       {p, {NodeRole::kPrimary, 1, NodeStatus::kUp, true, true}, s},
       {{just_below(0.5), 0}, {draw(0.5), 2}, {0xffffffffu, 2}}},
      {"down standby excluded",
       {p, NodeSpec{.status = NodeStatus::kDown}, s},
       {{just_below(0.5), 0}, {draw(0.5), 2}}},
      {"waiting standby excluded",
       {p, NodeSpec{.status = NodeStatus::kWaiting}, s},
       {{just_below(0.5), 0}, {draw(0.5), 2}}},
      {"unused standby excluded",
       {p, NodeSpec{.status = NodeStatus::kUnused}, s},
       {{just_below(0.5), 0}, {draw(0.5), 2}}},
      // A missed monitor probe alone does not exclude (health checks decide up and down).
      {"unreachable standby still serves",
       {p, NodeSpec{.reachable = false}, s},
       {{draw(0.2), 0}, {draw(0.5), 1}, {draw(0.9), 2}}},
      {"unknown role excluded",
       {p, {NodeRole::kUnknown, 1}, s},
       {{just_below(0.5), 0}, {draw(0.5), 2}}},
      {"no primary: standbys only", {s, s}, {{just_below(0.5), 0}, {draw(0.5), 1}}},
  };
  for (const auto& c : cases) {
    auto state = make_state(c.nodes);
    for (const auto& [random, expected] : c.draws) {
      SessionRoute session;
      auto decision = route(select_stmt(), session, state, {}, random);
      EXPECT_EQ(decision.node, std::optional<std::size_t>(expected))
          << c.name << ", random " << std::hex << random;
      EXPECT_TRUE(decision.is_read) << c.name;
      EXPECT_STREQ(decision.reason, "load balanced by weight") << c.name;
    }
  }
}

TEST(Router, TheRatioHalfOfTheDrawDoesNotMoveTheWeightedChoice) {
  auto state = three_nodes();
  for (double ratio : {0.0, 0.5, 0.99}) {
    EXPECT_EQ(read_once(state, draw(0.1, ratio)), std::optional<std::size_t>(0)) << ratio;
    EXPECT_EQ(read_once(state, draw(0.5, ratio)), std::optional<std::size_t>(1)) << ratio;
    EXPECT_EQ(read_once(state, draw(0.8, ratio)), std::optional<std::size_t>(2)) << ratio;
  }
}

TEST(Router, ZeroWeightNodesAreNeverChosenOverASweepOfDraws) {
  auto state = make_state({{NodeRole::kPrimary, 0},
                           {NodeRole::kStandby, 3},
                           {NodeRole::kStandby, 0},
                           {NodeRole::kStandby, 1}});
  std::map<std::size_t, int> seen;
  for (std::uint64_t i = 0; i < 1024; ++i) {
    auto node = read_once(state, (i << 22) | (i * 977));
    ASSERT_TRUE(node);
    seen[*node]++;
  }
  EXPECT_EQ(seen.count(0), 0u);
  EXPECT_EQ(seen.count(2), 0u);
  EXPECT_GT(seen[1], seen[3]);
}

TEST(Router, ReadsFallBackToThePrimaryWhenNoNodeCanBeBalancedTo) {
  // The primary has weight 0, the standbys cannot serve: the primary takes the read anyway.
  auto state = make_state({{NodeRole::kPrimary, 0},
                           {NodeRole::kStandby, 1, NodeStatus::kDown},
                           {NodeRole::kStandby, 1, NodeStatus::kUp, true, true}});
  SessionRoute session;
  auto decision = route(select_stmt(), session, state, {}, draw(0.7));
  EXPECT_EQ(decision.node, std::optional<std::size_t>(0));
  EXPECT_TRUE(decision.is_read);
  EXPECT_STREQ(decision.reason, "no standby can serve the read");
  EXPECT_FALSE(session.read_node) << "the fallback is not remembered as the read node";

  state.nodes[0].status = NodeStatus::kDown;
  decision = route(select_stmt(), session, state, {}, draw(0.7));
  EXPECT_FALSE(decision.node);
  EXPECT_STREQ(decision.reason, "no primary is available");
}

TEST(Router, SessionLevelKeepsTheReadNodeWhileItStaysEligible) {
  auto state = three_nodes();
  RoutingPolicy policy;  // session level by default
  SessionRoute session;
  auto first = route(select_stmt(), session, state, policy, draw(0.3));
  EXPECT_EQ(first.node, std::optional<std::size_t>(1));
  EXPECT_STREQ(first.reason, "load balanced by weight");
  EXPECT_EQ(session.read_node, std::optional<std::size_t>(1));
  for (double d : {0.0, 0.9, 0.5}) {
    auto again = route(select_stmt(), session, state, policy, draw(d));
    EXPECT_EQ(again.node, std::optional<std::size_t>(1)) << d;
    EXPECT_TRUE(again.is_read);
    EXPECT_STREQ(again.reason, "the session's read node");
  }

  // Node 1 goes down: chosen again by the draw, and the new choice sticks.
  state.nodes[1].status = NodeStatus::kDown;
  auto moved = route(select_stmt(), session, state, policy, draw(0.9));
  EXPECT_EQ(moved.node, std::optional<std::size_t>(2));
  EXPECT_STREQ(moved.reason, "load balanced by weight");
  EXPECT_EQ(session.read_node, std::optional<std::size_t>(2));
  state.nodes[1].status = NodeStatus::kUp;
  EXPECT_EQ(route(select_stmt(), session, state, policy, draw(0.3)).node,
            std::optional<std::size_t>(2))
      << "node 1 coming back does not take the session back";

  // Node 2 falls behind a lag limit: it stops being eligible too.
  policy.delay_threshold_bytes = 100;
  state.nodes[2].lag_bytes = 5000;
  auto lagged = route(select_stmt(), session, state, policy, draw(0.5));
  EXPECT_EQ(lagged.node, std::optional<std::size_t>(1));
  EXPECT_EQ(session.read_node, std::optional<std::size_t>(1));
}

TEST(Router, AReadNodeOutsideTheClusterIsChosenAgain) {
  auto state = three_nodes();
  SessionRoute session;
  session.read_node = 7;
  EXPECT_EQ(route(select_stmt(), session, state, {}, draw(0.8)).node,
            std::optional<std::size_t>(2));
  EXPECT_EQ(session.read_node, std::optional<std::size_t>(2));
}

TEST(Router, StatementLevelChoosesEveryTimeAndRemembersNothing) {
  auto state = three_nodes();
  RoutingPolicy policy;
  policy.statement_level = true;
  SessionRoute session;
  const std::pair<double, std::size_t> draws[] = {{0.3, 1}, {0.9, 2}, {0.1, 0}, {0.6, 1}};
  for (const auto& [d, expected] : draws) {
    auto decision = route(select_stmt(), session, state, policy, draw(d));
    EXPECT_EQ(decision.node, std::optional<std::size_t>(expected)) << d;
    EXPECT_STREQ(decision.reason, "load balanced by weight");
    EXPECT_FALSE(session.read_node);
  }
  // A read node left from elsewhere is ignored at statement level.
  session.read_node = 2;
  EXPECT_EQ(route(select_stmt(), session, state, policy, draw(0.1)).node,
            std::optional<std::size_t>(0));
}

TEST(Router, TransactionModesDecideWhetherTheStatementOpeningItIsARead) {
  struct Case {
    const char* name;
    StatementInfo info;
    std::optional<std::size_t> node;
    bool is_read;
  };
  const Case cases[] = {
      {"BEGIN READ ONLY", transaction_stmt(StatementKind::kBegin, true), 1, true},
      {"BEGIN READ WRITE", transaction_stmt(StatementKind::kBegin, false), 0, false},
      {"BEGIN", transaction_stmt(StatementKind::kBegin, std::nullopt), 0, false},
      {"SET TRANSACTION READ ONLY", transaction_stmt(StatementKind::kSetTransaction, true), 1,
       true},
      {"SET TRANSACTION READ WRITE", transaction_stmt(StatementKind::kSetTransaction, false), 0,
       false},
      {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
       transaction_stmt(StatementKind::kSetTransaction, std::nullopt), 0, false},
      {"SELECT 1", select_stmt(), 1, true},
      {"SELECT nextval('s')", statement(StatementKind::kSelect, false), 0, false},
      {"INSERT", insert_stmt(), 0, false},
  };
  auto state = three_nodes();
  for (const auto& c : cases) {
    SessionRoute session;
    auto decision = route(c.info, session, state, {}, draw(0.5));
    EXPECT_EQ(decision.node, c.node) << c.name;
    EXPECT_EQ(decision.is_read, c.is_read) << c.name;
  }
}

TEST(Router, HintsAndPatternsSendReadsToThePrimaryCountedAsReads) {
  auto hinted = select_stmt();
  hinted.no_load_balance_hint = true;
  auto patterned = select_stmt();
  patterned.matches_primary_pattern = true;
  auto hinted_write = insert_stmt();
  hinted_write.no_load_balance_hint = true;
  struct Case {
    StatementInfo info;
    bool is_read;
    const char* reason;
  };
  const Case cases[] = {
      {hinted, true, "NO LOAD BALANCE hint"},
      {patterned, true, "primary routing pattern"},
      {hinted_write, false, "write"},
  };
  auto state = three_nodes();
  for (const auto& c : cases) {
    SessionRoute session;
    auto decision = route(c.info, session, state, {}, draw(0.5));
    EXPECT_EQ(decision.node, std::optional<std::size_t>(0)) << c.reason;
    EXPECT_EQ(decision.is_read, c.is_read) << c.reason;
    EXPECT_STREQ(decision.reason, c.reason);
    EXPECT_FALSE(session.read_node) << c.reason;
  }
  state.primary.reset();
  SessionRoute session;
  auto decision = route(hinted, session, state, {}, draw(0.5));
  EXPECT_FALSE(decision.node) << "a hinted read needs the primary, which is gone";
  EXPECT_STREQ(decision.reason, "no primary is available");
}

TEST(Router, LoadBalancingOffSendsReadsToThePrimary) {
  RoutingPolicy policy;
  policy.load_balance = false;
  auto state = three_nodes();
  SessionRoute session;
  auto decision = route(select_stmt(), session, state, policy, draw(0.5));
  EXPECT_EQ(decision.node, std::optional<std::size_t>(0));
  EXPECT_TRUE(decision.is_read);
  EXPECT_STREQ(decision.reason, "load balancing is off");
}

TEST(Router, APinnedSessionSendsEverythingToThePrimary) {
  auto state = three_nodes();
  SessionRoute session;
  session.pinned_to_primary = true;
  session.read_node = 1;
  for (const auto& info : {select_stmt(), transaction_stmt(StatementKind::kBegin, true)}) {
    auto decision = route(info, session, state, {}, draw(0.5));
    EXPECT_EQ(decision.node, std::optional<std::size_t>(0));
    EXPECT_FALSE(decision.is_read);
    EXPECT_STREQ(decision.reason, "session pinned to the primary");
  }
  state.nodes[0].status = NodeStatus::kDown;
  EXPECT_FALSE(route(select_stmt(), session, state, {}, draw(0.5)).node);
}

TEST(Router, WeightsOneTwoOneSplitAHundredThousandSeededDrawsAsExpected) {
  auto state = three_nodes();
  RoutingPolicy policy;
  policy.statement_level = true;
  SessionRoute session;
  std::mt19937_64 random(20240601);
  constexpr int kDraws = 100'000;
  std::map<std::size_t, int> counts;
  for (int i = 0; i < kDraws; ++i) {
    auto node = route(select_stmt(), session, state, policy, random()).node;
    ASSERT_TRUE(node);
    counts[*node]++;
  }
  // Within one percentage point of 25 / 50 / 25 %.
  EXPECT_NEAR(100.0 * counts[0] / kDraws, 25.0, 1.0) << counts[0];
  EXPECT_NEAR(100.0 * counts[1] / kDraws, 50.0, 1.0) << counts[1];
  EXPECT_NEAR(100.0 * counts[2] / kDraws, 25.0, 1.0) << counts[2];
}

}  // namespace
}  // namespace pgw::route
