// The router's policies: lag thresholds, read-your-writes, redirect preferences and
// RoutingPolicy::from_config.

#include <gtest/gtest.h>

#include "route/router.hpp"
#include "route_test_util.hpp"

namespace pgw::route {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the test builders
using std::chrono::milliseconds;

TEST(CanReadFrom, LagThresholdsExcludeStandbysBehindThemOrOfUnknownLag) {
  struct Case {
    std::uint64_t max_bytes;
    int max_ms;
    std::optional<std::uint64_t> lag_bytes;
    std::optional<double> lag_seconds;
    bool eligible;
  };
  const Case cases[] = {
      {0, 0, std::nullopt, std::nullopt, true},  // no limit: unknown lag is fine
      {0, 0, 1'000'000'000, 3600.0, true},
      {100, 0, 50, std::nullopt, true},
      {100, 0, 100, std::nullopt, true},
      {100, 0, 101, std::nullopt, false},
      {100, 0, std::nullopt, 0.0, false},
      {0, 1000, std::nullopt, 0.5, true},
      {0, 1000, std::nullopt, 1.0, true},
      {0, 1000, std::nullopt, 1.001, false},
      {0, 1000, 0, std::nullopt, false},
      {100, 1000, 50, 0.5, true},
      {100, 1000, 500, 0.5, false},
      {100, 1000, 50, 2.0, false},
  };
  auto state = three_nodes();
  for (const auto& c : cases) {
    RoutingPolicy policy;
    policy.delay_threshold_bytes = c.max_bytes;
    policy.delay_threshold_time = milliseconds(c.max_ms);
    auto standby = state.nodes[1];
    standby.lag_bytes = c.lag_bytes;
    standby.lag_seconds = c.lag_seconds;
    EXPECT_EQ(can_read_from(standby, {}, state, policy), c.eligible)
        << c.max_bytes << " bytes / " << c.max_ms << " ms vs "
        << c.lag_bytes.value_or(~std::uint64_t{0}) << " bytes / " << c.lag_seconds.value_or(-1);
    // The primary is never held to the thresholds.
    auto primary = state.nodes[0];
    primary.lag_bytes.reset();
    primary.lag_seconds.reset();
    EXPECT_TRUE(can_read_from(primary, {}, state, policy));
  }
}

TEST(CanReadFrom, OnlyUsableStandbysAndThePrimaryServeReads) {
  auto state = three_nodes();
  const RoutingPolicy policy;
  EXPECT_TRUE(can_read_from(state.nodes[0], {}, state, policy));
  EXPECT_TRUE(can_read_from(state.nodes[1], {}, state, policy));
  auto excluded = [&](void (*change)(NodeState&)) {
    auto node = state.nodes[1];
    change(node);
    return !can_read_from(node, {}, state, policy);
  };
  EXPECT_TRUE(excluded([](NodeState& n) { n.status = NodeStatus::kDown; }));
  EXPECT_TRUE(excluded([](NodeState& n) { n.status = NodeStatus::kWaiting; }));
  EXPECT_TRUE(excluded([](NodeState& n) { n.status = NodeStatus::kUnused; }));
  // A missed monitor probe alone does not exclude a node: health checks decide up and down.
  EXPECT_FALSE(excluded([](NodeState& n) { n.reachable = false; }));
  EXPECT_TRUE(excluded([](NodeState& n) { n.role = NodeRole::kUnknown; }));
  EXPECT_TRUE(excluded([](NodeState& n) { n.no_load_balance = true; }));
  EXPECT_TRUE(excluded([](NodeState& n) {
    n.role = NodeRole::kPrimary;
    n.false_primary = true;
  }));
  // A second node out of recovery that is not the cluster's primary is no standby.
  EXPECT_TRUE(excluded([](NodeState& n) { n.role = NodeRole::kPrimary; }));
  // no_load_balance does not take reads off the primary itself.
  auto primary = state.nodes[0];
  primary.no_load_balance = true;
  EXPECT_TRUE(can_read_from(primary, {}, state, policy));
}

class ReadYourWrites : public ::testing::Test {
 protected:
  ReadYourWrites() {
    policy_.statement_level = true;
    state_ = three_nodes();
  }
  std::optional<std::size_t> read(double d) {
    return route(select_stmt(), session_, state_, policy_, draw(d)).node;
  }
  /// A new sample: the primary at `wal`, the standbys replayed to `r1` and `r2`.
  void sample(SteadyTime at, std::uint64_t wal, std::uint64_t r1, std::uint64_t r2) {
    state_.sampled_at = at;
    state_.nodes[0].wal_lsn = wal;
    state_.nodes[0].replay_lsn = wal;
    state_.nodes[1].replay_lsn = r1;
    state_.nodes[2].replay_lsn = r2;
  }
  RoutingPolicy policy_;
  ClusterState state_;
  SessionRoute session_;
};

TEST_F(ReadYourWrites, OnlyThePrimaryUntilASampleAfterTheCommit) {
  const auto commit = kT0 + std::chrono::seconds(1);
  note_write_commit(session_, commit);
  EXPECT_EQ(session_.last_write_commit, commit);
  EXPECT_FALSE(session_.required_lsn);
  for (double d : {0.0, 0.3, 0.6, 0.9}) {
    EXPECT_EQ(read(d), std::optional<std::size_t>(0)) << d;
  }
  EXPECT_FALSE(can_read_from(state_.nodes[1], session_, state_, policy_));

  sample(commit, 2000, 5000, 5000);  // taken at the commit itself: not after it
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(0));
  EXPECT_FALSE(session_.required_lsn);

  sample(commit + milliseconds(1), 2000, 2000, 1999);
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(1)) << "node 2 has not replayed 2000";
  EXPECT_EQ(session_.required_lsn, std::optional<std::uint64_t>(2000));
  EXPECT_EQ(read(0.1), std::optional<std::size_t>(0));
  EXPECT_EQ(read(0.5), std::optional<std::size_t>(1));

  // The required position is kept: later samples move the primary on, node 2 catches up.
  sample(commit + milliseconds(2), 9000, 2000, 2000);
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(2));
  EXPECT_EQ(session_.required_lsn, std::optional<std::uint64_t>(2000));
  EXPECT_TRUE(can_read_from(state_.nodes[2], session_, state_, policy_));

  // Another commit starts over.
  note_write_commit(session_, commit + milliseconds(3));
  EXPECT_FALSE(session_.required_lsn);
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(0));
}

TEST_F(ReadYourWrites, WithoutAWriteOrWhenOffStandbysServeAtOnce) {
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(2));
  policy_.read_your_writes = false;
  note_write_commit(session_, kT0 + std::chrono::seconds(1));
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(2));
  EXPECT_EQ(read(0.5), std::optional<std::size_t>(1));
}

TEST_F(ReadYourWrites, AnUnknownPrimaryPositionLeavesTheRequirementOpen) {
  const auto commit = kT0 + std::chrono::seconds(1);
  note_write_commit(session_, commit);
  sample(commit + milliseconds(1), 2000, 2000, 2000);
  state_.nodes[0].wal_lsn.reset();
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(0));
  EXPECT_FALSE(session_.required_lsn);
  state_.nodes[0].wal_lsn = 2000;
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(2));
  EXPECT_EQ(session_.required_lsn, std::optional<std::uint64_t>(2000));
  // A standby of unknown replay position is not known to have the write.
  state_.nodes[2].replay_lsn.reset();
  EXPECT_EQ(read(0.9), std::optional<std::size_t>(1));
}

/// Three backends named node0..node2 with redirect rules; the cluster is three_nodes().
config::Config redirect_config() {
  config::Config config;
  for (int i = 0; i < 3; ++i) {
    config::BackendConfig backend;
    backend.name = "node" + std::to_string(i);
    config.backends.push_back(backend);
  }
  using Target = config::RedirectRule::Target;
  config.routing.application_redirect = {{"report.*", Target::kNode, "node2", 1.0}};
  config.routing.user_redirect = {{"batch|etl", Target::kPrimary, "", 1.0}};
  config.routing.database_redirect = {{"analytics", Target::kStandby, "", 1.0},
                                      {"half", Target::kStandby, "", 0.5}};
  return config;
}

SessionRoute session_of(std::string database, std::string user, std::string application) {
  SessionRoute session;
  session.database = std::move(database);
  session.user = std::move(user);
  session.application_name = std::move(application);
  return session;
}

TEST(RoutingPolicy, FromConfigCopiesTheSettingsAndResolvesRedirectNodes) {
  auto config = redirect_config();
  config.routing.load_balance = false;
  config.routing.statement_level = true;
  config.routing.delay_threshold_bytes = 4096;
  config.routing.delay_threshold_time = milliseconds(2500);
  config.routing.read_your_writes = false;
  config.routing.application_redirect.push_back(
      {"ghost", config::RedirectRule::Target::kNode, "no-such-node", 1.0});
  auto policy = RoutingPolicy::from_config(config);
  EXPECT_FALSE(policy.load_balance);
  EXPECT_TRUE(policy.statement_level);
  EXPECT_EQ(policy.delay_threshold_bytes, 4096u);
  EXPECT_EQ(policy.delay_threshold_time, milliseconds(2500));
  EXPECT_FALSE(policy.read_your_writes);
  ASSERT_EQ(policy.application_redirect.size(), 2u);
  EXPECT_EQ(policy.application_redirect[0].node, std::optional<std::size_t>(2));
  EXPECT_EQ(policy.application_redirect[0].rule.node, "node2");
  EXPECT_FALSE(policy.application_redirect[1].node);
  ASSERT_EQ(policy.user_redirect.size(), 1u);
  EXPECT_EQ(policy.user_redirect[0].rule.target, config::RedirectRule::Target::kPrimary);
  ASSERT_EQ(policy.database_redirect.size(), 2u);
  EXPECT_DOUBLE_EQ(policy.database_redirect[1].rule.ratio, 0.5);

  auto defaults = RoutingPolicy::from_config(config::Config{});
  EXPECT_TRUE(defaults.load_balance);
  EXPECT_FALSE(defaults.statement_level);
  EXPECT_TRUE(defaults.read_your_writes);
  EXPECT_TRUE(defaults.application_redirect.empty());
}

TEST(Redirect, ApplicationBeforeUserBeforeDatabase) {
  struct Case {
    const char* database;
    const char* user;
    const char* application;
    double weight_draw;
    std::size_t node;
    const char* reason;
  };
  const Case cases[] = {
      // The weight draw alone would pick another node each time.
      {"analytics", "batch", "reporting", 0.0, 2, "redirect preference: node"},
      {"analytics", "batch", "psql", 0.5, 0, "redirect preference: primary"},
      {"analytics", "etl", "psql", 0.5, 0, "redirect preference: primary"},
      {"analytics", "alice", "psql", 0.0, 1, "redirect preference: standby"},
      {"analytics", "alice", "psql", 0.9, 2, "redirect preference: standby"},
      {"other", "alice", "psql", 0.0, 0, "load balanced by weight"},
      // Patterns match whole names.
      {"other", "alice", "xreporting", 0.0, 0, "load balanced by weight"},
      {"other", "batchy", "psql", 0.5, 1, "load balanced by weight"},
      {"analytics2", "alice", "psql", 0.0, 0, "load balanced by weight"},
  };
  const auto policy = RoutingPolicy::from_config(redirect_config());
  const auto state = three_nodes();
  for (const auto& c : cases) {
    auto session = session_of(c.database, c.user, c.application);
    auto decision = route(select_stmt(), session, state, policy, draw(c.weight_draw));
    EXPECT_EQ(decision.node, std::optional<std::size_t>(c.node))
        << c.database << "/" << c.user << "/" << c.application;
    EXPECT_TRUE(decision.is_read);
    EXPECT_STREQ(decision.reason, c.reason) << c.database << "/" << c.user << "/" << c.application;
  }
}

TEST(Redirect, RatioSendsThatShareOfReadsAndTheRestByWeight) {
  auto config = redirect_config();
  config.routing.application_redirect[0].ratio = 0.25;
  config.routing.statement_level = true;
  const auto policy = RoutingPolicy::from_config(config);
  const auto state = three_nodes();
  auto reporting = session_of("db", "alice", "reporting");
  auto at = [&](SessionRoute& session, double weight, double ratio) {
    return route(select_stmt(), session, state, policy, draw(weight, ratio)).node;
  };
  EXPECT_EQ(at(reporting, 0.0, 0.0), std::optional<std::size_t>(2));
  EXPECT_EQ(at(reporting, 0.0, 0.2499), std::optional<std::size_t>(2));
  EXPECT_EQ(at(reporting, 0.0, 0.25), std::optional<std::size_t>(0));
  EXPECT_EQ(at(reporting, 0.5, 0.9), std::optional<std::size_t>(1));

  auto half = session_of("half", "alice", "psql");
  EXPECT_EQ(at(half, 0.0, 0.4), std::optional<std::size_t>(1)) << "standbys only";
  EXPECT_EQ(at(half, 0.0, 0.5), std::optional<std::size_t>(0)) << "by weight, primary included";
}

TEST(Redirect, AnIneligibleTargetFallsBackToTheWeights) {
  const auto policy = RoutingPolicy::from_config(redirect_config());
  auto state = three_nodes();
  state.nodes[2].status = NodeStatus::kDown;
  auto reporting = session_of("db", "alice", "reporting");
  auto decision = route(select_stmt(), reporting, state, policy, draw(0.0));
  EXPECT_EQ(decision.node, std::optional<std::size_t>(0));
  EXPECT_STREQ(decision.reason, "load balanced by weight");

  // No standby can serve: the standby preference gives way to the weights (the primary).
  state.nodes[1].status = NodeStatus::kDown;
  auto analytics = session_of("analytics", "alice", "psql");
  decision = route(select_stmt(), analytics, state, policy, draw(0.9));
  EXPECT_EQ(decision.node, std::optional<std::size_t>(0));
  EXPECT_STREQ(decision.reason, "load balanced by weight");
}

TEST(Redirect, WritesIgnoreRedirectsAndTheRuleIsResolvedOncePerSession) {
  const auto policy = RoutingPolicy::from_config(redirect_config());
  const auto state = three_nodes();
  auto session = session_of("db", "alice", "reporting");
  EXPECT_EQ(route(insert_stmt(), session, state, policy, draw(0.0)).node,
            std::optional<std::size_t>(0));
  EXPECT_EQ(route(select_stmt(), session, state, policy, draw(0.0)).node,
            std::optional<std::size_t>(2));
  EXPECT_TRUE(session.redirect_resolved);
  ASSERT_NE(session.redirect, nullptr);
  EXPECT_EQ(session.redirect, &policy.application_redirect[0]);
  // A later change of the session's names does not re-resolve the rule.
  session.application_name = "psql";
  session.user = "batch";
  EXPECT_STREQ(route(select_stmt(), session, state, policy, draw(0.0)).reason,
               "redirect preference: node");

  auto plain = session_of("db", "alice", "psql");
  route(select_stmt(), plain, state, policy, draw(0.0));
  EXPECT_TRUE(plain.redirect_resolved);
  EXPECT_EQ(plain.redirect, nullptr);
  plain.application_name = "reporting";
  EXPECT_STREQ(route(select_stmt(), plain, state, policy, draw(0.0)).reason,
               "the session's read node");
}

}  // namespace
}  // namespace pgw::route
