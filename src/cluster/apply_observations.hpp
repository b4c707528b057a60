#pragma once
/// The replication monitor's decision, as a pure function (no I/O, no clock): from the previous
/// snapshot and one round of probes to the next snapshot.

#include <chrono>
#include <optional>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "cluster/node_observation.hpp"

namespace pgw::cluster {

/// Precondition: observations.size() == previous.nodes.size() (index == node id).
///
/// - Status: reachable -> kUp, else kDown (kUnused is kept). Role: reachable nodes get
///   kPrimary/kStandby from in_recovery; an unreachable node keeps its last known role.
///   last_status_change = `now` when status or role changes.
/// - The primary is the reachable node out of recovery. With two or more (a standby promoted by
///   hand, an old primary back after a failover): the previous primary if it is still one;
///   else the node the most standbys stream from (their application_names in its
///   pg_stat_replication); then the higher timeline; then the lowest id. The others are
///   false_primary. Never two primaries. With none reachable out of recovery, the previous
///   primary stays if it is now unreachable (status kDown), else there is no primary.
/// - Lag: a standby's lag_bytes = the primary's wal_lsn - its replay_lsn (0 when ahead);
///   lag_seconds = 0 when lag_bytes is 0, else replay_lag from the primary's
///   pg_stat_replication. replication_state and sync_state come from the primary's row with
///   the node's application_name (a "streaming" row preferred).
/// - sampled_at (node and cluster) = `steady_now` for what was read in this round, which the
///   caller takes when it sends the probes. generation is left for the store to set.
ClusterState apply_observations(const ClusterState& previous,
                                const std::vector<NodeObservation>& observations,
                                std::chrono::system_clock::time_point now,
                                std::chrono::steady_clock::time_point steady_now);

/// The primary of the next state by the rule above (nullopt: none). Exposed for tests.
std::optional<std::size_t> choose_primary(const ClusterState& previous,
                                          const std::vector<NodeObservation>& observations);

}  // namespace pgw::cluster
