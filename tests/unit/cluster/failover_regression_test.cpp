// Regressions found by review of the cluster manager: each test names the
// situation that once went wrong and asserts what must happen instead.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "manager_harness.hpp"

namespace pgw::cluster {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::manager_config;
using testing::ManagerHarness;
using ::testing::Not;

// The primary's pg_stat_replication is unreadable once it is dead; the last
// sync states it reported must still let a synchronous standby win.
TEST(FailoverRegression, SynchronousModeFailsOverWhenThePrimaryIsUnreachable) {
  auto config = manager_config(3);
  config.failover.synchronous_mode = true;
  ManagerHarness h(config);
  h.set_sync_states("quorum");
  h.start();
  h.kill(0);
  h.settle();
  EXPECT_THAT(h.fake.log_of("promote"), ElementsAre("promote 1"));
}

// A monitor probe that timed out does not make the primary down; the health
// checks decide, so a manual promote is still refused.
TEST(FailoverRegression, PromoteIsRefusedWhileHealthChecksPassDespiteASlowProbe) {
  auto config = manager_config(3);
  config.failover.enabled = false;
  ManagerHarness h(config);
  h.start();
  h.world[0] = testing::unreachable("timed out");
  h.round();
  EXPECT_EQ(h.snapshot()->nodes[0].status, NodeStatus::kUp);
  EXPECT_FALSE(h.request(h.manager->promote(1, false)));
  h.settle();
  EXPECT_THAT(h.fake.log_of("promote"), ::testing::IsEmpty());
}

// A standby whose promotion failed is skipped by the next failover attempt
// instead of the failover stalling on it forever.
TEST(FailoverRegression, AFailedPromotionMovesOnToTheNextStandby) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.fake.fail("promote", 1, "pg_promote() timed out");
  h.kill(0);
  h.settle();
  for (int i = 0; i < 5; ++i) {
    h.round();
    h.settle();
  }
  EXPECT_THAT(h.fake.log_of("promote"), ElementsAre("promote 1", "promote 2"));
  ASSERT_TRUE(h.snapshot()->primary);
  EXPECT_EQ(*h.snapshot()->primary, 2u);
  EXPECT_THAT(h.fake.log(), Contains("follow 1 2"));
}

// With no standby up at start, synchronous_standby_names is cleared so that
// commits on the primary do not hang.
TEST(FailoverRegression, SynchronousNamesAreClearedWhenNoStandbyIsUpAtStart) {
  auto config = manager_config(2);
  config.failover.synchronous_mode = true;
  ManagerHarness h(config);
  h.world[1] = testing::unreachable();
  h.world[0].replication.clear();
  h.round();
  h.report(0, HealthState::kHealthy);
  h.report(1, HealthState::kFailed);
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("set_synchronous_standbys 0 "));
}

// Without any primary, promote still refuses detached or unhealthy targets.
TEST(FailoverRegression, PromoteWithoutAPrimaryStillChecksTheTarget) {
  auto config = manager_config(3);
  config.failover.enabled = false;
  ManagerHarness h(config);
  h.world[0] = testing::standby(0x5000, 0x5000);
  h.world[0].replication.clear();
  h.start();
  ASSERT_FALSE(h.snapshot()->primary);
  ASSERT_TRUE(h.request(h.manager->detach(1)));
  h.report(2, HealthState::kFailed);
  EXPECT_FALSE(h.request(h.manager->promote(1, false))) << "a detached node";
  EXPECT_FALSE(h.request(h.manager->promote(2, true))) << "a node failing its health checks";
  h.settle();
  EXPECT_THAT(h.fake.log(), Not(Contains("promote 1")));
  EXPECT_THAT(h.fake.log(), Not(Contains("promote 2")));
}

}  // namespace
}  // namespace pgw::cluster

namespace pgw::cluster {
namespace {

// A node out of recovery that is not the primary is fenced, once, and again only after it
// was a standby in between.
TEST(FailoverRegression, AFalsePrimaryIsFencedOnce) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.clear_calls();
  h.world[2] = testing::primary(0x9000);
  for (int i = 0; i < 3; ++i) {
    h.round();
    h.settle();
  }
  EXPECT_THAT(h.fake.log(), ElementsAre("fence 2"));
  EXPECT_EQ(h.snapshot()->primary, 0u);
  h.world[2] = testing::standby(0x9000, 0x9000);
  h.round();
  h.world[2] = testing::primary(0x9100);
  h.round();
  h.settle();
  EXPECT_THAT(h.fake.log(), ElementsAre("fence 2", "fence 2"));
}

// The standby being promoted leaves recovery before it is the primary: it must not be
// fenced as a false primary half-way through its promotion.
TEST(FailoverRegression, TheStandbyBeingPromotedIsNotFencedAsAFalsePrimary) {
  ManagerHarness h(manager_config(3));
  h.start();
  h.clear_calls();
  auto first = h.begin(h.manager->switchover(1));
  ASSERT_TRUE(h.run_until([&] { return h.manager->busy(); }));
  h.world[1] = testing::primary(0x9000);  // out of recovery while the switchover runs
  h.round();
  ASSERT_TRUE(h.run_until([&] { return first->has_value(); }));
  ASSERT_TRUE(**first) << (*first)->error().message;
  EXPECT_EQ(h.snapshot()->primary, 1u);
  EXPECT_THAT(h.fake.log(), Not(Contains("fence 1")));
}

}  // namespace
}  // namespace pgw::cluster
