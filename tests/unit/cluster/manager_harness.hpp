#pragma once
// A ClusterManager on a real single-threaded io_context (run by the test, no sockets), with
// FakeActuators and a scripted `world` that answers the manager's probe requests in place of
// the replication monitor. Every snapshot the store publishes is checked (never two writable
// primaries up) as far as polling can see it: after every handler the io_context runs, at every
// actuator call and at every probe request. A snapshot replaced by another within one handler,
// with no effect in between, is not seen.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/cluster_manager.hpp"
#include "cluster_test_util.hpp"
#include "fakes/fake_actuators.hpp"

namespace pgw::cluster::testing {

using namespace std::chrono_literals;

/// `nodes` backends (config_with), timeouts small enough for tests, a hook command.
inline config::Config manager_config(std::size_t nodes) {
  auto config = config_with(nodes);
  config.monitor.connect_timeout = 20ms;
  config.monitor.query_timeout = 20ms;
  config.health_check.connect_timeout = 20ms;
  config.failover.promote_timeout = 2s;  // generous: the machine is loaded
  config.failover.hook_command = "hook %d %P %m";
  return config;
}

inline NodeHealth health(HealthState state, std::string error = "") {
  NodeHealth health;
  health.state = state;
  health.since = std::chrono::steady_clock::now();
  if (state == HealthState::kFailed || state == HealthState::kFailing) {
    health.failure = HealthFailure::kRefused;
    health.last_error = error.empty() ? "connection refused" : std::move(error);
  }
  return health;
}

/// Writes `out` once `request` finishes (a named coroutine: co_spawn needs a default-constructible
/// result, Result<std::string> is not).
inline net::awaitable<void> capture(net::awaitable<Result<std::string>> request,
                                    std::shared_ptr<std::optional<Result<std::string>>> out) {
  out->emplace(co_await std::move(request));
}

class ManagerHarness {
 public:
  /// node0 is the primary at kLsn, the others stream from it, caught up.
  static constexpr std::uint64_t kLsn = 0x5000;

  explicit ManagerHarness(config::Config config_in)
      : config(std::move(config_in)), store(initial_state(config)) {
    world.push_back(primary(kLsn));
    for (std::size_t id = 1; id < config.backends.size(); ++id) {
      world.push_back(standby(kLsn, kLsn));
      world[0].replication.push_back(walsender(app(id), "streaming", walsender_sync_state));
    }
    fake.on_call = [this](const fakes::ActuatorCall& call) { on_call(call); };
    manager = std::make_unique<ClusterManager>(io.get_executor(), config, store, fake, events,
                                               [this] { probe_now(); });
  }
  ManagerHarness(const ManagerHarness&) = delete;
  ManagerHarness& operator=(const ManagerHarness&) = delete;

  /// One monitor round over `world`.
  void round() {
    manager->on_observations(world, std::chrono::steady_clock::now());
    observe();
  }
  void report(std::size_t node, HealthState state, std::string error = "") {
    manager->on_health(node, health(state, std::move(error)));
    observe();
  }
  /// A first monitor round, every node healthy, then runs until idle.
  void start() {
    round();
    for (std::size_t id = 0; id < world.size(); ++id)
      report(id, HealthState::kHealthy);
    settle();
  }
  /// `node` stops answering: the monitor sees it unreachable, the health checks fail.
  void kill(std::size_t node) {
    world[node] = unreachable();
    round();
    report(node, HealthState::kFailed);
  }
  /// Sets the walsender sync_state the primary reports for every standby.
  void set_sync_states(const std::string& sync_state) {
    walsender_sync_state = sync_state;
    for (auto& observation : world) {
      for (auto& row : observation.replication)
        row.sync_state = sync_state;
    }
  }

  /// Runs handlers until `done()` (true) or `limit` passes (false).
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_one_for(10ms);
      if (io.stopped()) io.restart();
      observe();
    }
    return true;
  }
  /// Runs every ready handler, and waits while a role change is under way.
  void settle() {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto ran = io.poll_one();
      if (io.stopped()) io.restart();
      observe();
      if (ran > 0) continue;
      if (!manager->busy()) return;
      io.run_one_for(10ms);
      if (io.stopped()) io.restart();
      observe();
    }
    ADD_FAILURE() << "the manager is still busy after 5 s";
  }

  /// Starts an operator request; the result appears when the io_context has run it.
  std::shared_ptr<std::optional<Result<std::string>>> begin(
      net::awaitable<Result<std::string>> call) {
    auto out = std::make_shared<std::optional<Result<std::string>>>();
    net::asio::co_spawn(io, capture(std::move(call), out), net::asio::detached);
    return out;
  }
  /// Runs an operator request to its end, then the handlers that are ready (not waiting for a
  /// role change to finish: see settle()).
  Result<std::string> request(net::awaitable<Result<std::string>> call) {
    auto out = begin(std::move(call));
    if (!run_until([&] { return out->has_value(); })) return fail("the request did not finish");
    drain();
    return std::move(**out);
  }
  /// Runs the handlers that are ready now.
  void drain() {
    while (io.poll_one() > 0) {
      if (io.stopped()) io.restart();
      observe();
    }
    if (io.stopped()) io.restart();
    observe();
  }
  /// Forgets the actuator calls made so far (and their snapshots).
  void clear_calls() {
    fake.clear_log();
    call_snapshots.clear();
  }

  std::shared_ptr<const ClusterState> snapshot() const { return store.current(); }
  /// The snapshot published when the `index`-th actuator call was made.
  const ClusterState& at_call(std::size_t index) const { return *call_snapshots.at(index); }

  std::uint64_t last_event() const {
    auto all = events.since(0);
    return all.empty() ? 0 : all.back().id;
  }
  std::vector<std::string> event_kinds(std::uint64_t after = 0) const {
    std::vector<std::string> kinds;
    for (const auto& event : events.since(after))
      kinds.push_back(event.kind);
    return kinds;
  }
  std::vector<Event> events_of(const std::string& kind, std::uint64_t after = 0) const {
    std::vector<Event> out;
    for (const auto& event : events.since(after)) {
      if (event.kind == kind) out.push_back(event);
    }
    return out;
  }

  /// What is wrong with a published snapshot ("" when nothing): a node up as a primary that is
  /// not the cluster's primary, or two of them.
  static std::string snapshot_problem(const ClusterState& state) {
    std::string problem;
    std::size_t writable = 0;
    for (const auto& node : state.nodes) {
      if (node.status != NodeStatus::kUp || node.role != NodeRole::kPrimary || node.false_primary) {
        continue;
      }
      ++writable;
      if (state.primary != node.id) problem += node.name + " is up as a primary; ";
    }
    if (writable > 1) problem += "two primaries up; ";
    return problem;
  }

  config::Config config;
  ClusterStateStore store;
  fakes::FakeActuators fake;
  EventLog events;
  net::asio::io_context io{1};
  std::vector<NodeObservation> world;
  std::string walsender_sync_state = "async";
  /// Whether probe requests get a monitor round (posted, like the real monitor's).
  bool monitor_answers = true;
  std::size_t probe_requests = 0;
  /// Every snapshot seen, in order of generation.
  std::vector<std::shared_ptr<const ClusterState>> snapshots;
  /// The current snapshot at each actuator call (index = position in fake.calls()).
  std::vector<std::shared_ptr<const ClusterState>> call_snapshots;
  std::unique_ptr<ClusterManager> manager;

 private:
  std::string app(std::size_t id) const {
    const auto& backend = config.backends[id];
    return backend.application_name.empty() ? backend.name : backend.application_name;
  }

  void observe() {
    auto current = store.current();
    if (!snapshots.empty() && snapshots.back()->generation == current->generation) return;
    if (auto problem = snapshot_problem(*current); !problem.empty()) {
      ADD_FAILURE() << "generation " << current->generation << ": " << problem;
    }
    snapshots.push_back(std::move(current));
  }

  void probe_now() {
    ++probe_requests;
    observe();
    if (!monitor_answers) return;
    net::asio::post(io, [this] { round(); });
  }

  /// What the effects do to the world the monitor sees.
  void on_call(const fakes::ActuatorCall& call) {
    observe();
    call_snapshots.push_back(store.current());
    if (!call.succeeded) return;
    if (call.op == "promote") {
      auto& promoted = world[call.node];
      promoted.in_recovery = false;
      promoted.replay_lsn.reset();
      promoted.replication.clear();
    } else if (call.op == "follow") {
      for (auto& observation : world) {
        std::erase_if(observation.replication, [&](const ReplicationRow& row) {
          return row.application_name == app(call.node);
        });
      }
      world[*call.primary].replication.push_back(
          walsender(app(call.node), "streaming", walsender_sync_state));
    }
  }
};

}  // namespace pgw::cluster::testing
