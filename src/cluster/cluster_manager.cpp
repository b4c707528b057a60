#include "cluster/cluster_manager.hpp"

#include "cluster/apply_observations.hpp"
#include "cluster/state_changes.hpp"
#include "common/log.hpp"

namespace pgw::cluster {
namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("cluster");
  return l;
}

}  // namespace

ClusterManager::ClusterManager(net::Executor executor, const config::Config& config,
                               ClusterStateStore& store, Actuators& actuators, EventLog& events,
                               std::function<void()> probe_now)
    : executor_(std::move(executor)),
      config_(config),
      store_(store),
      actuators_(actuators),
      events_(events),
      probe_now_(std::move(probe_now)),
      state_(*store.current()),
      observed_(executor_) {
  health_.nodes.resize(state_.nodes.size());
  fenced_.resize(state_.nodes.size(), false);
  fencing_.resize(state_.nodes.size(), false);
  fence_errors_.resize(state_.nodes.size());
}

FailoverPolicy ClusterManager::policy() const {
  FailoverPolicy policy;
  policy.enabled = config_.failover.enabled && superuser_password_known_;
  policy.maximum_lag = config_.failover.maximum_lag;
  policy.synchronous_mode = config_.failover.synchronous_mode;
  policy.flap_threshold = config_.failover.flap_threshold;
  for (const auto& backend : config_.backends)
    policy.priority.push_back(backend.priority);
  policy.failed_promotions.assign(failed_promotions_.begin(), failed_promotions_.end());
  return policy;
}

NodeStatus ClusterManager::published_status(const NodeState& node) const {
  // Health checks (with their retries) decide up and down: a monitor probe that timed out on a
  // busy machine does not take a node out of service, a failed health check does at once.
  if (node.status == NodeStatus::kUnused) return node.status;
  auto health = health_.nodes[node.id].state;
  if (node.detached || health == HealthState::kFailed) return NodeStatus::kDown;
  if (health == HealthState::kHealthy || health == HealthState::kFailing) return NodeStatus::kUp;
  return node.status;
}

bool ClusterManager::primary_serving() const {
  return state_.primary && published_status(state_.nodes[*state_.primary]) == NodeStatus::kUp;
}

std::optional<std::size_t> ClusterManager::node_index(std::size_t node) const {
  if (node >= state_.nodes.size()) return std::nullopt;
  return node;
}

void ClusterManager::on_observations(const std::vector<NodeObservation>& observations,
                                     std::chrono::steady_clock::time_point sent_at) {
  if (sent_at < primary_changed_at_) {
    // Probes sent before a role change would show the new primary still in recovery.
    logger()->debug("dropped a monitor round sent before the last role change");
    return;
  }
  auto previous = state_;
  state_ = apply_observations(state_, observations, std::chrono::system_clock::now(), sent_at);
  for (const auto& note : describe_changes(previous, state_, observations)) {
    if (note.warning) {
      logger()->warn("{}", note.text);
    } else {
      logger()->info("{}", note.text);
    }
  }
  ++observation_rounds_;
  observed_.set();
  publish();
  for (std::size_t id = 0; id < state_.nodes.size(); ++id) {
    const auto& node = state_.nodes[id];
    if (id < observations.size() && observations[id].reachable && !node.false_primary &&
        node.role == NodeRole::kStandby) {
      fenced_[id] = false;  // back in recovery: a standby again
    }
    // Level-triggered, and never during a role change: the standby being promoted leaves
    // recovery before it becomes the primary, and must not be fenced half-way.
    if (node.false_primary && !fenced_[id] && !fencing_[id] && !busy_) {
      fencing_[id] = true;
      net::asio::co_spawn(executor_, fence_false_primary(id),
                          [this, id](const std::exception_ptr&) { fencing_[id] = false; });
    }
  }
  evaluate();
}

net::awaitable<void> ClusterManager::fence_false_primary(std::size_t node) {
  const std::string name = state_.nodes[node].name;  // state_ may be replaced meanwhile
  auto fenced = co_await actuators_.fence(node);
  if (fenced) {
    fenced_[node] = true;
    fence_errors_[node].clear();
    events_.add("fence", node, "fenced the false primary " + name);
  } else if (fenced.error().message != fence_errors_[node]) {
    // Tried again every monitor round: one event per distinct error.
    fence_errors_[node] = fenced.error().message;
    events_.add("fence", node,
                "could not fence the false primary " + name + ": " + fenced.error().message, true);
  }
}

void ClusterManager::on_health(std::size_t node, const NodeHealth& health) {
  if (node >= health_.nodes.size()) return;
  auto before = health_.nodes[node].state;
  health_.nodes[node] = health;
  if (health.state == HealthState::kHealthy) failed_promotions_.erase(node);
  if (before != health.state &&
      (health.state == HealthState::kFailed ||
       (health.state == HealthState::kHealthy && before == HealthState::kFailed))) {
    bool failed = health.state == HealthState::kFailed;
    events_.add(
        failed ? "node_failed" : "node_recovered", node,
        state_.nodes[node].name + (failed ? " failed its health checks: " + health.last_error
                                          : " answers its health checks again"),
        failed);
  }
  publish();
  evaluate();
}

void ClusterManager::publish() {
  ClusterState next = state_;
  for (auto& node : next.nodes) {
    auto status = published_status(node);
    if (status != node.status) {
      node.status = status;
      node.last_status_change = std::chrono::system_clock::now();
    }
  }
  store_.publish(std::move(next));
}

void ClusterManager::evaluate() {
  if (busy_) return;
  if (config_.failover.synchronous_mode && !synchronous_update_running_) {
    synchronous_update_running_ = true;
    net::asio::co_spawn(executor_, update_synchronous_standbys(),
                        [this](const std::exception_ptr&) { synchronous_update_running_ = false; });
  }
  auto plan_policy = policy();
  auto plan = plan_failover(state_, health_, plan_policy);
  if (plan.kind == FailoverPlan::Kind::kNothing) {
    last_hold_reason_.clear();
    return;
  }
  if (plan.kind == FailoverPlan::Kind::kHold) {
    if (plan.reason != last_hold_reason_) {
      events_.add("failover_held", plan.failed_primary, plan.reason, true);
      last_hold_reason_ = plan.reason;
    }
    return;
  }
  if (std::chrono::steady_clock::now() < no_failover_before_) return;
  busy_ = true;
  net::asio::co_spawn(executor_, run_failover(*plan.failed_primary),
                      [this](const std::exception_ptr&) { busy_ = false; });
}

net::awaitable<void> ClusterManager::refresh_positions() {
  auto before = observation_rounds_;
  observed_.reset();
  probe_now_();
  auto limit = 2 * config_.monitor.connect_timeout + config_.monitor.query_timeout;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (observation_rounds_ == before && std::chrono::steady_clock::now() < deadline) {
    co_await observed_.wait_for(deadline - std::chrono::steady_clock::now());
    observed_.reset();
  }
}

net::awaitable<void> ClusterManager::run_failover(std::size_t failed_primary) {
  auto started = std::chrono::steady_clock::now();
  events_.add(
      "failover", failed_primary,
      "primary " + state_.nodes[failed_primary].name + " failed its health checks; failover starts",
      true);
  state_.failover_in_progress = true;
  publish();
  co_await refresh_positions();
  auto plan = plan_failover(state_, health_, policy());
  if (plan.kind != FailoverPlan::Kind::kFailover || plan.failed_primary != failed_primary) {
    events_.add("failover_held", failed_primary,
                plan.reason.empty() ? "the primary is no longer failed" : plan.reason, true);
    state_.failover_in_progress = false;
    publish();
    co_return;
  }
  // A last look: a primary that answers now is not replaced (it was slow, not dead).
  if (co_await actuators_.answers(failed_primary, config_.health_check.connect_timeout)) {
    events_.add("failover_cancelled", failed_primary,
                "primary " + state_.nodes[failed_primary].name + " answers again");
    no_failover_before_ = std::chrono::steady_clock::now() + config_.health_check.period +
                          config_.health_check.connect_timeout;
    state_.failover_in_progress = false;
    publish();
    co_return;
  }
  auto changed = co_await change_primary(failed_primary, *plan.new_primary, "failover");
  if (!changed) {
    failed_promotions_.insert(*plan.new_primary);
    events_.add("failover_failed", plan.new_primary, changed.error().message, true);
    state_.failover_in_progress = false;
    publish();
    co_return;
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  events_.add("failover_done", plan.new_primary,
              state_.nodes[*plan.new_primary].name + " is the new primary (failover took " +
                  std::to_string(took.count()) + " ms)");
  run_hook("failover", failed_primary, failed_primary, plan.new_primary);
}

}  // namespace pgw::cluster
