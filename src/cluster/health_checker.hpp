#pragma once
/// Health checks: every node gets a trivial query every period on a persistent connection;
/// a failed check is retried on a fresh connection `retries` times, `retry_delay` apart, before
/// the node counts as failed. check_now() checks a node at once (a session lost its server
/// connection to it: like pgpool-II's failover_on_backend_error, without waiting a period).
///
/// Runs on one executor (single-threaded); reports every health change through the callback,
/// on that executor. start(), check_now() are thread-safe.

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/node_health.hpp"
#include "config/config.hpp"
#include "net/asio.hpp"
#include "net/event.hpp"
#include "pgclient/connection.hpp"

namespace pgw::cluster {

class HealthChecker {
 public:
  using Report = std::function<void(std::size_t node, const NodeHealth& health)>;

  /// `addresses` by node id; credentials are the monitor's ([monitor] user, its password).
  HealthChecker(net::Executor executor, const config::Config& config,
                std::vector<pool::BackendAddress> addresses, std::string password, Report report);
  ~HealthChecker();

  void start();
  net::awaitable<void> stop();
  /// Checks `node` now (thread-safe).
  void check_now(std::size_t node);
  /// The current view (on the executor).
  const std::vector<NodeHealth>& health() const { return health_; }

  /// Classifies a failed check from its error text (pure; exposed for tests).
  static HealthFailure classify(const pgclient::QueryError& error);

 private:
  struct NodeLoop;
  net::awaitable<void> run_node(std::size_t id);
  /// One check; on a fresh connection when `reconnect`. Empty optional: healthy.
  net::awaitable<std::optional<pgclient::QueryError>> check_once(std::size_t id, bool reconnect);
  void set_health(std::size_t id, HealthState state, HealthFailure failure, std::string error);

  net::Executor executor_;
  config::HealthCheckConfig settings_;
  std::chrono::milliseconds flap_window_;
  pgclient::ConnectOptions connect_template_;
  std::vector<pool::BackendAddress> addresses_;
  Report report_;
  std::vector<NodeHealth> health_;
  std::vector<std::deque<std::chrono::steady_clock::time_point>> changes_;
  std::vector<std::unique_ptr<NodeLoop>> loops_;
  bool stopping_ = false;
  bool started_ = false;
};

}  // namespace pgw::cluster
