#include "cluster/apply_observations.hpp"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace pgw::cluster {
namespace {

bool out_of_recovery(const NodeObservation& observation) {
  return observation.reachable && !observation.in_recovery;
}

const ReplicationRow* find_row(const std::vector<ReplicationRow>& rows,
                               const std::string& application_name) {
  const ReplicationRow* found = nullptr;
  for (const auto& row : rows) {
    if (row.application_name != application_name) continue;
    if (row.state == "streaming") return &row;
    if (!found) found = &row;
  }
  return found;
}

/// How many other nodes stream from `candidate`: their application_names appear in its
/// pg_stat_replication.
std::size_t followers(const ClusterState& previous,
                      const std::vector<NodeObservation>& observations, std::size_t candidate) {
  std::size_t count = 0;
  for (const auto& node : previous.nodes) {
    if (node.id == candidate) continue;
    if (find_row(observations[candidate].replication, node.application_name)) ++count;
  }
  return count;
}

void observe_node(NodeState& node, const NodeObservation& observation,
                  std::chrono::system_clock::time_point now,
                  std::chrono::steady_clock::time_point steady_now) {
  const auto old_status = node.status;
  const auto old_role = node.role;
  node.reachable = observation.reachable;
  node.false_primary = false;
  if (node.status != NodeStatus::kUnused) {
    node.status = observation.reachable && !node.detached ? NodeStatus::kUp : NodeStatus::kDown;
  }
  if (observation.reachable) {
    node.role = observation.in_recovery ? NodeRole::kStandby : NodeRole::kPrimary;
    node.wal_lsn = observation.wal_lsn;
    node.replay_lsn = observation.in_recovery ? observation.replay_lsn : observation.wal_lsn;
    node.timeline = observation.timeline;
    node.sampled_at = steady_now;
  }
  if (node.status != old_status || node.role != old_role) node.last_status_change = now;
}

/// Lag and walsender state of `node` as seen from the primary read in this round. When no
/// primary was read, the lag is unknown but the walsender state stays the last one the primary
/// reported: a synchronous standby of a primary that just died is exactly the one synchronous
/// failover must be able to promote.
void set_replication(NodeState& node, const NodeState* primary,
                     const NodeObservation* primary_observation) {
  node.lag_bytes.reset();
  node.lag_seconds.reset();
  if (!primary || !primary_observation) return;
  node.replication_state.clear();
  node.sync_state.clear();
  if (node.id == primary->id) {
    node.lag_bytes = 0;
    node.lag_seconds = 0.0;
    return;
  }
  const auto* row = find_row(primary_observation->replication, node.application_name);
  if (row) {
    node.replication_state = row->state;
    node.sync_state = row->sync_state;
  }
  if (!node.reachable || node.role != NodeRole::kStandby || !node.replay_lsn || !primary->wal_lsn) {
    return;
  }
  node.lag_bytes = *primary->wal_lsn > *node.replay_lsn ? *primary->wal_lsn - *node.replay_lsn : 0;
  if (*node.lag_bytes == 0) {
    node.lag_seconds = 0.0;
  } else if (row) {
    node.lag_seconds = row->replay_lag_seconds;
  }
}

}  // namespace

std::optional<std::size_t> choose_primary(const ClusterState& previous,
                                          const std::vector<NodeObservation>& observations) {
  std::vector<std::size_t> candidates;
  for (std::size_t id = 0; id < observations.size(); ++id) {
    if (out_of_recovery(observations[id])) candidates.push_back(id);
  }
  const auto& kept = previous.primary;
  // The primary only changes when the node itself says it is in recovery now: an unanswered
  // probe never hands the role to another node (that is failover's decision, made with health
  // checks, quorum and lag limits), and a standby promoted behind pgwarden's back stays a
  // false primary.
  if (kept && !observations[*kept].reachable) return kept;
  if (kept && out_of_recovery(observations[*kept])) return kept;
  if (candidates.empty()) return std::nullopt;
  // Most followers, then the higher timeline, then the lowest id.
  auto rank = [&](std::size_t id) {
    return std::make_tuple(followers(previous, observations, id),
                           observations[id].timeline.value_or(0), ~id);
  };
  return *std::max_element(candidates.begin(), candidates.end(),
                           [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
}

ClusterState apply_observations(const ClusterState& previous,
                                const std::vector<NodeObservation>& observations,
                                std::chrono::system_clock::time_point now,
                                std::chrono::steady_clock::time_point steady_now) {
  assert(observations.size() == previous.nodes.size());
  ClusterState next = previous;
  next.primary = choose_primary(previous, observations);
  for (std::size_t id = 0; id < next.nodes.size(); ++id) {
    observe_node(next.nodes[id], observations[id], now, steady_now);
    next.nodes[id].false_primary = out_of_recovery(observations[id]) && next.primary != id;
  }
  const NodeState* primary = next.primary_node();
  const NodeObservation* primary_observation =
      primary && observations[primary->id].reachable ? &observations[primary->id] : nullptr;
  if (primary_observation) next.sampled_at = steady_now;
  for (auto& node : next.nodes)
    set_replication(node, primary, primary_observation);
  return next;
}

}  // namespace pgw::cluster
