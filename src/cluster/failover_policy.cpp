#include "cluster/failover_policy.hpp"

#include <algorithm>
#include <tuple>

namespace pgw::cluster {
namespace {

std::int32_t priority_of(const FailoverPolicy& policy, std::size_t id) {
  return id < policy.priority.size() ? policy.priority[id] : 0;
}

const NodeHealth& health_of(const HealthView& health, std::size_t id) {
  static const NodeHealth kUnknown;
  return id < health.nodes.size() ? health.nodes[id] : kUnknown;
}

}  // namespace

std::string_view to_string(HealthState state) {
  switch (state) {
    case HealthState::kUnknown:
      return "unknown";
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kFailing:
      return "failing";
    case HealthState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string_view to_string(HealthFailure failure) {
  switch (failure) {
    case HealthFailure::kNone:
      return "none";
    case HealthFailure::kRefused:
      return "connection refused";
    case HealthFailure::kReset:
      return "connection reset";
    case HealthFailure::kTimeout:
      return "timed out";
    case HealthFailure::kLogin:
      return "login failed";
    case HealthFailure::kOther:
      return "failed";
  }
  return "failed";
}

std::string promotion_obstacle(const ClusterState& state, const HealthView& health,
                               const FailoverPolicy& policy, std::size_t primary,
                               std::size_t candidate) {
  if (candidate >= state.nodes.size()) return "no such node";
  const auto& node = state.nodes[candidate];
  if (candidate == primary) return "it is the primary";
  if (node.no_failover) return "it is flagged no_failover";
  if (node.detached) return "it is detached";
  if (node.false_primary) return "it is a false primary";
  if (node.role != NodeRole::kStandby) return "it is not a standby";
  if (!node.reachable || health_of(health, candidate).state != HealthState::kHealthy) {
    return "it is not healthy";
  }
  if (std::ranges::find(policy.failed_promotions, candidate) != policy.failed_promotions.end()) {
    return "its promotion failed (tried again once it passes its health checks again)";
  }
  if (policy.synchronous_mode && node.sync_state != "sync" && node.sync_state != "quorum") {
    return "it is not a synchronous standby";
  }
  if (policy.synchronous_mode && node.replication_state != "streaming") {
    // Listed as synchronous but still catching up: commits acknowledged meanwhile may be
    // missing on it.
    return "it is not streaming (" + node.replication_state + ")";
  }
  if (policy.maximum_lag > 0 && primary < state.nodes.size()) {
    const auto& old = state.nodes[primary];
    if (!old.wal_lsn || !node.wal_lsn) return "its lag behind the primary is unknown";
    if (*old.wal_lsn > *node.wal_lsn && *old.wal_lsn - *node.wal_lsn > policy.maximum_lag) {
      return "it is " + std::to_string(*old.wal_lsn - *node.wal_lsn) +
             " bytes behind the primary (maximum_lag " + std::to_string(policy.maximum_lag) + ")";
    }
  }
  return "";
}

FailoverPlan plan_failover(const ClusterState& state, const HealthView& health,
                           const FailoverPolicy& policy) {
  FailoverPlan plan;
  for (const auto& node : state.nodes) {
    bool failed = health_of(health, node.id).state == HealthState::kFailed;
    if (failed && node.id != state.primary && !node.detached && node.role == NodeRole::kStandby) {
      plan.detach.push_back(node.id);
    }
  }
  if (!state.primary) return plan;
  const std::size_t primary = *state.primary;
  const auto& primary_health = health_of(health, primary);
  if (primary_health.state != HealthState::kFailed) return plan;

  plan.failed_primary = primary;
  plan.kind = FailoverPlan::Kind::kHold;
  if (!policy.enabled) {
    plan.reason = "automatic failover is disabled (or has no superuser password)";
    return plan;
  }
  if (state.nodes[primary].no_failover) {
    plan.reason = "the primary is flagged no_failover";
    return plan;
  }
  if (primary_health.recent_changes >= policy.flap_threshold) {
    plan.reason = "the primary's health is flapping (" +
                  std::to_string(primary_health.recent_changes) + " changes)";
    return plan;
  }
  if (!health.quorum) {
    plan.reason = "no quorum of proxies sees the primary down";
    return plan;
  }
  std::vector<std::size_t> candidates;
  std::string obstacles;
  for (const auto& node : state.nodes) {
    if (node.id == primary) continue;
    auto obstacle = promotion_obstacle(state, health, policy, primary, node.id);
    if (obstacle.empty()) {
      candidates.push_back(node.id);
    } else if (node.role == NodeRole::kStandby || node.reachable) {
      obstacles += (obstacles.empty() ? "" : "; ") + node.name + ": " + obstacle;
    }
  }
  if (candidates.empty()) {
    plan.reason = "no standby can be promoted" + (obstacles.empty() ? "" : " (" + obstacles + ")");
    return plan;
  }
  // The most advanced received WAL, then replayed, then priority, then the first configured.
  auto rank = [&](std::size_t id) {
    const auto& node = state.nodes[id];
    return std::make_tuple(node.wal_lsn.value_or(0), node.replay_lsn.value_or(0),
                           priority_of(policy, id), ~id);
  };
  auto winner = *std::max_element(candidates.begin(), candidates.end(),
                                  [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  plan.kind = FailoverPlan::Kind::kFailover;
  plan.new_primary = winner;
  plan.reason = "primary " + state.nodes[primary].name + " failed (" + primary_health.last_error +
                "); promoting " + state.nodes[winner].name;
  for (const auto& node : state.nodes) {
    if (node.id != primary && node.id != winner && node.role == NodeRole::kStandby &&
        !node.false_primary) {
      plan.followers.push_back(node.id);
    }
  }
  std::erase(plan.detach, winner);
  return plan;
}

}  // namespace pgw::cluster
