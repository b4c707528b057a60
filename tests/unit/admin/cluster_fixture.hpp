#pragma once
// A small cluster snapshot for the admin tests: pg01 primary, pg02 streaming standby.

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "cluster/cluster_state.hpp"

namespace pgw::admin::testing {

using namespace std::chrono_literals;

/// Local times in these tests are UTC.
inline void use_utc() {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

/// 2024-03-05 14:07:09 UTC.
inline std::chrono::system_clock::time_point changed_at() {
  using namespace std::chrono;
  return sys_days{year{2024} / March / 5} + 14h + 7min + 9s;
}

inline cluster::NodeState make_node(std::size_t id, std::string host, std::uint16_t port,
                                    std::uint32_t weight) {
  cluster::NodeState node;
  node.id = id;
  node.name = "pg0" + std::to_string(id + 1);
  node.host = std::move(host);
  node.port = port;
  node.weight = weight;
  node.application_name = node.name;
  node.last_status_change = changed_at();
  return node;
}

inline cluster::ClusterState two_nodes() {
  cluster::ClusterState state;
  auto primary = make_node(0, "pg01", 5432, 1);
  primary.status = cluster::NodeStatus::kUp;
  primary.reachable = true;
  primary.role = cluster::NodeRole::kPrimary;
  primary.lag_bytes = 0;
  primary.lag_seconds = 0.0;
  auto standby = make_node(1, "pg02", 5433, 3);
  standby.status = cluster::NodeStatus::kUp;
  standby.reachable = true;
  standby.role = cluster::NodeRole::kStandby;
  standby.lag_bytes = 1234;
  standby.lag_seconds = 0.5;
  standby.replication_state = "streaming";
  standby.sync_state = "async";
  state.nodes = {primary, standby};
  state.primary = 0;
  return state;
}

}  // namespace pgw::admin::testing
