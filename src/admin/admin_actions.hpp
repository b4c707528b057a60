#pragma once
/// What the admin API may change in the cluster: the operator's manual operations. The daemon
/// implements it over cluster::ClusterManager (src/app/cluster_admin_actions.hpp); the tests
/// with a fake (tests/fakes/fake_admin_actions.hpp).

#include <cstddef>
#include <string>

#include "common/result.hpp"
#include "net/asio.hpp"

namespace pgw::admin {

/// Called on the admin HTTP server's executor; requests on different connections may be under
/// way at once (the implementation refuses what cannot run concurrently). `node` is a node id
/// of the current ClusterState, already checked. Each result is a sentence saying what was
/// done ("detached pg2"), or why it was refused or failed: the API answers 409 with that text.
class AdminActions {
 public:
  virtual ~AdminActions() = default;
  /// Takes a standby out of service (no more reads, not a failover candidate).
  virtual net::awaitable<Result<std::string>> detach(std::size_t node) = 0;
  /// Puts a detached node back in service.
  virtual net::awaitable<Result<std::string>> attach(std::size_t node) = 0;
  /// Promotes `node` while the primary is down (a manual failover); `force` skips the lag and
  /// synchronous checks.
  virtual net::awaitable<Result<std::string>> promote(std::size_t node, bool force) = 0;
  /// A planned move of the primary role to `node`, without losing a commit.
  virtual net::awaitable<Result<std::string>> switchover(std::size_t node) = 0;
};

}  // namespace pgw::admin
