#pragma once
/// Cluster events as JSON for GET /v1/events, and back as a table for `pgwarden ctl events`.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/table.hpp"
#include "cluster/cluster_state.hpp"
#include "cluster/event_log.hpp"
#include "common/result.hpp"

namespace pgw::admin {

/// ISO 8601 in UTC with milliseconds: "2024-03-05T14:07:09.123Z".
std::string format_utc_time(std::chrono::system_clock::time_point when);

/// An array, oldest first, of {"id": 7, "time": "2024-03-05T14:07:09.123Z", "kind": "detach",
/// "node": {"id": 1, "name": "pg2"} or null, "message": "...", "warning": false}. Names come from
/// `state` (null: "name" is null).
nlohmann::json events_to_json(const std::vector<cluster::Event>& events,
                              const cluster::ClusterState* state);

/// The columns `pgwarden ctl events` prints: id, time, level ("info" / "warning"), kind, node
/// (its name, else its id; empty for none), message.
const std::vector<std::string>& events_columns();

/// events_to_json's array as a table of events_columns(); errors when `events` is not an array
/// of objects with at least "id", "kind" and "message".
Result<Table> events_table_from_json(const nlohmann::json& events);

}  // namespace pgw::admin
