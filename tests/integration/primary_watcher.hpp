#pragma once
// The "never two primaries" watcher of the fault tests: asks every node directly whether it is
// in recovery, and pgwarden (SHOW POOL_NODES) which node it serves as the primary, all the time
// a fault test runs.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "acked_writer.hpp"

namespace pgw::testing {

struct WatchedNode {
  std::string name;
  int port = 0;
  std::string conninfo;  ///< direct, as the superuser
};

/// One thread per node polls `SELECT pg_is_in_recovery()` (persistent connection, dropped on
/// an error or a timeout), one more polls SHOW POOL_NODES through the proxy. Accessors are
/// thread-safe; the figures are final after stop().
class PrimaryWatcher {
 public:
  struct Options {
    std::vector<WatchedNode> nodes;
    std::string proxy_conninfo;
    std::chrono::milliseconds period{50};
    std::chrono::milliseconds pool_nodes_period{250};
    /// Per direct query; a stopped node costs a probe this long (plus libpq's 2 s connect).
    std::chrono::milliseconds timeout{1000};
  };

  explicit PrimaryWatcher(Options options);
  ~PrimaryWatcher();
  PrimaryWatcher(const PrimaryWatcher&) = delete;
  PrimaryWatcher& operator=(const PrimaryWatcher&) = delete;

  void stop();

  /// The most nodes that were out of recovery at the same time, by their last answers (a node
  /// that does not answer counts as unknown, not as a primary).
  int max_out_of_recovery() const;
  /// Node names out of recovery at that moment, e.g. "node0+node1".
  std::string max_out_of_recovery_nodes() const;
  std::size_t direct_answers() const;
  /// How many direct answers said node `index` (of Options::nodes) was out of recovery.
  std::size_t out_of_recovery_answers(std::size_t index) const;
  std::size_t pool_nodes_samples() const;
  /// Each SHOW POOL_NODES that listed two nodes or more with role primary and status up.
  std::vector<std::string> pool_nodes_violations() const;

 private:
  struct Sample {
    SteadyTime at;
    std::size_t node = 0;
    int out_of_recovery = -1;  ///< 1 yes, 0 no, -1 no answer
  };
  void watch_node(std::size_t index);
  void watch_pool_nodes();
  void pause(std::chrono::milliseconds period) const;

  Options options_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  std::size_t pool_nodes_samples_ = 0;
  std::vector<std::string> pool_nodes_violations_;
  std::vector<std::thread> threads_;
};

}  // namespace pgw::testing
