#pragma once
/// What one probe of one node returned: the input of apply_observations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgw::cluster {

/// One row of a node's pg_stat_replication: a walsender serving a standby.
struct ReplicationRow {
  std::string application_name;
  std::string state;       ///< "streaming", "catchup", "startup", "backup", "stopping"
  std::string sync_state;  ///< "async", "sync", "potential", "quorum"
  std::optional<double> replay_lag_seconds;  ///< NULL when idle and caught up, or unknown
};

struct NodeObservation {
  /// The probe connected and its query answered. When false only `error` is meaningful.
  bool reachable = false;
  std::string error;  ///< why not reachable, for logs

  bool in_recovery = false;
  /// Out of recovery: pg_current_wal_lsn(); in recovery: pg_last_wal_receive_lsn().
  std::optional<std::uint64_t> wal_lsn;
  /// pg_last_wal_replay_lsn() (NULL out of recovery).
  std::optional<std::uint64_t> replay_lsn;
  std::optional<std::uint32_t> timeline;
  /// The node's pg_stat_replication (its walsenders).
  std::vector<ReplicationRow> replication;
};

}  // namespace pgw::cluster
