#include "cluster/apply_observations.hpp"

#include <algorithm>
#include <array>

#include <gtest/gtest.h>

#include "cluster_test_util.hpp"

namespace pgw::cluster {
namespace {

using namespace testing;
using std::chrono::seconds;

const auto kLater = kStart + seconds(5);
const auto kSteadyLater = kSteadyStart + seconds(5);

ClusterState observe_round(const ClusterState& previous,
                           const std::vector<NodeObservation>& observations,
                           std::chrono::system_clock::time_point now = kStart,
                           std::chrono::steady_clock::time_point steady_now = kSteadyStart) {
  return apply_observations(previous, observations, now, steady_now);
}

TEST(ApplyObservations, DiscoversRolesWhateverTheConfigOrder) {
  // The config lists the standbys first; the primary is the last backend.
  auto next =
      observe_round(state_with(3), {standby(0x3000, 0x3000), standby(0x2000, 0x1000),
                                    primary(0x3000, {walsender("node0"), walsender("node1")})});
  ASSERT_EQ(next.primary, 2u);
  EXPECT_EQ(next.nodes[0].role, NodeRole::kStandby);
  EXPECT_EQ(next.nodes[1].role, NodeRole::kStandby);
  EXPECT_EQ(next.nodes[2].role, NodeRole::kPrimary);
  for (const auto& node : next.nodes) {
    EXPECT_EQ(node.status, NodeStatus::kUp) << node.name;
    EXPECT_TRUE(node.reachable) << node.name;
    EXPECT_FALSE(node.false_primary) << node.name;
    EXPECT_EQ(node.sampled_at, kSteadyStart) << node.name;
  }
  EXPECT_EQ(next.sampled_at, kSteadyStart);
  EXPECT_EQ(next.generation, 0u) << "the store sets the generation";
}

TEST(ApplyObservations, NoPrimaryWhenEveryNodeIsInRecovery) {
  auto next = observe_round(state_with(2), {standby(0x10, 0x10), standby(0x10, 0x10)});
  EXPECT_FALSE(next.primary);
  EXPECT_FALSE(next.nodes[0].lag_bytes);
  EXPECT_FALSE(next.nodes[1].lag_bytes);
  EXPECT_FALSE(next.nodes[0].false_primary);
}

TEST(ApplyObservations, ReplayAndWalPositionsFollowTheRole) {
  auto next = observe_round(state_with(2), {primary(0x5000, {}, 3), standby(0x4800, 0x4000, 3)});
  EXPECT_EQ(next.nodes[0].wal_lsn, 0x5000u);
  EXPECT_EQ(next.nodes[0].replay_lsn, 0x5000u) << "a primary's replay position is its WAL's";
  EXPECT_EQ(next.nodes[0].timeline, 3u);
  EXPECT_EQ(next.nodes[1].wal_lsn, 0x4800u);
  EXPECT_EQ(next.nodes[1].replay_lsn, 0x4000u);
}

// --- status transitions -------------------------------------------------------------------

TEST(ApplyObservations, StatusFollowsReachabilityAndStampsChanges) {
  auto first = observe_round(state_with(2), {primary(0x100), standby(0x100, 0x100)});
  EXPECT_EQ(first.nodes[1].status, NodeStatus::kUp);
  EXPECT_EQ(first.nodes[1].last_status_change, kStart) << "waiting -> up is a change";

  auto same = observe_round(first, {primary(0x200), standby(0x200, 0x200)}, kLater, kSteadyLater);
  EXPECT_EQ(same.nodes[1].last_status_change, kStart) << "nothing changed";
  EXPECT_EQ(same.nodes[1].sampled_at, kSteadyLater);

  auto down =
      observe_round(same, {primary(0x300), unreachable()}, kLater + seconds(1), kSteadyLater);
  const auto& lost = down.nodes[1];
  EXPECT_EQ(lost.status, NodeStatus::kDown);
  EXPECT_FALSE(lost.reachable);
  EXPECT_EQ(lost.role, NodeRole::kStandby) << "the last known role stays";
  EXPECT_EQ(lost.last_status_change, kLater + seconds(1));
  EXPECT_EQ(lost.replay_lsn, 0x200u) << "the last known positions stay";
  EXPECT_FALSE(lost.lag_bytes) << "lag is unknown";
  EXPECT_FALSE(lost.lag_seconds);
  EXPECT_EQ(lost.sampled_at, kSteadyLater) << "when it was last read";

  auto still_down =
      observe_round(down, {primary(0x300), unreachable("timeout")}, kLater + seconds(2));
  EXPECT_EQ(still_down.nodes[1].last_status_change, kLater + seconds(1));

  auto back =
      observe_round(still_down, {primary(0x300), standby(0x300, 0x300)}, kLater + seconds(3));
  EXPECT_EQ(back.nodes[1].status, NodeStatus::kUp);
  EXPECT_TRUE(back.nodes[1].reachable);
  EXPECT_EQ(back.nodes[1].last_status_change, kLater + seconds(3));
}

TEST(ApplyObservations, NeverReachedNodesGoFromWaitingToDown) {
  auto next = observe_round(state_with(2), {primary(0x100), unreachable()}, kLater);
  EXPECT_EQ(next.nodes[1].status, NodeStatus::kDown);
  EXPECT_EQ(next.nodes[1].role, NodeRole::kUnknown);
  EXPECT_EQ(next.nodes[1].last_status_change, kLater);
  EXPECT_EQ(next.nodes[1].sampled_at, std::chrono::steady_clock::time_point{});
}

TEST(ApplyObservations, ARoleChangeStampsTheNode) {
  auto first = observe_round(state_with(2), {primary(0x100), standby(0x100, 0x100)});
  // node0 lost, node1 promoted behind pgwarden's back: node1's role changes (stamped), but the
  // primary stays node0 until failover moves it, and node1 is a false primary meanwhile.
  auto promoted = observe_round(first, {unreachable(), primary(0x200, {}, 2)}, kLater);
  EXPECT_EQ(promoted.primary, 0u);
  EXPECT_EQ(promoted.nodes[1].role, NodeRole::kPrimary);
  EXPECT_TRUE(promoted.nodes[1].false_primary);
  EXPECT_EQ(promoted.nodes[1].status, NodeStatus::kUp);
  EXPECT_EQ(promoted.nodes[1].last_status_change, kLater);
  EXPECT_EQ(promoted.nodes[0].role, NodeRole::kPrimary) << "last known";
  EXPECT_FALSE(promoted.nodes[0].false_primary) << "unreachable nodes get no traffic anyway";
}

TEST(ApplyObservations, KeepsUnusedNodesUnused) {
  auto state = state_with(2);
  state.nodes[1].status = NodeStatus::kUnused;
  auto next = observe_round(state, {primary(0x100), standby(0x100, 0x80)}, kLater);
  EXPECT_EQ(next.nodes[1].status, NodeStatus::kUnused);
  EXPECT_EQ(next.nodes[1].role, NodeRole::kStandby) << "still probed";
  EXPECT_EQ(next.nodes[1].replay_lsn, 0x80u);
  next = observe_round(next, {primary(0x100), unreachable()}, kLater);
  EXPECT_EQ(next.nodes[1].status, NodeStatus::kUnused);
  EXPECT_FALSE(next.nodes[1].reachable);
}

// --- the primary when it is lost ----------------------------------------------------------

TEST(ApplyObservations, AnUnreachablePrimaryStaysThePrimaryUntilAnotherAppears) {
  auto first = observe_round(state_with(2), {primary(0x100), standby(0x100, 0x100)});
  auto lost = observe_round(first, {unreachable(), standby(0x100, 0x100)}, kLater, kSteadyLater);
  ASSERT_EQ(lost.primary, 0u);
  EXPECT_EQ(lost.nodes[0].status, NodeStatus::kDown);
  EXPECT_EQ(lost.sampled_at, kSteadyStart) << "the primary was not read in this round";
  EXPECT_FALSE(lost.nodes[1].lag_bytes);
  EXPECT_EQ(lost.nodes[1].replication_state, "");
}

TEST(ApplyObservations, ADemotedPrimaryLeavesNoPrimary) {
  auto first = observe_round(state_with(2), {primary(0x100), standby(0x100, 0x100)});
  auto next = observe_round(first, {standby(0x100, 0x100), standby(0x100, 0x100)});
  EXPECT_FALSE(next.primary);
}

// --- false primaries, every order ---------------------------------------------------------

/// Three logical nodes A, B, C placed in the config in every order.
struct LogicalNode {
  bool reachable = true;
  bool out_of_recovery = false;
  std::uint32_t timeline = 1;
  std::vector<int> followers;  ///< logical nodes listed in its pg_stat_replication
};

struct FalsePrimaryCase {
  std::string name;
  std::array<LogicalNode, 3> nodes;
  int previous_primary = -1;  ///< logical index, -1: none
  /// Logical indexes that may be chosen; with several, the lowest config position wins.
  std::vector<int> expected;
};

void check_every_order(const FalsePrimaryCase& c) {
  std::array<int, 3> position = {0, 1, 2};  // position[logical] = config index
  do {
    auto state = state_with(3);
    if (c.previous_primary >= 0)
      state.primary = static_cast<std::size_t>(position[c.previous_primary]);
    std::vector<NodeObservation> observations(3);
    for (int logical = 0; logical < 3; ++logical) {
      const auto& node = c.nodes[logical];
      auto& observation = observations[position[logical]];
      if (!node.reachable) {
        observation = unreachable();
        continue;
      }
      std::vector<ReplicationRow> rows;
      for (int follower : node.followers)
        rows.push_back(walsender("node" + std::to_string(position[follower])));
      observation = node.out_of_recovery ? primary(0x100, rows, node.timeline)
                                         : standby(0x100, 0x100, node.timeline);
      observation.replication = rows;
    }
    std::size_t expected = 99;
    for (int logical : c.expected)
      expected = std::min(expected, static_cast<std::size_t>(position[logical]));

    auto next = observe_round(state, observations);
    std::string order = "A@" + std::to_string(position[0]) + " B@" + std::to_string(position[1]) +
                        " C@" + std::to_string(position[2]);
    ASSERT_EQ(next.primary, expected) << c.name << ", " << order;
    int primaries = 0;
    for (int logical = 0; logical < 3; ++logical) {
      const auto& node = next.nodes[position[logical]];
      bool out = c.nodes[logical].reachable && c.nodes[logical].out_of_recovery;
      EXPECT_EQ(node.false_primary, out && node.id != expected) << c.name << ", " << order;
      primaries += node.role == NodeRole::kPrimary && !node.false_primary && node.reachable;
    }
    EXPECT_LE(primaries, 1) << c.name << ", " << order;
  } while (std::next_permutation(position.begin(), position.end()));
}

constexpr int kA = 0;
constexpr int kB = 1;
constexpr int kC = 2;

TEST(ApplyObservations, FalsePrimaryTheOldPrimaryStaysWhileOutOfRecovery) {
  // B was promoted by hand (newer timeline, even C streams from it): A keeps the role.
  check_every_order({"previous primary kept",
                     {{{true, true, 1, {}}, {true, true, 2, {kC}}, {true, false, 2, {}}}},
                     kA,
                     {kA}});
}

TEST(ApplyObservations, FalsePrimaryPrefersTheOneStandbysStreamFrom) {
  check_every_order({"followers first",
                     {{{true, true, 5, {}}, {true, true, 1, {kC}}, {true, false, 1, {}}}},
                     -1,
                     {kB}});
  // The previous primary is unreachable: it keeps the role (failover decides, with health
  // checks and lag limits); both nodes out of recovery are false primaries meanwhile.
  check_every_order({"previous primary unreachable",
                     {{{true, true, 1, {kC}}, {true, true, 9, {}}, {false, false, 1, {}}}},
                     kC,
                     {kC}});
  // The previous primary came back in recovery (rebuilt as a standby): not kept.
  check_every_order({"previous primary demoted",
                     {{{true, false, 1, {}}, {true, true, 1, {}}, {true, true, 1, {kA}}}},
                     kA,
                     {kC}});
}

TEST(ApplyObservations, FalsePrimaryThenTheHigherTimeline) {
  check_every_order({"higher timeline",
                     {{{true, true, 2, {}}, {true, true, 3, {}}, {true, false, 3, {}}}},
                     -1,
                     {kB}});
  check_every_order({"followers tie, then timeline",
                     {{{true, true, 4, {kC}}, {true, true, 3, {kC}}, {true, false, 3, {}}}},
                     -1,
                     {kA}});
}

TEST(ApplyObservations, FalsePrimaryThenTheLowestId) {
  check_every_order({"lowest id",
                     {{{true, true, 1, {}}, {true, true, 1, {}}, {true, false, 1, {}}}},
                     -1,
                     {kA, kB}});
  check_every_order({"three primaries",
                     {{{true, true, 1, {}}, {true, true, 1, {}}, {true, true, 1, {}}}},
                     -1,
                     {kA, kB, kC}});
}

TEST(ApplyObservations, AFalsePrimaryGetsNoLag) {
  auto next = observe_round(state_with(3), {primary(0x900, {walsender("node2")}),
                                            primary(0x950, {}, 2), standby(0x900, 0x900)});
  ASSERT_EQ(next.primary, 0u);
  EXPECT_TRUE(next.nodes[1].false_primary);
  EXPECT_EQ(next.nodes[1].role, NodeRole::kPrimary);
  EXPECT_FALSE(next.nodes[1].lag_bytes);
  EXPECT_EQ(next.nodes[1].replication_state, "");
}

// --- lag and walsender state --------------------------------------------------------------

TEST(ApplyObservations, ComputesLagFromThePrimarysPosition) {
  auto next = observe_round(
      state_with(4), {primary(0x1'0000'3000, {walsender("node1", "streaming", "async", 0.25),
                                              walsender("node2", "streaming", "sync", 0.5),
                                              walsender("node3", "catchup", "async")}),
                      standby(0x1'0000'3000, 0x1'0000'1000), standby(0x1'0000'4000, 0x1'0000'4000),
                      standby(0x1'0000'2000, 0x1'0000'1000)});
  EXPECT_EQ(next.nodes[0].lag_bytes, 0u) << "the primary";
  EXPECT_EQ(next.nodes[0].lag_seconds, 0.0);
  EXPECT_EQ(next.nodes[1].lag_bytes, 0x2000u);
  EXPECT_EQ(next.nodes[1].lag_seconds, 0.25);
  EXPECT_EQ(next.nodes[2].lag_bytes, 0u) << "ahead of the primary's reading: 0";
  EXPECT_EQ(next.nodes[2].lag_seconds, 0.0) << "caught up: 0 whatever replay_lag says";
  EXPECT_EQ(next.nodes[3].lag_bytes, 0x2000u);
  EXPECT_FALSE(next.nodes[3].lag_seconds) << "replay_lag NULL while behind: unknown";
}

TEST(ApplyObservations, LagNeedsAReplayPosition) {
  auto next = observe_round(
      state_with(2), {primary(0x3000, {walsender("node1")}), standby(std::nullopt, std::nullopt)});
  EXPECT_FALSE(next.nodes[1].lag_bytes);
  EXPECT_FALSE(next.nodes[1].lag_seconds);
  EXPECT_EQ(next.nodes[1].replication_state, "streaming");
}

TEST(ApplyObservations, MatchesWalsendersByApplicationName) {
  auto state = state_with(3);
  state.nodes[2].application_name = "replica_b";  // [[backends]] application_name
  auto next = observe_round(state, {primary(0x100, {walsender("replica_b", "streaming", "sync"),
                                                    walsender("node1", "backup", "async"),
                                                    walsender("node1", "streaming", "potential"),
                                                    walsender("node2", "streaming", "quorum")}),
                                    standby(0x100, 0x100), standby(0x100, 0x100)});
  EXPECT_EQ(next.nodes[1].replication_state, "streaming") << "a streaming row preferred";
  EXPECT_EQ(next.nodes[1].sync_state, "potential");
  EXPECT_EQ(next.nodes[2].replication_state, "streaming");
  EXPECT_EQ(next.nodes[2].sync_state, "sync") << "not node2's row: its name is replica_b";
  EXPECT_EQ(next.nodes[0].replication_state, "");
}

TEST(ApplyObservations, AStandbyThePrimaryDoesNotListHasNoWalsenderState) {
  auto first =
      observe_round(state_with(2), {primary(0x100, {walsender("node1")}), standby(0x100, 0x100)});
  EXPECT_EQ(first.nodes[1].replication_state, "streaming");
  EXPECT_EQ(first.nodes[1].sync_state, "async");
  auto next = observe_round(first, {primary(0x100), standby(0x100, 0x100)});
  EXPECT_EQ(next.nodes[1].replication_state, "");
  EXPECT_EQ(next.nodes[1].sync_state, "");
}

TEST(ApplyObservations, AnUnreachableStandbyKeepsTheWalsenderStateThePrimaryReports) {
  auto next = observe_round(state_with(2),
                            {primary(0x100, {walsender("node1", "catchup")}), unreachable()});
  EXPECT_EQ(next.nodes[1].replication_state, "catchup");
  EXPECT_FALSE(next.nodes[1].lag_bytes);
}

}  // namespace
}  // namespace pgw::cluster
