#pragma once
/// The replication monitor's one query per node and period, and the pure reading of its answer.

#include <string>
#include <string_view>

#include "cluster/node_observation.hpp"
#include "common/result.hpp"
#include "pgclient/query_result.hpp"

namespace pgw::cluster {

/// One round trip, five text columns: a "node" row (in_recovery, wal_lsn, replay_lsn,
/// timeline) followed by one "walsender" row per pg_stat_replication entry (application_name,
/// state, sync_state, replay_lag in seconds). Needs pg_monitor (pg_read_all_stats) for the
/// walsender details. The timeline of a node out of recovery is that of its current WAL file
/// (exact just after a promotion); in recovery, that of its last restartpoint.
inline constexpr std::string_view kProbeQuery =
    "SELECT 'node', s.r::text,"
    " (CASE WHEN s.r THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END)::text,"
    " pg_last_wal_replay_lsn()::text,"
    " (CASE WHEN s.r THEN (SELECT timeline_id FROM pg_control_checkpoint())::bigint"
    " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint"
    " END)::text"
    " FROM (SELECT pg_is_in_recovery() AS r) AS s"
    " UNION ALL"
    " SELECT 'walsender', application_name, state, sync_state,"
    " EXTRACT(EPOCH FROM replay_lag)::text"
    " FROM pg_stat_replication";

/// Reads kProbeQuery's answer into a reachable observation; an error names what was wrong.
Result<NodeObservation> parse_probe_result(const pgclient::QueryResult& result);

}  // namespace pgw::cluster
