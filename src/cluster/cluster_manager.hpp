#pragma once
/// The only publisher of ClusterState (DESIGN.md): it folds the replication monitor's
/// observations and the health checks into the state, asks the pure failover policy what to do,
/// and carries plans out through its actuators: automatic failover, and the operator's detach,
/// attach, promote and switchover. Every change is an event (EventLog).
///
/// Runs on one single-threaded executor: every member is called there (the inputs from the
/// monitor and the health checker arrive there; the admin API posts requests there).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/actuators.hpp"
#include "cluster/cluster_state_store.hpp"
#include "cluster/event_log.hpp"
#include "cluster/failover_policy.hpp"
#include "cluster/node_observation.hpp"
#include "config/config.hpp"
#include "net/event.hpp"

namespace pgw::cluster {

class ClusterManager {
 public:
  /// `probe_now` asks the replication monitor for an immediate round (fresh WAL positions).
  ClusterManager(net::Executor executor, const config::Config& config, ClusterStateStore& store,
                 Actuators& actuators, EventLog& events, std::function<void()> probe_now);

  /// A monitor round (replaces the monitor's own publishing).
  void on_observations(const std::vector<NodeObservation>& observations,
                       std::chrono::steady_clock::time_point sent_at);
  /// A node's health changed.
  void on_health(std::size_t node, const NodeHealth& health);

  /// Operator requests; the text says what was done.
  net::awaitable<Result<std::string>> detach(std::size_t node);
  net::awaitable<Result<std::string>> attach(std::size_t node);
  /// Promotes `node` when the primary is down (a manual failover); `force` skips the lag and
  /// synchronous checks (never the health check).
  net::awaitable<Result<std::string>> promote(std::size_t node, bool force);
  /// A planned role change with no lost commit: pause writes, fence the primary, wait for
  /// `node` to replay everything, promote it, re-point the others, resume.
  net::awaitable<Result<std::string>> switchover(std::size_t node);

  const HealthView& health() const { return health_; }
  /// Without the superuser's password nothing can be promoted: automatic failover holds (and
  /// says so) instead of failing half-way.
  void set_superuser_password_known(bool known) { superuser_password_known_ = known; }
  /// Whether a role change is under way.
  bool busy() const { return busy_; }

 private:
  void publish();
  void evaluate();
  net::awaitable<void> run_failover(std::size_t failed_primary);
  /// Fences `node`, found out of recovery while another node is the primary (a former primary
  /// that came back, a standby promoted by hand): pgwarden gives it no traffic, and the fence
  /// stops clients that bypass pgwarden from writing there too.
  net::awaitable<void> fence_false_primary(std::size_t node);
  /// Fresh WAL positions: an immediate monitor round, waited for (bounded).
  net::awaitable<void> refresh_positions();
  /// Promotes `new_primary` in place of `old_primary` and re-points the others; the steps
  /// shared by failover, promote and switchover.
  net::awaitable<Result<void>> change_primary(std::size_t old_primary, std::size_t new_primary,
                                              const std::string& kind);
  net::awaitable<void> update_synchronous_standbys();
  void run_hook(const std::string& event, std::optional<std::size_t> failed,
                std::optional<std::size_t> old_primary, std::optional<std::size_t> new_primary);
  FailoverPolicy policy() const;
  /// Up or down as published: health checks decide, the monitor's view stands until a node's
  /// first health check, a detached node is down.
  NodeStatus published_status(const NodeState& node) const;
  bool primary_serving() const;
  std::optional<std::size_t> node_index(std::size_t node) const;

  net::Executor executor_;
  const config::Config& config_;
  ClusterStateStore& store_;
  Actuators& actuators_;
  EventLog& events_;
  std::function<void()> probe_now_;
  ClusterState state_;
  HealthView health_;
  bool busy_ = false;
  /// Per node: fenced by pgwarden and not attached or seen in recovery since, so a false
  /// primary found there needs no second fence.
  std::vector<bool> fenced_;
  std::vector<bool> fencing_;                ///< a fence of a false primary is running
  std::vector<std::string> fence_errors_;    ///< the last error of that fence, for events
  std::set<std::size_t> failed_promotions_;  ///< not tried again until healthy again
  /// Set when a failover was cancelled because the primary answered the last look: its health
  /// stays "failed" until the checker's next pass, which must not start a failover per round.
  std::chrono::steady_clock::time_point no_failover_before_{};
  /// When pgwarden last moved the primary role: monitor rounds sent before then describe the
  /// old topology and are dropped.
  std::chrono::steady_clock::time_point primary_changed_at_{};
  std::string last_hold_reason_;
  std::uint64_t observation_rounds_ = 0;
  net::Event observed_;
  /// What pgwarden last set on the primary; unknown at start and after a role change, so the
  /// setting is written once even when it should be empty (a leftover can block commits).
  std::optional<std::string> synchronous_names_;
  bool synchronous_update_running_ = false;
  bool superuser_password_known_ = true;
};

/// pgpool-II's placeholders in a hook command: %d failed node id, %h its host, %p its port,
/// %D its data directory, %m new primary id, %H its host, %r its port, %P old primary id,
/// %N its host, %S its port, %% a percent sign. Unknown values are empty ("-1" for ids).
std::string expand_hook_command(const std::string& command, const ClusterState& state,
                                const config::Config& config, std::optional<std::size_t> failed,
                                std::optional<std::size_t> old_primary,
                                std::optional<std::size_t> new_primary);

}  // namespace pgw::cluster
