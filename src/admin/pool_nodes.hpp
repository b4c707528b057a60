#pragma once
/// SHOW POOL_NODES and SHOW POOL_VERSION as tables, worded like pgpool-II 4.3 (its
/// pool_process_reporting.c), so tools written for pgpool read them unchanged.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/table.hpp"
#include "cluster/cluster_state.hpp"
#include "cluster/node_counters.hpp"

namespace pgw::admin {

struct PoolNodesOptions {
  /// The node the asking session reads from: its load_balance_node is "true" (pgpool: the
  /// session's load-balance node; outside a session every row says "false").
  std::optional<std::size_t> session_read_node;
  /// replication_delay in seconds (routing.delay_threshold_time is set), like pgpool 4.4's
  /// delay_threshold_by_time, instead of bytes.
  bool delay_in_seconds = false;
};

/// pgpool-II 4.3's 14 columns, in its order: node_id, hostname, port, status, pg_status,
/// lb_weight, role, pg_role, select_cnt, load_balance_node, replication_delay,
/// replication_state, replication_sync_state, last_status_change.
const std::vector<std::string>& pool_nodes_columns();

/// One row per node, in node id order:
/// - status: "up" / "down" / "waiting" / "unused" (the node's NodeStatus);
/// - pg_status: "up" when the last probe answered, "down" when it did not, "unknown" while the
///   node was never probed (status "waiting");
/// - lb_weight: the node's share of the total configured weight, "%f" ("0.500000");
/// - role: what pgwarden assigned — "primary" for ClusterState::primary, "standby" for every
///   other node (a false primary included, as pgpool shows the role it assigned);
/// - pg_role: what the node itself reported in the last probe ("primary"/"standby"), or
///   "unknown" when it is unreachable;
/// - select_cnt: counters.selects(node) (0 for nodes the counters do not cover);
/// - load_balance_node: "true" for options.session_read_node, else "false";
/// - replication_delay: "0" for the primary; for others the lag in bytes, or with
///   delay_in_seconds format_delay_seconds(lag_seconds); NULL when unknown this round;
/// - replication_state, replication_sync_state: from the primary's pg_stat_replication, ""
///   for the primary and for nodes it does not list;
/// - last_status_change: local time, "YYYY-MM-DD HH:MM:SS".
Table pool_nodes_table(const cluster::ClusterState& state, const cluster::NodeCounters& counters,
                       const PoolNodesOptions& options);

/// pgpool's wording of a delay in seconds: "%.6f" then " second", or " seconds" from 2 s on
/// ("0.250000 second", "3.000000 seconds").
std::string format_delay_seconds(double seconds);

/// One column "pool_version", one row holding `version`.
Table pool_version_table(std::string_view version);

}  // namespace pgw::admin
