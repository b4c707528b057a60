#pragma once
/// The replication monitor: in rounds monitor.period apart, it probes every backend at once (one
/// persistent pgclient::Connection per node, one query per node: kProbeQuery), waits for all
/// of them, turns the answers into the next ClusterState (apply_observations), publishes it and
/// logs what changed (once per change). It also runs the function-volatility lookups routing
/// asks for, on the primary.
///
/// Threads: every member but probe_now() and start() runs on the executor given at
/// construction, which must run on one thread (an io_context run by one thread, or a strand).
/// Each round takes at most connect_timeout (connect, then again for the login) +
/// query_timeout per node, run concurrently; so does stop() in the worst case (a login under
/// way cannot be interrupted; a query can).

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "cluster/cluster_state_store.hpp"
#include "cluster/node_observation.hpp"
#include "config/config.hpp"
#include "net/asio.hpp"
#include "net/event.hpp"
#include "pgclient/connection.hpp"

namespace pgw::cluster {

class ReplicationMonitor {
 public:
  /// Reads the backends and the [monitor] section of `config` (period, user, database,
  /// timeouts); `password` is the monitor user's (config.monitor.password or the passwords
  /// file's entry). `store` must hold one node per backend and outlive the monitor.
  ReplicationMonitor(net::Executor executor, const config::Config& config, std::string password,
                     ClusterStateStore& store);
  /// Precondition: stop() has completed, or start() was never called; no probe_now() handler
  /// is still queued (destroy on the executor's thread or once its io_context has stopped).
  ~ReplicationMonitor();
  /// Connect with these addresses (one per backend, in config order) instead of the plain
  /// host and port of the config: the proxy's, which carry each backend's TLS setting.
  /// Call before start().
  void use_addresses(std::vector<pool::BackendAddress> addresses);
  ReplicationMonitor(const ReplicationMonitor&) = delete;
  ReplicationMonitor& operator=(const ReplicationMonitor&) = delete;

  /// Routing's hook, called on the executor after each round: function names ("name" or
  /// "schema.name") whose volatility is wanted. The monitor keeps every name it is given until
  /// it has an answer (so the hook may hand each name out once), and when a primary is up it
  /// queries it for up to kMaxLookupsPerRound of them per round, then calls
  /// on_function_volatility once per name with 'i', 's', 'v' or 'm' (no such function). A
  /// failed lookup is retried next round.
  std::function<std::vector<std::string>()> pending_function_lookups;
  std::function<void(std::string name, char volatility)> on_function_volatility;
  static constexpr std::size_t kMaxLookupsPerRound = 200;
  /// When set, each round's observations go here (the ClusterManager folds them into the state
  /// and publishes) instead of being published by the monitor.
  std::function<void(const std::vector<NodeObservation>&, std::chrono::steady_clock::time_point)>
      on_observations;
  /// Called once, after the first round with a primary, with the volatility of every
  /// pg_catalog function (retried each round until it succeeds).
  std::function<void(std::vector<std::pair<std::string, char>>)> on_builtin_volatilities;
  /// True once on_builtin_volatilities was called (thread-safe).
  bool builtins_loaded() const { return builtins_loaded_.load(std::memory_order_acquire); }

  /// Spawns the monitoring loop on the executor; the first round starts at once. Call once.
  /// Thread-safe.
  void start();
  /// Ends the loop: interrupts queries under way, closes every connection, and completes when
  /// the loop has ended. Nothing is published after it completes. On the executor.
  net::awaitable<void> stop();
  /// Starts a round now instead of at the end of the period (after the round under way, if
  /// any). Thread-safe. Wait for the result with the store's generation.
  void probe_now();

 private:
  struct ProbeRound;

  net::awaitable<void> run();
  net::awaitable<void> run_round();
  net::awaitable<std::vector<NodeObservation>> probe_all();
  net::awaitable<NodeObservation> probe_node(std::size_t id);
  void collect_function_lookups();
  net::awaitable<void> lookup_function_volatility(std::size_t primary);
  net::awaitable<void> load_builtin_volatility(std::size_t primary);
  net::awaitable<void> wait_for_next_round();
  void log_changes(const ClusterState& previous, const ClusterState& next,
                   const std::vector<NodeObservation>& observations);
  pgclient::ConnectOptions connect_options(std::size_t id) const;
  void close_connections();

  net::Executor executor_;
  config::MonitorConfig settings_;
  std::vector<pool::BackendAddress> addresses_;
  std::string password_;
  ClusterStateStore& store_;
  std::vector<std::unique_ptr<pgclient::Connection>> connections_;
  std::vector<std::string> last_errors_;  // per node, to log a new reason for being down once
  // Function names taken from pending_function_lookups and not answered yet, in order.
  std::vector<std::string> lookup_backlog_;
  std::unordered_set<std::string> lookup_backlog_names_;
  std::string last_lookup_error_;
  net::asio::steady_timer wake_;
  net::Event loop_ended_;
  std::atomic<bool> started_{false};
  std::atomic<bool> builtins_loaded_{false};
  bool stopping_ = false;
  bool probe_requested_ = false;
};

}  // namespace pgw::cluster
