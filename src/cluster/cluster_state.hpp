#pragma once
/// ClusterState: what pgwarden knows about its backends, as one immutable value. Sessions read
/// the current snapshot (ClusterStateStore); only the cluster side publishes new ones
/// (DESIGN.md "One source of truth for the cluster").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace pgw::cluster {

/// pgpool-II's node statuses.
enum class NodeStatus {
  kUp,       ///< the last probe answered
  kDown,     ///< the monitor cannot reach it (later also: detached by failover)
  kWaiting,  ///< not probed yet since start
  /// Configured but taken out of service by an operator (maintenance; set by later admin
  /// commands, never by the monitor). apply_observations keeps it: the node is still probed
  /// (role, LSNs) but gets no traffic.
  kUnused,
};

/// Discovered with pg_is_in_recovery(), never configured.
enum class NodeRole { kPrimary, kStandby, kUnknown };

/// "up", "down", "waiting", "unused" (SHOW POOL_NODES wording).
std::string_view to_string(NodeStatus status);
/// "primary", "standby", "unknown".
std::string_view to_string(NodeRole role);

struct NodeState {
  std::size_t id = 0;  ///< position in the config's [[backends]]
  std::string name;
  std::string host;
  std::uint16_t port = 5432;
  std::uint32_t weight = 1;
  bool no_load_balance = false;
  bool no_failover = false;
  /// What its WAL receiver reports as application_name (the config's, else the name).
  std::string application_name;

  NodeStatus status = NodeStatus::kWaiting;
  /// As last discovered; kept while the node is unreachable (the last known role).
  NodeRole role = NodeRole::kUnknown;
  bool reachable = false;      ///< the last probe answered (pgpool's pg_status)
  bool false_primary = false;  ///< out of recovery while another node is the primary: no traffic
  /// Primary: pg_current_wal_lsn(); standby: pg_last_wal_receive_lsn(). Last known values are
  /// kept while the node is unreachable.
  std::optional<std::uint64_t> wal_lsn;
  /// Standby: pg_last_wal_replay_lsn(); primary: the same as wal_lsn.
  std::optional<std::uint64_t> replay_lsn;
  /// Standby: the primary's wal_lsn - this replay_lsn (0 when ahead); primary: 0. Unknown
  /// (nullopt) when either node was not read this round.
  std::optional<std::uint64_t> lag_bytes;
  /// Standby: replay_lag from the primary's pg_stat_replication, or 0 when fully caught up
  /// (lag_bytes == 0); primary: 0.
  std::optional<double> lag_seconds;
  /// pg_stat_replication.state for this standby as the primary reports it ("streaming",
  /// "catchup", ...); "" when the primary lists no such walsender.
  std::string replication_state;
  /// pg_stat_replication.sync_state ("async", "sync", "potential", "quorum"); "" if absent.
  std::string sync_state;
  /// The timeline the node was last seen on.
  std::optional<std::uint32_t> timeline;
  /// Taken out of service by failover or an operator (`pgwarden ctl detach`): reported down and
  /// given no traffic whatever the probes say, until attached again.
  bool detached = false;
  /// When status or role last changed.
  std::chrono::system_clock::time_point last_status_change{};
  /// When the values above were last read from this node.
  std::chrono::steady_clock::time_point sampled_at{};
};

struct ClusterState {
  std::uint64_t generation = 0;  ///< set by ClusterStateStore::publish
  std::vector<NodeState> nodes;  ///< index == id == position in the config's [[backends]]
  /// The primary pgwarden routes writes to. It stays on a primary that became unreachable (with
  /// status kDown) until another node is seen out of recovery, so failover sees which node it
  /// lost; routing checks the status.
  std::optional<std::size_t> primary;
  /// When the primary's wal_lsn was read, or a little earlier (the monitor takes the time it
  /// sends its probes): a snapshot sampled after a commit has a wal_lsn that includes it.
  std::chrono::steady_clock::time_point sampled_at{};
  /// A failover or switchover is under way: sessions that need the primary wait for it.
  bool failover_in_progress = false;

  /// The primary's state, if there is one.
  const NodeState* primary_node() const { return primary ? &nodes.at(*primary) : nullptr; }
};

/// One node per backend, every node kWaiting / kUnknown, last_status_change = `now`.
ClusterState initial_state(const config::Config& config, std::chrono::system_clock::time_point now =
                                                             std::chrono::system_clock::now());

}  // namespace pgw::cluster
