#pragma once
/// Tables as JSON for the admin HTTP API, and back for `pgwarden ctl`. Kept apart from
/// table.hpp so that only the files that need JSON include nlohmann/json.hpp.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/table.hpp"
#include "common/result.hpp"

namespace pgw::admin {

/// An array with one object per row, keys = column names. Known numeric columns become JSON
/// numbers (node_id, port, select_cnt: integers; lb_weight: a float; replication_delay: an
/// integer for bytes, a float for pgpool's "1.500000 seconds" form), load_balance_node a JSON
/// boolean, NULL cells null; everything else, and a cell that does not parse as its column's
/// kind, stays a string.
nlohmann::json to_json(const Table& table);

/// The inverse of to_json for display: `columns` in that order (empty: the keys of the first
/// object, in JSON order); a missing key is NULL, booleans "true"/"false", integers in decimal,
/// floats "%f" (replication_delay floats in pgpool's seconds wording), strings as they are.
/// Errors when `json` is not an array of objects.
Result<Table> table_from_json(const nlohmann::json& json, const std::vector<std::string>& columns);

}  // namespace pgw::admin
