#pragma once
// Builders for the router's table tests: hand-made ClusterState values, StatementInfo values, and
// 64-bit draws whose two halves (router.cpp's split_draw) are chosen exactly.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "route/router.hpp"
#include "sql/statement_info.hpp"

namespace pgw::route::testing {

using cluster::ClusterState;
using cluster::NodeRole;
using cluster::NodeState;
using cluster::NodeStatus;
using sql::StatementInfo;
using sql::StatementKind;

inline const SteadyTime kT0{std::chrono::seconds(1000)};

/// One node as a row of a table: role and weight, then what makes it ineligible.
struct NodeSpec {
  NodeRole role = NodeRole::kStandby;
  std::uint32_t weight = 1;
  NodeStatus status = NodeStatus::kUp;
  bool reachable = true;
  bool false_primary = false;
  bool no_load_balance = false;
};

/// An up, reachable node, caught up (lag 0, LSNs 1000).
inline NodeState make_node(std::size_t id, const NodeSpec& spec) {
  NodeState node;
  node.id = id;
  node.name = "node" + std::to_string(id);
  node.weight = spec.weight;
  node.no_load_balance = spec.no_load_balance;
  node.status = spec.status;
  node.role = spec.role;
  node.reachable = spec.reachable;
  node.false_primary = spec.false_primary;
  node.wal_lsn = 1000;
  node.replay_lsn = 1000;
  node.lag_bytes = 0;
  node.lag_seconds = 0.0;
  return node;
}

/// Nodes in order; the first node whose role is kPrimary and that is not a false primary is
/// the cluster's primary. sampled_at = kT0.
inline ClusterState make_state(const std::vector<NodeSpec>& specs) {
  ClusterState state;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    state.nodes.push_back(make_node(i, specs[i]));
    if (!state.primary && specs[i].role == NodeRole::kPrimary && !specs[i].false_primary) {
      state.primary = i;
    }
  }
  state.sampled_at = kT0;
  return state;
}

/// A primary (weight 1) and two standbys (weights 2 and 1): a draw below 0.25 picks node 0,
/// below 0.75 node 1, the rest node 2.
inline ClusterState three_nodes() {
  return make_state({{NodeRole::kPrimary, 1}, {NodeRole::kStandby, 2}, {NodeRole::kStandby, 1}});
}

inline std::uint64_t to_bits(double fraction) {
  return static_cast<std::uint64_t>(fraction * 4294967296.0);
}

/// 64 random bits whose weight draw is `weight` and ratio draw `ratio` (both in [0, 1)).
inline std::uint64_t draw(double weight, double ratio = 0.0) {
  return (to_bits(ratio) << 32) | to_bits(weight);
}

/// The largest weight draw below `fraction` (one step of 2^-32 under it).
inline std::uint64_t just_below(double fraction) {
  return to_bits(fraction) - 1;
}

inline StatementInfo statement(StatementKind kind, bool read_only) {
  StatementInfo info;
  info.kind = kind;
  info.read_only = read_only;
  return info;
}

inline StatementInfo select_stmt() {
  return statement(StatementKind::kSelect, true);
}
inline StatementInfo insert_stmt() {
  return statement(StatementKind::kInsert, false);
}

inline StatementInfo transaction_stmt(StatementKind kind, std::optional<bool> read_only) {
  StatementInfo info = statement(kind, false);
  info.transaction_read_only = read_only;
  return info;
}

}  // namespace pgw::route::testing
