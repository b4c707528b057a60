#include "cluster/cluster_state.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "cluster/cluster_state_store.hpp"
#include "cluster/node_counters.hpp"
#include "cluster_test_util.hpp"

namespace pgw::cluster {
namespace {

TEST(ClusterState, InitialStateHasOneWaitingNodePerBackend) {
  auto config = testing::config_with(3);
  config.backends[1].weight = 7;
  config.backends[1].no_load_balance = true;
  config.backends[2].no_failover = true;
  config.backends[2].application_name = "walrcv_2";
  auto state = initial_state(config, testing::kStart);
  EXPECT_EQ(state.generation, 0u);
  EXPECT_FALSE(state.primary);
  ASSERT_EQ(state.nodes.size(), 3u);
  for (std::size_t id = 0; id < 3; ++id) {
    const auto& node = state.nodes[id];
    EXPECT_EQ(node.id, id);
    EXPECT_EQ(node.name, config.backends[id].name);
    EXPECT_EQ(node.host, config.backends[id].host);
    EXPECT_EQ(node.port, config.backends[id].port);
    EXPECT_EQ(node.status, NodeStatus::kWaiting);
    EXPECT_EQ(node.role, NodeRole::kUnknown);
    EXPECT_FALSE(node.reachable);
    EXPECT_FALSE(node.wal_lsn);
    EXPECT_EQ(node.last_status_change, testing::kStart);
  }
  EXPECT_EQ(state.nodes[1].weight, 7u);
  EXPECT_TRUE(state.nodes[1].no_load_balance);
  EXPECT_TRUE(state.nodes[2].no_failover);
  EXPECT_EQ(state.nodes[0].application_name, "node0") << "defaults to the name";
  EXPECT_EQ(state.nodes[2].application_name, "walrcv_2");
  EXPECT_EQ(state.primary_node(), nullptr);
}

TEST(ClusterState, NamesStatusesAndRolesLikeShowPoolNodes) {
  EXPECT_EQ(to_string(NodeStatus::kUp), "up");
  EXPECT_EQ(to_string(NodeStatus::kDown), "down");
  EXPECT_EQ(to_string(NodeStatus::kWaiting), "waiting");
  EXPECT_EQ(to_string(NodeStatus::kUnused), "unused");
  EXPECT_EQ(to_string(NodeRole::kPrimary), "primary");
  EXPECT_EQ(to_string(NodeRole::kStandby), "standby");
  EXPECT_EQ(to_string(NodeRole::kUnknown), "unknown");
}

TEST(ClusterStateStore, PublishBumpsTheGenerationAndKeepsOldSnapshotsAlive) {
  ClusterStateStore store(testing::state_with(2));
  EXPECT_EQ(store.generation(), 0u);
  auto first = store.current();
  auto next = *first;
  next.primary = 1;
  next.generation = 42;  // ignored: the store counts
  store.publish(next);
  EXPECT_EQ(store.generation(), 1u);
  auto second = store.current();
  EXPECT_EQ(second->generation, 1u);
  EXPECT_EQ(second->primary, 1u);
  EXPECT_FALSE(first->primary) << "a reader's snapshot never changes";
  store.publish(*second);
  EXPECT_EQ(store.current()->generation, 2u);
}

TEST(ClusterStateStore, ReadersSeeWholeSnapshotsWhileOneThreadPublishes) {
  ClusterStateStore store(testing::state_with(3));
  constexpr std::uint64_t kPublishes = 2000;
  std::thread publisher([&store] {
    for (std::uint64_t i = 1; i <= kPublishes; ++i) {
      auto next = *store.current();
      for (auto& node : next.nodes)
        node.wal_lsn = i;
      store.publish(std::move(next));
    }
  });
  std::uint64_t last_generation = 0;
  while (last_generation < kPublishes) {
    auto snapshot = store.current();
    ASSERT_GE(snapshot->generation, last_generation);
    last_generation = snapshot->generation;
    for (const auto& node : snapshot->nodes)
      ASSERT_EQ(node.wal_lsn.value_or(0), snapshot->generation) << "a torn snapshot";
    ASSERT_GE(store.generation(), snapshot->generation);
  }
  publisher.join();
  EXPECT_EQ(store.generation(), kPublishes);
}

TEST(NodeCounters, CountsSelectsPerNode) {
  NodeCounters counters(3);
  EXPECT_EQ(counters.size(), 3u);
  counters.count_select(0);
  counters.count_select(2);
  counters.count_select(2);
  counters.count_select(3);  // out of range: ignored
  EXPECT_EQ(counters.selects(0), 1u);
  EXPECT_EQ(counters.selects(1), 0u);
  EXPECT_EQ(counters.selects(2), 2u);
  EXPECT_EQ(counters.selects(3), 0u);

  NodeCounters shared(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared] {
      for (int i = 0; i < 10000; ++i)
        shared.count_select(0);
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(shared.selects(0), 40000u);
}

}  // namespace
}  // namespace pgw::cluster
