#include "cluster/cluster_manager.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cluster/health_checker.hpp"
#include "manager_harness.hpp"

namespace pgw::cluster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::manager_config;
using namespace std::chrono_literals;
using testing::ManagerHarness;

// --- expand_hook_command ---------------------------------------------------------------------

config::Config hook_config() {
  auto config = testing::config_with(3);
  for (std::size_t id = 0; id < 3; ++id)
    config.backends[id].data_directory = "/data/node" + std::to_string(id);
  return config;
}

TEST(ExpandHookCommand, EveryPlaceholder) {
  auto config = hook_config();
  auto state = initial_state(config);
  EXPECT_EQ(
      expand_hook_command("f %d %h %p %D new %m %H %r old %P %N %S %%", state, config, 0, 2, 1),
      "f 0 10.0.0.1 5432 /data/node0 new 1 10.0.0.2 5433 old 2 10.0.0.3 5434 %");
}

TEST(ExpandHookCommand, MissingNodesAreMinusOneOrEmpty) {
  auto config = hook_config();
  auto state = initial_state(config);
  EXPECT_EQ(expand_hook_command("[%d][%h][%p][%D][%m][%H][%r][%P][%N][%S]", state, config,
                                std::nullopt, std::nullopt, std::nullopt),
            "[-1][][][][-1][][][-1][][]");
}

TEST(ExpandHookCommand, PercentSignsAndUnknownPlaceholders) {
  auto config = hook_config();
  auto state = initial_state(config);
  auto expand = [&](const std::string& command) {
    return expand_hook_command(command, state, config, 0, 0, 1);
  };
  EXPECT_EQ(expand(""), "");
  EXPECT_EQ(expand("no placeholders"), "no placeholders");
  EXPECT_EQ(expand("100%%"), "100%");
  EXPECT_EQ(expand("%%d"), "%d") << "%% is a literal percent, not the start of %d";
  EXPECT_EQ(expand("%%%d"), "%0");
  EXPECT_EQ(expand("%x %Z %1"), "%x %Z %1") << "unknown placeholders are kept";
  EXPECT_EQ(expand("end %"), "end %") << "a trailing percent is kept";
  EXPECT_EQ(expand("%d%m"), "01");
}

// --- HealthChecker::classify -----------------------------------------------------------------

struct ClassifyCase {
  pgclient::QueryError::Kind kind;
  std::string sqlstate;
  std::string message;
  HealthFailure expected;
};

TEST(HealthCheckerClassify, Table) {
  using Kind = pgclient::QueryError::Kind;
  const std::vector<ClassifyCase> cases = {
      {Kind::kConnection, "08006", "connect to 127.0.0.1:5432: Connection refused",
       HealthFailure::kRefused},
      {Kind::kConnection, "08006", "read: Connection reset by peer", HealthFailure::kReset},
      {Kind::kConnection, "08006", "the server closed the connection", HealthFailure::kReset},
      {Kind::kConnection, "08006", "write: Broken pipe", HealthFailure::kReset},
      {Kind::kConnection, "08006", "read: End of file", HealthFailure::kReset},
      {Kind::kTimeout, "57014", "query did not finish within 2000 ms", HealthFailure::kTimeout},
      {Kind::kTimeout, "08006", "connect: Connection refused", HealthFailure::kTimeout},
      {Kind::kConnection, "08006", "connect to 10.0.0.1:5432 timed out", HealthFailure::kTimeout},
      {Kind::kServer, "28P01", "password authentication failed for user \"monitor\"",
       HealthFailure::kLogin},
      {Kind::kServer, "28000", "no pg_hba.conf entry for host \"10.0.0.9\"", HealthFailure::kLogin},
      {Kind::kServer, "28P01", "password authentication failed for user \"reset_bot\"",
       HealthFailure::kLogin},
      {Kind::kServer, "28000", "role \"refused\" does not exist", HealthFailure::kLogin},
      {Kind::kServer, "3D000", "database \"nope\" does not exist", HealthFailure::kOther},
      {Kind::kServer, "57P03", "the database system is starting up", HealthFailure::kOther},
      {Kind::kProtocol, "08P01", "unexpected message 'X'", HealthFailure::kOther},
      {Kind::kConnection, "08006", "Name or service not known", HealthFailure::kOther},
  };
  for (const auto& c : cases) {
    pgclient::QueryError error{c.kind, c.sqlstate, c.message};
    EXPECT_EQ(HealthChecker::classify(error), c.expected) << c.message;
  }
}

TEST(HealthFailureToString, EveryValue) {
  EXPECT_EQ(to_string(HealthFailure::kNone), "none");
  EXPECT_EQ(to_string(HealthFailure::kRefused), "connection refused");
  EXPECT_EQ(to_string(HealthFailure::kReset), "connection reset");
  EXPECT_EQ(to_string(HealthFailure::kTimeout), "timed out");
  EXPECT_EQ(to_string(HealthFailure::kLogin), "login failed");
  EXPECT_EQ(to_string(HealthFailure::kOther), "failed");
}

// --- the harness's own check ----------------------------------------------------------------

TEST(ManagerHarness, FlagsEverySnapshotWithTwoPrimariesUp) {
  auto state = testing::state_with(3);
  state.primary = 0;
  state.nodes[0].role = NodeRole::kPrimary;
  state.nodes[0].status = NodeStatus::kUp;
  EXPECT_EQ(ManagerHarness::snapshot_problem(state), "");
  state.nodes[1].role = NodeRole::kPrimary;
  state.nodes[1].status = NodeStatus::kDown;
  EXPECT_EQ(ManagerHarness::snapshot_problem(state), "") << "a former primary, down";
  state.nodes[1].status = NodeStatus::kUp;
  state.nodes[1].false_primary = true;
  EXPECT_EQ(ManagerHarness::snapshot_problem(state), "") << "a false primary gets no traffic";
  state.nodes[1].false_primary = false;
  EXPECT_EQ(ManagerHarness::snapshot_problem(state),
            "node1 is up as a primary; two primaries up; ");
  state.nodes[0].status = NodeStatus::kDown;
  EXPECT_EQ(ManagerHarness::snapshot_problem(state), "node1 is up as a primary; ");
}

// --- ClusterManager: publishing --------------------------------------------------------------

TEST(ClusterManager, HealthChecksDecideUpAndDown) {
  ManagerHarness h(manager_config(3));
  h.round();
  EXPECT_EQ(h.snapshot()->primary, 0u);
  h.start();
  for (const auto& node : h.snapshot()->nodes)
    EXPECT_EQ(node.status, NodeStatus::kUp) << node.name;
  // A monitor probe that did not answer does not take a healthy node out of service...
  h.world[2] = testing::unreachable("timed out");
  h.round();
  EXPECT_EQ(h.snapshot()->nodes[2].status, NodeStatus::kUp);
  // ... a failed health check does, at once.
  h.report(2, HealthState::kFailed);
  EXPECT_EQ(h.snapshot()->nodes[2].status, NodeStatus::kDown);
  h.report(2, HealthState::kHealthy);
  EXPECT_EQ(h.snapshot()->nodes[2].status, NodeStatus::kUp);
  h.settle();
  EXPECT_THAT(h.event_kinds(), ElementsAre("node_failed", "node_recovered"));
  EXPECT_TRUE(h.fake.calls().empty()) << "a failed standby needs no actuator";
}

TEST(ClusterManager, EventLogSinceReturnsOnlyLaterEvents) {
  ManagerHarness h(manager_config(3));
  h.start();
  EXPECT_TRUE(h.events.since(0).empty());
  h.report(1, HealthState::kFailed);
  auto mark = h.last_event();
  h.report(1, HealthState::kHealthy);
  auto later = h.events.since(mark);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].kind, "node_recovered");
  EXPECT_EQ(later[0].node, 1u);
  EXPECT_FALSE(later[0].warning);
  EXPECT_EQ(later[0].message, "node1 answers its health checks again");
  EXPECT_TRUE(h.events.since(later[0].id).empty());
  auto all = h.events.since(0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_TRUE(all[0].warning);
  EXPECT_EQ(all[0].message, "node1 failed its health checks: connection refused");
}

// --- automatic failover ----------------------------------------------------------------------

TEST(ClusterManager, FailoverFencesPromotesThenRepoints) {
  ManagerHarness h(manager_config(3));
  h.start();
  auto mark = h.last_event();
  auto probes = h.probe_requests;
  h.kill(0);
  h.settle();

  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 1", "follow 2 1"));
  // Clients wait from the start; the last look happens with the old primary still the primary.
  EXPECT_TRUE(h.at_call(0).failover_in_progress);
  EXPECT_EQ(h.at_call(0).primary, 0u);
  // The old primary is out of service before anything is promoted.
  for (std::size_t call : {1u, 2u}) {
    const auto& state = h.at_call(call);
    EXPECT_TRUE(state.nodes[0].detached) << call;
    EXPECT_EQ(state.nodes[0].status, NodeStatus::kDown) << call;
    EXPECT_EQ(state.primary, 0u) << call;
    EXPECT_TRUE(state.failover_in_progress) << call;
  }
  // Followers are re-pointed once the new primary is published.
  const auto& repointing = h.at_call(3);
  EXPECT_EQ(repointing.primary, 1u);
  EXPECT_EQ(repointing.nodes[1].role, NodeRole::kPrimary);
  EXPECT_EQ(repointing.nodes[1].status, NodeStatus::kUp);
  EXPECT_FALSE(repointing.failover_in_progress);

  auto final_state = h.snapshot();
  EXPECT_EQ(final_state->primary, 1u);
  EXPECT_EQ(final_state->nodes[0].status, NodeStatus::kDown);
  EXPECT_TRUE(final_state->nodes[0].detached);
  EXPECT_EQ(final_state->nodes[2].status, NodeStatus::kUp);
  EXPECT_EQ(final_state->nodes[2].role, NodeRole::kStandby);
  EXPECT_FALSE(final_state->failover_in_progress);
  EXPECT_FALSE(h.manager->busy());
  EXPECT_THAT(h.event_kinds(mark),
              ElementsAre("node_failed", "failover", "follow", "failover_done"));
  auto done = h.events_of("failover_done", mark);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].node, 1u);
  EXPECT_THAT(done[0].message, HasSubstr("node1 is the new primary"));
  EXPECT_THAT(h.fake.hooks(), ElementsAre("hook 0 0 1"));
  EXPECT_GE(h.probe_requests, probes + 2) << "fresh positions before, a new round after";

  // In the published snapshots: "failover in progress" before the old primary goes, never a
  // snapshot with the new primary up while the old one is.
  bool paused = false;
  for (const auto& snapshot : h.snapshots) {
    if (snapshot->failover_in_progress) paused = true;
    if (snapshot->nodes[0].detached) {
      EXPECT_TRUE(paused) << snapshot->generation;
    }
  }
}

TEST(ClusterManager, FailoverPromotesTheMostAdvancedStandby) {
  ManagerHarness h(manager_config(4));
  h.world[2].wal_lsn = ManagerHarness::kLsn + 0x10;  // received more than the others
  h.world[3].replay_lsn = ManagerHarness::kLsn - 0x10;
  h.start();
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(),
              ElementsAre("answers 0", "fence 0", "promote 2", "follow 1 2", "follow 3 2"));
  EXPECT_EQ(h.snapshot()->primary, 2u);
}

TEST(ClusterManager, WithoutFreshPositionsFailoverStillProceeds) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.monitor_answers = false;  // the immediate round never comes: waited for, bounded
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 1", "follow 2 1"));
}

TEST(ClusterManager, FenceFailureIsReportedButDoesNotStopFailover) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.fail("fence", 0, "no route to host");
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 1", "follow 2 1"));
  auto failover = h.events_of("failover");
  ASSERT_EQ(failover.size(), 2u);
  EXPECT_EQ(failover[1].message, "could not fence node0: no route to host");
  EXPECT_TRUE(failover[1].warning);
  EXPECT_EQ(h.snapshot()->primary, 1u);
}

TEST(ClusterManager, FollowFailureIsReportedButFailoverCompletes) {
  ManagerHarness h(manager_config(4));
  h.start();
  h.fake.fail("follow", 2, "could not reload");
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(),
              ElementsAre("answers 0", "fence 0", "promote 1", "follow 2 1", "follow 3 1"));
  EXPECT_THAT(h.event_kinds(), ::testing::Contains("follow_failed"));
  auto failed = h.events_of("follow_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].node, 2u);
  EXPECT_EQ(failed[0].message, "node2 could not be re-pointed: could not reload");
  EXPECT_EQ(h.events_of("failover_done").size(), 1u);
}

TEST(ClusterManager, DetachedStandbysAreNotRepointed) {
  ManagerHarness h(manager_config(3));
  h.start();
  ASSERT_TRUE(h.request(h.manager->detach(2)));
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 1"));
}

TEST(ClusterManager, PromotionFailureRestoresTheOldPrimary) {
  ManagerHarness h(manager_config(2));
  h.start();
  h.fake.fail("promote", 1, "pg_promote() timed out");
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 1"));
  EXPECT_TRUE(h.at_call(2).nodes[0].detached);
  auto state = h.snapshot();
  EXPECT_EQ(state->primary, 0u);
  EXPECT_FALSE(state->nodes[0].detached) << "it may serve again as soon as it answers";
  EXPECT_FALSE(state->failover_in_progress);
  EXPECT_EQ(state->nodes[1].role, NodeRole::kStandby);
  EXPECT_FALSE(h.manager->busy());
  auto failed = h.events_of("failover_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].node, 1u);
  EXPECT_EQ(failed[0].message, "pg_promote() timed out");
  EXPECT_TRUE(h.fake.hooks().empty());

  // Not tried again while its health has not changed.
  h.fake.clear_failures();
  h.round();
  h.round();
  h.settle();
  EXPECT_EQ(h.fake.log().size(), 3u);

  // Healthy again: tried again.
  h.report(1, HealthState::kFailing);
  h.settle();
  EXPECT_EQ(h.fake.log().size(), 3u);
  h.report(1, HealthState::kHealthy);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 1", "answers 0", "fence 0",
                                        "promote 1"));
  EXPECT_EQ(h.snapshot()->primary, 1u);
  EXPECT_EQ(h.events_of("failover_done").size(), 1u);
}

TEST(ClusterManager, TheLastLookCancels) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.set_answers(0, true);  // slow, not dead
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0"));
  auto state = h.snapshot();
  EXPECT_EQ(state->primary, 0u);
  EXPECT_FALSE(state->nodes[0].detached);
  EXPECT_FALSE(state->failover_in_progress);
  auto cancelled = h.events_of("failover_cancelled");
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].message, "primary node0 answers again");
  EXPECT_TRUE(h.fake.hooks().empty());
}

TEST(ClusterManager, AHoldIsOneEventNotOnePerEvaluation) {
  auto config = manager_config(3);
  config.failover.enabled = false;
  ManagerHarness h(config);
  h.start();
  h.kill(0);
  for (int i = 0; i < 3; ++i)
    h.round();
  h.report(2, HealthState::kFailing);
  h.report(2, HealthState::kHealthy);
  h.settle();
  auto held = h.events_of("failover_held");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].node, 0u);
  EXPECT_TRUE(held[0].warning);
  EXPECT_EQ(held[0].message, "automatic failover is disabled (or has no superuser password)");
  EXPECT_TRUE(h.fake.calls().empty());
  EXPECT_FALSE(h.snapshot()->failover_in_progress);

  // Once the primary is well again, a new failure is a new event.
  h.world[0] = testing::primary(ManagerHarness::kLsn);
  h.round();
  h.report(0, HealthState::kHealthy);
  h.report(0, HealthState::kFailed);
  h.round();
  h.settle();
  EXPECT_EQ(h.events_of("failover_held").size(), 2u);
}

TEST(ClusterManager, HoldsWithoutSuperuserPassword) {
  ManagerHarness h(manager_config(2));
  h.manager->set_superuser_password_known(false);
  h.start();
  h.kill(0);
  h.settle();
  auto held = h.events_of("failover_held");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_THAT(held[0].message, HasSubstr("no superuser password"));
  EXPECT_TRUE(h.fake.calls().empty());
}

TEST(ClusterManager, HoldsUntilAStandbyIsEligibleThenFailsOver) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.report(1, HealthState::kFailing);
  h.report(2, HealthState::kFailing);
  h.kill(0);
  h.round();
  h.round();
  h.settle();
  auto held = h.events_of("failover_held");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].message,
            "no standby can be promoted (node1: it is not healthy; node2: it is not healthy)");
  EXPECT_TRUE(h.fake.calls().empty());
  h.report(2, HealthState::kHealthy);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("answers 0", "fence 0", "promote 2", "follow 1 2"));
}

TEST(ClusterManager, FlappingPrimaryHolds) {
  ManagerHarness h(manager_config(2));
  h.start();
  h.world[0] = testing::unreachable();
  h.round();
  auto flapping = testing::health(HealthState::kFailed);
  flapping.recent_changes = 6;
  h.manager->on_health(0, flapping);
  h.settle();
  auto held = h.events_of("failover_held");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].message, "the primary's health is flapping (6 changes)");
  EXPECT_TRUE(h.fake.calls().empty());
}

// --- detach and attach -----------------------------------------------------------------------

TEST(ClusterManager, DetachAndAttach) {
  ManagerHarness h(manager_config(3));
  h.start();
  auto refused = h.request(h.manager->detach(0));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "node 0 is the primary: use switchover (or promote once it is down)");
  EXPECT_FALSE(h.snapshot()->nodes[0].detached);
  auto unknown = h.request(h.manager->detach(7));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "no node 7");

  auto detached = h.request(h.manager->detach(1));
  ASSERT_TRUE(detached) << detached.error().message;
  EXPECT_EQ(*detached, "detached node1");
  EXPECT_TRUE(h.snapshot()->nodes[1].detached);
  EXPECT_EQ(h.snapshot()->nodes[1].status, NodeStatus::kDown);
  h.round();  // the monitor still reaches it: it stays out
  EXPECT_EQ(h.snapshot()->nodes[1].status, NodeStatus::kDown);

  auto probes = h.probe_requests;
  auto attached = h.request(h.manager->attach(1));
  ASSERT_TRUE(attached) << attached.error().message;
  EXPECT_EQ(*attached, "attached node1");
  EXPECT_FALSE(h.snapshot()->nodes[1].detached);
  EXPECT_EQ(h.snapshot()->nodes[1].status, NodeStatus::kUp);
  EXPECT_EQ(h.probe_requests, probes + 1);
  auto unknown_attach = h.request(h.manager->attach(3));
  ASSERT_FALSE(unknown_attach);
  EXPECT_EQ(unknown_attach.error().message, "no node 3");
  EXPECT_THAT(h.event_kinds(), ElementsAre("detach", "attach"));
  EXPECT_TRUE(h.fake.calls().empty());
}

// --- manual promote --------------------------------------------------------------------------

config::Config manual_config(std::size_t nodes) {
  auto config = manager_config(nodes);
  config.failover.enabled = false;  // the operator decides
  return config;
}

TEST(ClusterManager, PromoteIsRefusedWhileThePrimaryIsUp) {
  ManagerHarness h(manual_config(3));
  h.start();
  auto refused = h.request(h.manager->promote(1, false));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "the primary node0 is up: use switchover to move the role");
  h.report(0, HealthState::kFailing);  // retrying is not down
  auto forced = h.request(h.manager->promote(1, true));
  ASSERT_FALSE(forced);
  EXPECT_THAT(forced.error().message, HasSubstr("is up"));
  auto unknown = h.request(h.manager->promote(5, false));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "no node 5");
  EXPECT_TRUE(h.fake.calls().empty());
}

TEST(ClusterManager, PromoteReplacesAFailedPrimary) {
  ManagerHarness h(manual_config(3));
  h.start();
  h.kill(0);
  h.settle();
  ASSERT_TRUE(h.fake.calls().empty()) << "automatic failover is off";
  auto mark = h.last_event();
  auto promoted = h.request(h.manager->promote(2, false));
  ASSERT_TRUE(promoted) << promoted.error().message;
  EXPECT_EQ(*promoted, "node2 is the primary");
  EXPECT_THAT(h.fake.log(), ElementsAre("fence 0", "promote 2", "follow 1 2"));
  EXPECT_TRUE(h.at_call(1).nodes[0].detached);
  EXPECT_EQ(h.at_call(1).nodes[0].status, NodeStatus::kDown);
  EXPECT_EQ(h.at_call(2).primary, 2u);
  EXPECT_EQ(h.snapshot()->primary, 2u);
  EXPECT_FALSE(h.manager->busy());
  EXPECT_THAT(h.event_kinds(mark), ElementsAre("promote", "follow"));
  EXPECT_THAT(h.fake.hooks(), ElementsAre("hook -1 0 2"));
}

TEST(ClusterManager, PromoteChecksLagUnlessForced) {
  auto config = manual_config(3);
  config.failover.maximum_lag = 0x100;
  ManagerHarness h(config);
  h.world[1].wal_lsn = h.world[1].replay_lsn = ManagerHarness::kLsn - 0x1000;
  h.start();
  h.kill(0);
  auto refused = h.request(h.manager->promote(1, false));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "cannot promote node1: it is 4096 bytes behind the primary (maximum_lag 256)");
  EXPECT_TRUE(h.fake.calls().empty());
  auto forced = h.request(h.manager->promote(1, true));
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_THAT(h.fake.log(), ElementsAre("fence 0", "promote 1", "follow 2 1"));
}

TEST(ClusterManager, ForceNeverSkipsTheHealthCheck) {
  ManagerHarness h(manual_config(3));
  h.start();
  h.report(1, HealthState::kFailing);
  h.kill(0);
  auto refused = h.request(h.manager->promote(1, true));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "cannot promote node1: it is not healthy");
  auto detached = h.request(h.manager->detach(2));
  ASSERT_TRUE(detached);
  refused = h.request(h.manager->promote(2, true));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "cannot promote node2: it is detached");
  EXPECT_TRUE(h.fake.calls().empty());
}

TEST(ClusterManager, PromoteFailureRestoresTheOldPrimary) {
  ManagerHarness h(manual_config(3));
  h.start();
  h.kill(0);
  h.fake.fail("promote", 1, "not in recovery");
  auto failed = h.request(h.manager->promote(1, false));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "promotion failed: not in recovery");
  EXPECT_FALSE(h.snapshot()->nodes[0].detached);
  EXPECT_FALSE(h.snapshot()->failover_in_progress);
  EXPECT_EQ(h.snapshot()->primary, 0u);
  EXPECT_FALSE(h.manager->busy());
  EXPECT_TRUE(h.fake.hooks().empty());
}

TEST(ClusterManager, PromoteInSynchronousModeNeedsASynchronousStandbyUnlessForced) {
  auto config = manual_config(3);
  config.failover.synchronous_mode = true;
  ManagerHarness h(config);
  h.start();
  // The primary still answers the monitor but fails its health checks: its pg_stat_replication
  // is known.
  h.report(0, HealthState::kFailed);
  auto refused = h.request(h.manager->promote(1, false));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "cannot promote node1: it is not a synchronous standby");
  h.clear_calls();
  auto forced = h.request(h.manager->promote(1, true));
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_THAT(h.fake.log_of("promote"), ElementsAre("promote 1"));
}

// --- switchover ------------------------------------------------------------------------------

TEST(ClusterManager, SwitchoverWaitsForTheTargetToCatchUp) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.script_wal_positions(0, {0x9000});
  h.fake.script_wal_positions(1, {0x8000, 0x8800, 0x9000});
  auto mark = h.last_event();
  auto switched = h.request(h.manager->switchover(1));
  ASSERT_TRUE(switched) << switched.error().message;
  EXPECT_EQ(*switched, "node1 is the primary");
  EXPECT_THAT(h.fake.log(),
              ElementsAre("fence 0", "wal_position 0", "wal_position 1", "wal_position 1",
                          "wal_position 1", "fence 0", "promote 1", "follow 2 1"));
  // Paused while waiting, the old primary still the (read-only) primary.
  for (std::size_t call = 0; call < 5; ++call) {
    const auto& state = h.at_call(call);
    EXPECT_TRUE(state.failover_in_progress) << call;
    EXPECT_EQ(state.primary, 0u) << call;
    EXPECT_FALSE(state.nodes[0].detached) << call;
  }
  EXPECT_TRUE(h.at_call(6).nodes[0].detached) << "out of service before the promotion";
  EXPECT_EQ(h.at_call(6).nodes[0].status, NodeStatus::kDown);
  EXPECT_EQ(h.at_call(7).primary, 1u);
  auto state = h.snapshot();
  EXPECT_EQ(state->primary, 1u);
  EXPECT_FALSE(state->failover_in_progress);
  EXPECT_FALSE(h.manager->busy());
  EXPECT_THAT(h.event_kinds(mark), ElementsAre("switchover", "follow", "switchover_done"));
  auto done = h.events_of("switchover_done");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_THAT(done[0].message, HasSubstr("every commit up to 0/9000 is on it"));
  EXPECT_THAT(h.fake.hooks(), ElementsAre("hook -1 0 1"));
}

TEST(ClusterManager, SwitchoverToATargetThatNeverCatchesUpFailsCleanly) {
  auto config = manager_config(3);
  config.failover.promote_timeout = 150ms;
  ManagerHarness h(config);
  h.start();
  h.fake.script_wal_positions(0, {0x9000});
  h.fake.script_wal_positions(1, {0x8000});
  auto failed = h.request(h.manager->switchover(1));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message,
            "node1 did not replay up to 0/9000 in time; node0 stays the primary but read-only "
            "(ALTER SYSTEM RESET default_transaction_read_only to undo)");
  EXPECT_THAT(h.fake.log_of("promote"), ElementsAre());
  EXPECT_GE(h.fake.log_of("wal_position").size(), 2u) << "polled until the deadline";
  auto state = h.snapshot();
  EXPECT_FALSE(state->failover_in_progress) << "the pause is lifted";
  EXPECT_EQ(state->primary, 0u);
  EXPECT_FALSE(state->nodes[0].detached);
  EXPECT_EQ(state->nodes[0].status, NodeStatus::kUp);
  EXPECT_FALSE(h.manager->busy());
  EXPECT_TRUE(h.fake.hooks().empty());
}

TEST(ClusterManager, SwitchoverThatCannotFenceLiftsThePause) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.fail("fence", 0, "permission denied");
  auto failed = h.request(h.manager->switchover(1));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "could not stop writes on node0: permission denied");
  EXPECT_FALSE(h.snapshot()->failover_in_progress);
  EXPECT_FALSE(h.manager->busy());
  EXPECT_THAT(h.fake.log_of("promote"), ElementsAre());
}

TEST(ClusterManager, SwitchoverPromotionFailure) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.script_wal_positions(0, {0x9000});
  h.fake.script_wal_positions(1, {0x9000});
  h.fake.fail("promote", 1, "boom");
  auto failed = h.request(h.manager->switchover(1));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "switchover failed: boom");
  auto state = h.snapshot();
  EXPECT_EQ(state->primary, 0u);
  EXPECT_FALSE(state->nodes[0].detached);
  EXPECT_EQ(state->nodes[0].status, NodeStatus::kUp);
  EXPECT_FALSE(state->failover_in_progress);
  EXPECT_FALSE(h.manager->busy());
}

TEST(ClusterManager, SwitchoverRefusals) {
  ManagerHarness h(manager_config(3));
  h.start();
  auto expect_refused = [&](std::size_t node, const std::string& message) {
    auto result = h.request(h.manager->switchover(node));
    ASSERT_FALSE(result) << node;
    EXPECT_EQ(result.error().message, message) << node;
  };
  expect_refused(9, "no node 9");
  expect_refused(0, "cannot switch over to node0: it is the primary");
  h.report(2, HealthState::kFailing);
  expect_refused(2, "cannot switch over to node2: it is not healthy");
  EXPECT_TRUE(h.fake.calls().empty());
  EXPECT_FALSE(h.snapshot()->failover_in_progress);
}

TEST(ClusterManager, SwitchoverWithoutAPrimaryIsRefused) {
  ManagerHarness h(manual_config(3));
  h.start();
  h.kill(0);
  auto result = h.request(h.manager->switchover(1));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "no primary is up: use promote");
}

TEST(ClusterManager, OneRoleChangeAtATime) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.script_wal_positions(0, {0x9000});
  h.fake.script_wal_positions(1, {0x1000});  // until the refusals below are checked
  auto first = h.begin(h.manager->switchover(1));
  ASSERT_TRUE(h.run_until([&] { return h.manager->busy(); }));
  auto second = h.request(h.manager->switchover(2));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message, "a role change is already under way");
  auto promote = h.request(h.manager->promote(2, true));
  ASSERT_FALSE(promote);
  EXPECT_EQ(promote.error().message, "a role change is already under way");
  for (auto refused : {h.request(h.manager->detach(0)), h.request(h.manager->attach(2))}) {
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "a role change is already under way");
  }
  h.fake.script_wal_positions(1, {0x9000});
  ASSERT_TRUE(h.run_until([&] { return first->has_value(); }));
  ASSERT_TRUE(**first) << (*first)->error().message;
  EXPECT_EQ(h.snapshot()->primary, 1u);
}

// --- synchronous mode ------------------------------------------------------------------------

config::Config synchronous_config(std::size_t nodes) {
  auto config = manager_config(nodes);
  config.failover.synchronous_mode = true;
  return config;
}

TEST(ClusterManager, SynchronousStandbyNamesFollowTheStandbysUp) {
  ManagerHarness h(synchronous_config(3));
  h.start();
  EXPECT_THAT(h.fake.log(), ElementsAre("set_synchronous_standbys 0 ANY 1 (\"node1\", \"node2\")"));
  h.round();
  h.settle();
  EXPECT_EQ(h.fake.log().size(), 1u) << "set once, not every evaluation";

  h.world[2] = testing::unreachable();
  h.round();
  h.settle();
  h.world[1] = testing::unreachable();
  h.round();
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("set_synchronous_standbys 0 ANY 1 (\"node1\", \"node2\")",
                                        "set_synchronous_standbys 0 ANY 1 (\"node1\")",
                                        "set_synchronous_standbys 0 "));
  auto events = h.events_of("synchronous_standbys");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].message, "synchronous_standby_names = 'ANY 1 (\"node1\", \"node2\")'");
  EXPECT_EQ(events[2].message, "synchronous_standby_names = ''");
  EXPECT_EQ(events[2].node, 0u);
}

TEST(ClusterManager, SynchronousStandbyNamesLeaveOutDetachedStandbys) {
  ManagerHarness h(synchronous_config(3));
  h.start();
  ASSERT_TRUE(h.request(h.manager->detach(1)));
  h.round();
  h.settle();
  EXPECT_THAT(h.fake.log_of("set_synchronous_standbys"),
              ElementsAre("set_synchronous_standbys 0 ANY 1 (\"node1\", \"node2\")",
                          "set_synchronous_standbys 0 ANY 1 (\"node2\")"));
}

TEST(ClusterManager, SynchronousStandbyNamesQuoteApplicationNames) {
  auto config = synchronous_config(3);
  config.backends[1].application_name = "we\"ird name";
  ManagerHarness h(config);
  h.start();
  EXPECT_THAT(h.fake.log(),
              ElementsAre("set_synchronous_standbys 0 ANY 1 (\"we\"\"ird name\", \"node2\")"));
}

TEST(ClusterManager, SynchronousStandbyNamesAreRetriedAfterAFailure) {
  ManagerHarness h(synchronous_config(2));
  h.fake.fail("set_synchronous_standbys", 0, "read-only", 1);
  h.start();
  auto failed = h.events_of("synchronous_standbys");
  ASSERT_GE(failed.size(), 1u);
  EXPECT_EQ(failed[0].message, "could not set synchronous_standby_names: read-only");
  EXPECT_TRUE(failed[0].warning);
  h.round();
  h.settle();
  auto calls = h.fake.log_of("set_synchronous_standbys");
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls.back(), "set_synchronous_standbys 0 ANY 1 (\"node1\")");
  EXPECT_TRUE(h.fake.calls().back().succeeded);
}

TEST(ClusterManager, SynchronousSwitchoverSetsTheNamesOnTheNewPrimary) {
  ManagerHarness h(synchronous_config(3));
  h.set_sync_states("quorum");
  h.start();
  h.fake.script_wal_positions(0, {0x9000});
  h.fake.script_wal_positions(1, {0x9000});
  h.clear_calls();
  // The names are set before node1 is published as the primary: no session may commit there
  // without a synchronous standby.
  std::optional<std::size_t> published_primary_when_set;
  auto harness_on_call = h.fake.on_call;
  h.fake.on_call = [&](const fakes::ActuatorCall& call) {
    if (call.op == "set_synchronous_standbys") {
      published_primary_when_set = h.store.current()->primary;
    }
    harness_on_call(call);
  };
  auto switched = h.request(h.manager->switchover(1));
  ASSERT_TRUE(switched) << switched.error().message;
  EXPECT_THAT(h.fake.log(),
              ElementsAre("fence 0", "wal_position 0", "wal_position 1", "fence 0", "promote 1",
                          "set_synchronous_standbys 1 ANY 1 (\"node2\")", "follow 2 1"));
  EXPECT_EQ(published_primary_when_set, 0u);
  EXPECT_EQ(h.snapshot()->primary, 1u);
}

}  // namespace
}  // namespace pgw::cluster
