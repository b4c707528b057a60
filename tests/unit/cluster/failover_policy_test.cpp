#include "cluster/failover_policy.hpp"

#include <algorithm>
#include <array>
#include <tuple>

#include <gtest/gtest.h>

#include "cluster_test_util.hpp"

namespace pgw::cluster {
namespace {

using Kind = FailoverPlan::Kind;
using Ids = std::vector<std::size_t>;

constexpr std::uint64_t kPrimaryLsn = 0x100000;

/// node0 the primary at kPrimaryLsn, the others standbys caught up and streaming
/// asynchronously; every node reachable and up.
ClusterState healthy_cluster(std::size_t nodes) {
  auto state = testing::state_with(nodes);
  for (auto& node : state.nodes) {
    node.status = NodeStatus::kUp;
    node.reachable = true;
    node.role = node.id == 0 ? NodeRole::kPrimary : NodeRole::kStandby;
    node.wal_lsn = kPrimaryLsn;
    node.replay_lsn = kPrimaryLsn;
    node.lag_bytes = 0;
    if (node.id != 0) {
      node.replication_state = "streaming";
      node.sync_state = "async";
    }
  }
  state.primary = 0;
  return state;
}

NodeHealth health_of(HealthState state, std::uint32_t recent_changes = 0) {
  NodeHealth health;
  health.state = state;
  health.recent_changes = recent_changes;
  if (state == HealthState::kFailed) {
    health.failure = HealthFailure::kRefused;
    health.last_error = "connection refused";
  }
  return health;
}

HealthView all_healthy(std::size_t nodes) {
  HealthView view;
  view.nodes.assign(nodes, health_of(HealthState::kHealthy));
  return view;
}

/// Every node healthy but `failed`.
HealthView failed_node(std::size_t nodes, std::size_t failed = 0) {
  auto view = all_healthy(nodes);
  view.nodes[failed] = health_of(HealthState::kFailed);
  return view;
}

// --- when not to fail over -------------------------------------------------------------------

TEST(PlanFailover, NothingWhileThePrimaryIsHealthyOrRetrying) {
  for (auto state : {HealthState::kUnknown, HealthState::kHealthy, HealthState::kFailing}) {
    auto health = all_healthy(3);
    health.nodes[0] = health_of(state);
    auto plan = plan_failover(healthy_cluster(3), health, FailoverPolicy{});
    EXPECT_EQ(plan.kind, Kind::kNothing) << to_string(state);
    EXPECT_EQ(plan.reason, "") << to_string(state);
    EXPECT_FALSE(plan.failed_primary) << to_string(state);
    EXPECT_FALSE(plan.new_primary) << to_string(state);
    EXPECT_TRUE(plan.followers.empty()) << to_string(state);
    EXPECT_TRUE(plan.detach.empty()) << to_string(state);
  }
}

TEST(PlanFailover, NothingWithoutAPrimary) {
  auto state = healthy_cluster(3);
  state.primary.reset();
  state.nodes[0].role = NodeRole::kStandby;
  HealthView health;
  health.nodes.assign(3, health_of(HealthState::kFailed));
  auto plan = plan_failover(state, health, FailoverPolicy{});
  EXPECT_EQ(plan.kind, Kind::kNothing);
  EXPECT_FALSE(plan.new_primary);
  EXPECT_EQ(plan.detach, (Ids{0, 1, 2})) << "failed standbys are still detached";
}

TEST(PlanFailover, HealthViewShorterThanTheClusterMeansUnknown) {
  HealthView health;  // nothing checked yet
  auto plan = plan_failover(healthy_cluster(3), health, FailoverPolicy{});
  EXPECT_EQ(plan.kind, Kind::kNothing);
  health.nodes = {health_of(HealthState::kFailed)};
  plan = plan_failover(healthy_cluster(3), health, FailoverPolicy{});
  EXPECT_EQ(plan.kind, Kind::kHold) << "standbys of unknown health cannot be promoted";
  EXPECT_NE(plan.reason.find("node1: it is not healthy"), std::string::npos) << plan.reason;
}

struct HoldCase {
  std::string name;
  void (*setup)(ClusterState&, HealthView&, FailoverPolicy&);
  std::string reason;  ///< the whole reason
};

TEST(PlanFailover, HoldsWithItsReason) {
  const std::vector<HoldCase> cases = {
      {"disabled", [](ClusterState&, HealthView&, FailoverPolicy& p) { p.enabled = false; },
       "automatic failover is disabled (or has no superuser password)"},
      {"primary flagged no_failover",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[0].no_failover = true; },
       "the primary is flagged no_failover"},
      {"flapping at the threshold",
       [](ClusterState&, HealthView& h, FailoverPolicy& p) {
         p.flap_threshold = 4;
         h.nodes[0].recent_changes = 4;
       },
       "the primary's health is flapping (4 changes)"},
      {"flapping above the threshold",
       [](ClusterState&, HealthView& h, FailoverPolicy&) { h.nodes[0].recent_changes = 9; },
       "the primary's health is flapping (9 changes)"},
      {"no quorum", [](ClusterState&, HealthView& h, FailoverPolicy&) { h.quorum = false; },
       "no quorum of proxies sees the primary down"},
      {"no eligible standby",
       [](ClusterState& s, HealthView& h, FailoverPolicy&) {
         h.nodes[1].state = HealthState::kFailing;
         s.nodes[2].detached = true;
       },
       "no standby can be promoted (node1: it is not healthy; node2: it is detached)"},
      {"no eligible standby: unreachable unknown nodes are not listed",
       [](ClusterState& s, HealthView& h, FailoverPolicy&) {
         h.nodes[1].state = HealthState::kUnknown;
         s.nodes[2].role = NodeRole::kUnknown;
         s.nodes[2].reachable = false;
       },
       "no standby can be promoted (node1: it is not healthy)"},
  };
  for (const auto& c : cases) {
    auto state = healthy_cluster(3);
    auto health = failed_node(3);
    FailoverPolicy policy;
    c.setup(state, health, policy);
    auto plan = plan_failover(state, health, policy);
    EXPECT_EQ(plan.kind, Kind::kHold) << c.name;
    EXPECT_EQ(plan.reason, c.reason) << c.name;
    EXPECT_EQ(plan.failed_primary, 0u) << c.name;
    EXPECT_FALSE(plan.new_primary) << c.name;
    EXPECT_TRUE(plan.followers.empty()) << c.name;
  }
}

TEST(PlanFailover, FlappingBelowTheThresholdStillFailsOver) {
  FailoverPolicy policy;
  policy.flap_threshold = 4;
  auto health = failed_node(3);
  health.nodes[0].recent_changes = 3;
  auto plan = plan_failover(healthy_cluster(3), health, policy);
  EXPECT_EQ(plan.kind, Kind::kFailover);
  // A flapping standby is no reason to hold either.
  health.nodes[0].recent_changes = 0;
  health.nodes[1].recent_changes = 50;
  EXPECT_EQ(plan_failover(healthy_cluster(3), health, policy).kind, Kind::kFailover);
}

TEST(PlanFailover, NoStandbyAtAll) {
  auto plan = plan_failover(healthy_cluster(1), failed_node(1), FailoverPolicy{});
  EXPECT_EQ(plan.kind, Kind::kHold);
  EXPECT_EQ(plan.reason, "no standby can be promoted");
}

TEST(PlanFailover, EveryHoldConditionHoldsAloneOrTogether) {
  // disabled, primary no_failover, flapping, no quorum, no eligible standby: any of them holds
  // and the reason names one that applies; none of them fails over.
  const std::array<std::string, 5> kReasons = {"disabled", "flagged no_failover", "flapping",
                                               "no quorum", "no standby can be promoted"};
  for (unsigned mask = 0; mask < 32; ++mask) {
    auto state = healthy_cluster(3);
    auto health = failed_node(3);
    FailoverPolicy policy;
    policy.enabled = (mask & 1) == 0;
    state.nodes[0].no_failover = (mask & 2) != 0;
    health.nodes[0].recent_changes = (mask & 4) ? policy.flap_threshold : 0;
    health.quorum = (mask & 8) == 0;
    if (mask & 16) {
      state.nodes[1].no_failover = true;
      state.nodes[2].detached = true;
    }
    auto plan = plan_failover(state, health, policy);
    if (mask == 0) {
      EXPECT_EQ(plan.kind, Kind::kFailover);
      continue;
    }
    EXPECT_EQ(plan.kind, Kind::kHold) << mask;
    EXPECT_FALSE(plan.new_primary) << mask;
    bool named = false;
    for (unsigned bit = 0; bit < 5; ++bit) {
      if ((mask & (1u << bit)) && plan.reason.find(kReasons[bit]) != std::string::npos) {
        named = true;
      }
    }
    EXPECT_TRUE(named) << mask << ": " << plan.reason;
  }
}

// --- which standby wins ----------------------------------------------------------------------

struct WinnerCase {
  std::string name;
  /// nodes 1..3 (node0 is the failed primary at kPrimaryLsn).
  std::array<std::optional<std::uint64_t>, 3> received;
  std::array<std::optional<std::uint64_t>, 3> replayed;
  std::vector<std::int32_t> priority;  ///< by node id, node0 included
  std::uint64_t maximum_lag = 16ull * 1024 * 1024;
  std::size_t winner;
};

TEST(PlanFailover, TheMostAdvancedStandbyWins) {
  constexpr std::uint64_t P = kPrimaryLsn;
  const std::vector<WinnerCase> cases = {
      {"most received WAL", {P - 20, P - 10, P - 30}, {P - 30, P - 30, P - 30}, {}, 1u << 24, 2},
      {"received beats replayed",
       {P - 10, P - 20, P - 30},
       {P - 900, P - 20, P - 30},
       {},
       1u << 24,
       1},
      {"replayed breaks a tie on received", {P, P, P}, {P - 30, P - 10, P - 20}, {}, 1u << 24, 2},
      {"priority breaks a tie on both", {P, P, P}, {P, P, P}, {0, 0, 5, 1}, 1u << 24, 2},
      {"priority never beats WAL",
       {P - 1, P, P - 1},
       {P - 1, P, P - 1},
       {0, 100, 0, 100},
       1u << 24,
       2},
      {"priority never beats replay", {P, P, P}, {P - 1, P, P - 1}, {0, 100, 0, 100}, 1u << 24, 2},
      {"lowest id on a full tie", {P, P, P}, {P, P, P}, {}, 1u << 24, 1},
      {"a negative priority loses to the default",
       {P, P, P},
       {P, P, P},
       {0, -1, 0, 0},
       1u << 24,
       2},
      {"missing priorities count as 0", {P, P, P}, {P, P, P}, {0, -5, -5}, 1u << 24, 3},
      {"ahead of the primary's last known position", {P + 10, P, P}, {P, P, P}, {}, 1u << 24, 1},
      {"unknown received WAL ranks lowest (no lag limit)",
       {std::nullopt, 1, std::nullopt},
       {P, 1, P},
       {0, 9, 0, 9},
       0,
       2},
      {"unknown replay ranks lowest among equals (no lag limit)",
       {P, P, P},
       {std::nullopt, std::nullopt, 1},
       {},
       0,
       3},
  };
  for (const auto& c : cases) {
    auto state = healthy_cluster(4);
    for (std::size_t i = 0; i < 3; ++i) {
      state.nodes[i + 1].wal_lsn = c.received[i];
      state.nodes[i + 1].replay_lsn = c.replayed[i];
    }
    FailoverPolicy policy;
    policy.priority = c.priority;
    policy.maximum_lag = c.maximum_lag;
    auto plan = plan_failover(state, failed_node(4), policy);
    ASSERT_EQ(plan.kind, Kind::kFailover) << c.name << ": " << plan.reason;
    EXPECT_EQ(plan.failed_primary, 0u) << c.name;
    EXPECT_EQ(plan.new_primary, c.winner) << c.name;
    EXPECT_EQ(plan.reason, "primary node0 failed (connection refused); promoting node" +
                               std::to_string(c.winner))
        << c.name;
  }
}

struct ObstacleCase {
  std::string name;
  void (*disqualify)(ClusterState&, HealthView&, FailoverPolicy&);  ///< applied to node1
  std::string obstacle;  ///< promotion_obstacle's answer for node1
};

// node1 is the most advanced standby; each case disqualifies it, so node2 must win.
TEST(PlanFailover, NeverAnIneligibleStandby) {
  const std::vector<ObstacleCase> cases = {
      {"no_failover",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[1].no_failover = true; },
       "it is flagged no_failover"},
      {"detached",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[1].detached = true; },
       "it is detached"},
      {"false primary",
       [](ClusterState& s, HealthView&, FailoverPolicy&) {
         s.nodes[1].role = NodeRole::kPrimary;
         s.nodes[1].false_primary = true;
       },
       "it is a false primary"},
      {"role unknown",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[1].role = NodeRole::kUnknown; },
       "it is not a standby"},
      {"out of recovery",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[1].role = NodeRole::kPrimary; },
       "it is not a standby"},
      {"health unknown",
       [](ClusterState&, HealthView& h, FailoverPolicy&) {
         h.nodes[1].state = HealthState::kUnknown;
       },
       "it is not healthy"},
      {"health failing",
       [](ClusterState&, HealthView& h, FailoverPolicy&) {
         h.nodes[1].state = HealthState::kFailing;
       },
       "it is not healthy"},
      {"health failed",
       [](ClusterState&, HealthView& h, FailoverPolicy&) {
         h.nodes[1] = health_of(HealthState::kFailed);
       },
       "it is not healthy"},
      {"unreachable by the monitor",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[1].reachable = false; },
       "it is not healthy"},
      {"further behind than maximum_lag",
       [](ClusterState& s, HealthView&, FailoverPolicy& p) {
         p.maximum_lag = 0x1000;
         s.nodes[1].wal_lsn = kPrimaryLsn - 0x1001;
         s.nodes[1].replay_lsn = kPrimaryLsn;  // the limit is on received WAL, not replay
       },
       "it is 4097 bytes behind the primary (maximum_lag 4096)"},
      {"unknown position with a lag limit",
       [](ClusterState& s, HealthView&, FailoverPolicy&) { s.nodes[1].wal_lsn.reset(); },
       "its lag behind the primary is unknown"},
      {"asynchronous in synchronous mode",
       [](ClusterState& s, HealthView&, FailoverPolicy& p) {
         p.synchronous_mode = true;
         s.nodes[2].sync_state = "sync";
       },
       "it is not a synchronous standby"},
      {"potential in synchronous mode",
       [](ClusterState& s, HealthView&, FailoverPolicy& p) {
         p.synchronous_mode = true;
         s.nodes[1].sync_state = "potential";
         s.nodes[2].sync_state = "quorum";
       },
       "it is not a synchronous standby"},
      {"no walsender in synchronous mode",
       [](ClusterState& s, HealthView&, FailoverPolicy& p) {
         p.synchronous_mode = true;
         s.nodes[1].sync_state = "";
         s.nodes[1].replication_state = "";
         s.nodes[2].sync_state = "sync";
       },
       "it is not a synchronous standby"},
      {"synchronous but catching up",
       [](ClusterState& s, HealthView&, FailoverPolicy& p) {
         p.synchronous_mode = true;
         s.nodes[1].sync_state = "sync";
         s.nodes[1].replication_state = "catchup";
         s.nodes[2].sync_state = "sync";
       },
       "it is not streaming (catchup)"},
  };
  for (const auto& c : cases) {
    auto state = healthy_cluster(3);
    state.nodes[2].wal_lsn = kPrimaryLsn - 1;  // node1 ranks first unless disqualified
    auto health = failed_node(3);
    FailoverPolicy policy;
    c.disqualify(state, health, policy);
    EXPECT_EQ(promotion_obstacle(state, health, policy, 0, 1), c.obstacle) << c.name;
    EXPECT_EQ(promotion_obstacle(state, health, policy, 0, 2), "") << c.name;
    auto plan = plan_failover(state, health, policy);
    ASSERT_EQ(plan.kind, Kind::kFailover) << c.name << ": " << plan.reason;
    EXPECT_EQ(plan.new_primary, 2u) << c.name;
  }
}

TEST(PromotionObstacle, NamesTheNodeItself) {
  auto state = healthy_cluster(3);
  auto health = all_healthy(3);
  EXPECT_EQ(promotion_obstacle(state, health, FailoverPolicy{}, 0, 3), "no such node");
  EXPECT_EQ(promotion_obstacle(state, health, FailoverPolicy{}, 0, 0), "it is the primary");
  EXPECT_EQ(promotion_obstacle(state, health, FailoverPolicy{}, 0, 1), "");
}

TEST(PromotionObstacle, SynchronousStandbysThatStreamAreEligible) {
  FailoverPolicy policy;
  policy.synchronous_mode = true;
  for (const char* sync_state : {"sync", "quorum"}) {
    auto state = healthy_cluster(2);
    state.nodes[1].sync_state = sync_state;
    EXPECT_EQ(promotion_obstacle(state, failed_node(2), policy, 0, 1), "") << sync_state;
  }
  auto state = healthy_cluster(2);
  EXPECT_EQ(promotion_obstacle(state, failed_node(2), FailoverPolicy{}, 0, 1), "")
      << "outside synchronous mode an asynchronous standby is fine";
}

struct LagCase {
  std::string name;
  std::optional<std::uint64_t> primary_lsn;
  std::optional<std::uint64_t> standby_lsn;
  std::uint64_t maximum_lag;
  bool eligible;
};

TEST(PromotionObstacle, MaximumLagBoundaries) {
  constexpr std::uint64_t P = kPrimaryLsn;
  const std::vector<LagCase> cases = {
      {"exactly at the limit", P, P - 0x1000, 0x1000, true},
      {"one byte over", P, P - 0x1001, 0x1000, false},
      {"caught up", P, P, 0x1000, true},
      {"ahead of the primary", P, P + 0x9000, 0x1000, true},
      {"no limit, far behind", P, 0, 0, true},
      {"no limit, standby position unknown", P, std::nullopt, 0, true},
      {"no limit, primary position unknown", std::nullopt, P, 0, true},
      {"standby position unknown", P, std::nullopt, 0x1000, false},
      {"primary position unknown", std::nullopt, P, 0x1000, false},
      {"both unknown", std::nullopt, std::nullopt, 0x1000, false},
      {"limit 1, one byte behind", P, P - 1, 1, true},
      {"limit 1, two bytes behind", P, P - 2, 1, false},
  };
  for (const auto& c : cases) {
    auto state = healthy_cluster(2);
    state.nodes[0].wal_lsn = c.primary_lsn;
    state.nodes[1].wal_lsn = c.standby_lsn;
    FailoverPolicy policy;
    policy.maximum_lag = c.maximum_lag;
    auto obstacle = promotion_obstacle(state, failed_node(2), policy, 0, 1);
    EXPECT_EQ(obstacle.empty(), c.eligible) << c.name << ": " << obstacle;
    auto plan = plan_failover(state, failed_node(2), policy);
    EXPECT_EQ(plan.kind, c.eligible ? Kind::kFailover : Kind::kHold) << c.name;
  }
}

// --- what happens to the other nodes ---------------------------------------------------------

TEST(PlanFailover, FollowersAndDetachedStandbys) {
  // node0 failed primary; node1 the winner; node2 a healthy standby; node3 a failed standby;
  // node4 a false primary; node5 a standby detached earlier; node6 of unknown role, failed.
  auto state = healthy_cluster(7);
  state.nodes[2].wal_lsn = kPrimaryLsn - 1;
  state.nodes[3].reachable = false;
  state.nodes[4].role = NodeRole::kPrimary;
  state.nodes[4].false_primary = true;
  state.nodes[5].detached = true;
  state.nodes[6].role = NodeRole::kUnknown;
  auto health = failed_node(7);
  health.nodes[3] = health_of(HealthState::kFailed);
  health.nodes[6] = health_of(HealthState::kFailed);
  auto plan = plan_failover(state, health, FailoverPolicy{});
  ASSERT_EQ(plan.kind, Kind::kFailover) << plan.reason;
  EXPECT_EQ(plan.new_primary, 1u);
  EXPECT_EQ(plan.followers, (Ids{2, 3, 5}));
  EXPECT_EQ(plan.detach, (Ids{3}));
}

TEST(PlanFailover, FailedStandbysAreDetachedWhateverThePrimary) {
  auto state = healthy_cluster(4);
  auto health = all_healthy(4);
  health.nodes[2] = health_of(HealthState::kFailed);
  health.nodes[3] = health_of(HealthState::kFailed);
  state.nodes[3].detached = true;  // already
  auto plan = plan_failover(state, health, FailoverPolicy{});
  EXPECT_EQ(plan.kind, Kind::kNothing);
  EXPECT_EQ(plan.detach, (Ids{2}));
  health.nodes[0] = health_of(HealthState::kFailed);
  FailoverPolicy disabled;
  disabled.enabled = false;
  plan = plan_failover(state, health, disabled);
  EXPECT_EQ(plan.kind, Kind::kHold);
  EXPECT_EQ(plan.detach, (Ids{2})) << "never the primary, even failed";
}

// --- generated sweep -------------------------------------------------------------------------

struct SweepNode {
  HealthState health;
  NodeRole role;
  std::optional<std::uint64_t> wal;
  std::optional<std::uint64_t> replay;
  int flag;  ///< 0 none, 1 no_failover, 2 detached
  std::string sync_state = "async";
  std::string replication_state = "streaming";
};

/// An independent statement of the eligibility rules (not promotion_obstacle).
bool eligible(const ClusterState& state, const HealthView& health, const FailoverPolicy& policy,
              std::size_t id) {
  const auto& node = state.nodes[id];
  const auto& primary = state.nodes[*state.primary];
  if (id == *state.primary || node.no_failover || node.detached || node.false_primary) {
    return false;
  }
  if (node.role != NodeRole::kStandby || !node.reachable) return false;
  if (health.nodes[id].state != HealthState::kHealthy) return false;
  if (policy.synchronous_mode) {
    if (node.sync_state != "sync" && node.sync_state != "quorum") return false;
    if (node.replication_state != "streaming") return false;
  }
  if (policy.maximum_lag > 0) {
    if (!node.wal_lsn || !primary.wal_lsn) return false;
    if (*node.wal_lsn<*primary.wal_lsn&& * primary.wal_lsn - *node.wal_lsn> policy.maximum_lag) {
      return false;
    }
  }
  return true;
}

auto rank(const ClusterState& state, const FailoverPolicy& policy, std::size_t id) {
  const auto& node = state.nodes[id];
  std::int32_t priority = id < policy.priority.size() ? policy.priority[id] : 0;
  return std::make_tuple(node.wal_lsn.value_or(0), node.replay_lsn.value_or(0), priority,
                         -static_cast<long>(id));
}

struct SweepCounts {
  std::size_t nothing = 0;
  std::size_t hold = 0;
  std::size_t failover = 0;
};

/// Builds the cluster, plans, and checks the plan against the rules stated independently.
void check_combination(const std::vector<SweepNode>& spec, const FailoverPolicy& policy,
                       SweepCounts& counts) {
  static const ClusterState kThreeNodes = testing::state_with(3);
  auto state = spec.size() == 3 ? kThreeNodes : testing::state_with(spec.size());
  HealthView health;
  for (std::size_t id = 0; id < spec.size(); ++id) {
    auto& node = state.nodes[id];
    const auto& s = spec[id];
    node.role = s.role;
    node.reachable = s.health != HealthState::kFailed;
    node.status = node.reachable ? NodeStatus::kUp : NodeStatus::kDown;
    node.wal_lsn = s.wal;
    node.replay_lsn = s.replay;
    node.no_failover = s.flag == 1;
    node.detached = s.flag == 2;
    node.sync_state = s.sync_state;
    node.replication_state = s.replication_state;
    if (s.role == NodeRole::kPrimary && !state.primary) state.primary = id;
    node.false_primary = s.role == NodeRole::kPrimary && state.primary != id;
    health.nodes.push_back(health_of(s.health));
  }
  auto plan = plan_failover(state, health, policy);
  auto where = [&] {
    std::string out = plan.reason + " |";
    for (const auto& s : spec) {
      out += " " + std::string(to_string(s.health)) + "/" + std::string(to_string(s.role)) + "/" +
             std::to_string(s.wal.value_or(0)) + "/" + std::to_string(s.replay.value_or(0)) + "/f" +
             std::to_string(s.flag) + "/" + s.sync_state + "/" + s.replication_state;
    }
    return out + " | maximum_lag " + std::to_string(policy.maximum_lag);
  };

  Ids detach;
  for (std::size_t id = 0; id < spec.size(); ++id) {
    if (spec[id].health == HealthState::kFailed && state.primary != id && spec[id].flag != 2 &&
        spec[id].role == NodeRole::kStandby) {
      detach.push_back(id);
    }
  }
  ASSERT_EQ(plan.detach, detach) << where();
  bool primary_failed = state.primary && spec[*state.primary].health == HealthState::kFailed;
  if (!primary_failed) {
    ++counts.nothing;
    ASSERT_EQ(plan.kind, Kind::kNothing) << where();
    ASSERT_FALSE(plan.new_primary) << where();
    return;
  }
  std::size_t primary = *state.primary;
  ASSERT_EQ(plan.failed_primary, primary) << where();
  ASSERT_FALSE(plan.reason.empty()) << where();
  Ids candidates;
  for (std::size_t id = 0; id < spec.size(); ++id) {
    bool ok = eligible(state, health, policy, id);
    if (ok) candidates.push_back(id);
    ASSERT_EQ(promotion_obstacle(state, health, policy, primary, id).empty(), ok)
        << "node" << id << ": " << where();
  }
  if (candidates.empty() || state.nodes[primary].no_failover) {
    ++counts.hold;
    ASSERT_EQ(plan.kind, Kind::kHold) << where();
    ASSERT_FALSE(plan.new_primary) << where();
    ASSERT_TRUE(plan.followers.empty()) << where();
    return;
  }
  ++counts.failover;
  ASSERT_EQ(plan.kind, Kind::kFailover) << where();
  ASSERT_TRUE(plan.new_primary) << where();
  std::size_t winner = *plan.new_primary;
  ASSERT_NE(winner, primary) << where();
  ASSERT_TRUE(std::find(candidates.begin(), candidates.end(), winner) != candidates.end())
      << where();
  for (auto id : candidates) {
    ASSERT_FALSE(rank(state, policy, winner) < rank(state, policy, id))
        << "node" << id << " ranks above the winner: " << where();
  }
  Ids followers;
  for (std::size_t id = 0; id < spec.size(); ++id) {
    if (id != primary && id != winner && spec[id].role == NodeRole::kStandby &&
        !state.nodes[id].false_primary) {
      followers.push_back(id);
    }
  }
  ASSERT_EQ(plan.followers, followers) << where();
  ASSERT_TRUE(std::find(plan.detach.begin(), plan.detach.end(), winner) == plan.detach.end());
}

constexpr std::array kHealths = {HealthState::kUnknown, HealthState::kHealthy,
                                 HealthState::kFailing, HealthState::kFailed};
constexpr std::array kRoles = {NodeRole::kPrimary, NodeRole::kStandby};

TEST(PlanFailoverSweep, EveryCombinationOfThreeNodes) {
  // Per node: health x role x (received, replayed) x flag; the lag limit on and off.
  struct Lsns {
    std::optional<std::uint64_t> wal;
    std::optional<std::uint64_t> replay;
  };
  const std::array<Lsns, 4> lsns = {
      {{std::nullopt, std::nullopt}, {0x100, 0x100}, {0x100, 0x80}, {0x2000, 0x2000}}};
  constexpr std::size_t kPerNode = kHealths.size() * kRoles.size() * 4 * 3;
  auto node = [&](std::size_t digit) {
    SweepNode s{kHealths[digit % 4], kRoles[digit / 4 % 2], lsns[digit / 8 % 4].wal,
                lsns[digit / 8 % 4].replay, static_cast<int>(digit / 32 % 3)};
    return s;
  };
  SweepCounts counts;
  for (std::uint64_t maximum_lag : {std::uint64_t{0}, std::uint64_t{0x1000}}) {
    FailoverPolicy policy;
    policy.maximum_lag = maximum_lag;
    policy.priority = {0, 2, 1};
    for (std::size_t combination = 0; combination < kPerNode * kPerNode * kPerNode; ++combination) {
      std::vector<SweepNode> spec = {node(combination % kPerNode),
                                     node(combination / kPerNode % kPerNode),
                                     node(combination / kPerNode / kPerNode)};
      check_combination(spec, policy, counts);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(counts.nothing, 0u);
  EXPECT_GT(counts.hold, 0u);
  EXPECT_GT(counts.failover, 0u);
}

TEST(PlanFailoverSweep, SynchronousModeOverThreeNodes) {
  // Per node: health x role x sync_state x replication_state, positions all different.
  const std::array<std::string, 4> sync_states = {"", "async", "sync", "quorum"};
  const std::array<std::string, 2> replication_states = {"streaming", "catchup"};
  constexpr std::size_t kPerNode = 4 * 2 * 4 * 2;
  auto node = [&](std::size_t digit, std::uint64_t lsn) {
    SweepNode s{kHealths[digit % 4], kRoles[digit / 4 % 2], lsn, lsn, 0};
    s.sync_state = sync_states[digit / 8 % 4];
    s.replication_state = replication_states[digit / 32 % 2];
    return s;
  };
  SweepCounts counts;
  FailoverPolicy policy;
  policy.synchronous_mode = true;
  policy.maximum_lag = 0;
  for (std::size_t combination = 0; combination < kPerNode * kPerNode * kPerNode; ++combination) {
    std::vector<SweepNode> spec = {node(combination % kPerNode, 0x300),
                                   node(combination / kPerNode % kPerNode, 0x100),
                                   node(combination / kPerNode / kPerNode, 0x200)};
    check_combination(spec, policy, counts);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(counts.hold, 0u);
  EXPECT_GT(counts.failover, 0u);
}

TEST(PlanFailoverSweep, GlobalHoldsOverThreeNodes) {
  // The same node domain as the first sweep (no lag limit) under each global hold condition:
  // never a failover, and a hold exactly when the primary failed.
  struct Global {
    std::string name;
    bool enabled;
    bool primary_no_failover;
    std::uint32_t recent_changes;
    bool quorum;
  };
  const std::vector<Global> globals = {{"disabled", false, false, 0, true},
                                       {"primary no_failover", true, true, 0, true},
                                       {"flapping", true, false, 6, true},
                                       {"no quorum", true, false, 0, false}};
  constexpr std::size_t kPerNode = 4 * 2 * 2;
  for (const auto& global : globals) {
    FailoverPolicy policy;
    policy.enabled = global.enabled;
    policy.maximum_lag = 0;
    for (std::size_t combination = 0; combination < kPerNode * kPerNode * kPerNode; ++combination) {
      auto state = testing::state_with(3);
      HealthView health;
      health.quorum = global.quorum;
      std::size_t digits = combination;
      for (auto& node : state.nodes) {
        std::size_t digit = digits % kPerNode;
        digits /= kPerNode;
        node.role = kRoles[digit / 4 % 2];
        node.reachable = true;
        node.wal_lsn = node.replay_lsn = 0x100 * (digit / 8 + 1);
        if (node.role == NodeRole::kPrimary && !state.primary) state.primary = node.id;
        node.false_primary = node.role == NodeRole::kPrimary && state.primary != node.id;
        health.nodes.push_back(health_of(kHealths[digit % 4], global.recent_changes));
      }
      if (state.primary) state.nodes[*state.primary].no_failover = global.primary_no_failover;
      auto plan = plan_failover(state, health, policy);
      bool primary_failed =
          state.primary && health.nodes[*state.primary].state == HealthState::kFailed;
      ASSERT_EQ(plan.kind, primary_failed ? Kind::kHold : Kind::kNothing)
          << global.name << " " << combination;
      ASSERT_FALSE(plan.new_primary) << global.name << " " << combination;
    }
  }
}

}  // namespace
}  // namespace pgw::cluster
