#include "cluster/probe_query.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "cluster/lsn.hpp"

namespace pgw::cluster {
namespace {

constexpr std::size_t kColumns = 5;

Result<std::optional<std::uint64_t>> read_lsn(const std::optional<std::string>& value,
                                              std::string_view what) {
  if (!value) return std::optional<std::uint64_t>();
  auto lsn = parse_lsn(*value);
  if (!lsn) return fail("invalid " + std::string(what) + " \"" + *value + "\"");
  return std::optional<std::uint64_t>(*lsn);
}

Result<bool> read_bool(const std::optional<std::string>& value) {
  if (value == "true" || value == "t") return true;
  if (value == "false" || value == "f") return false;
  return fail("invalid pg_is_in_recovery() value");
}

Result<std::optional<std::uint32_t>> read_timeline(const std::optional<std::string>& value) {
  if (!value) return std::optional<std::uint32_t>();
  std::uint32_t timeline = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), timeline);
  if (ec != std::errc() || end != value->data() + value->size())
    return fail("invalid timeline \"" + *value + "\"");
  return std::optional<std::uint32_t>(timeline);
}

std::optional<double> read_seconds(const std::optional<std::string>& value) {
  if (!value || value->empty()) return std::nullopt;
  char* end = nullptr;
  double seconds = std::strtod(value->c_str(), &end);
  if (end != value->c_str() + value->size() || !std::isfinite(seconds)) return std::nullopt;
  return seconds;
}

Result<void> read_node_row(const pgclient::Row& row, NodeObservation& observation) {
  auto in_recovery = read_bool(row[1]);
  if (!in_recovery) return fail(in_recovery.error().message);
  auto wal = read_lsn(row[2], "WAL position");
  if (!wal) return fail(wal.error().message);
  auto replay = read_lsn(row[3], "replay position");
  if (!replay) return fail(replay.error().message);
  auto timeline = read_timeline(row[4]);
  if (!timeline) return fail(timeline.error().message);
  observation.in_recovery = *in_recovery;
  observation.wal_lsn = *wal;
  observation.replay_lsn = *replay;
  observation.timeline = *timeline;
  return {};
}

ReplicationRow read_walsender_row(const pgclient::Row& row) {
  ReplicationRow walsender;
  walsender.application_name = row[1].value_or("");
  walsender.state = row[2].value_or("");
  walsender.sync_state = row[3].value_or("");
  walsender.replay_lag_seconds = read_seconds(row[4]);
  return walsender;
}

}  // namespace

Result<NodeObservation> parse_probe_result(const pgclient::QueryResult& result) {
  if (result.columns.size() != kColumns) return fail("unexpected columns in the probe's answer");
  NodeObservation observation;
  observation.reachable = true;
  bool seen_node = false;
  for (const auto& row : result.rows) {
    if (row.size() != kColumns) return fail("unexpected row in the probe's answer");
    if (row[0] == "walsender") {
      observation.replication.push_back(read_walsender_row(row));
    } else if (row[0] == "node" && !seen_node) {
      auto read = read_node_row(row, observation);
      if (!read) return fail(read.error().message);
      seen_node = true;
    } else {
      return fail("unexpected row in the probe's answer");
    }
  }
  if (!seen_node) return fail("no node row in the probe's answer");
  return observation;
}

}  // namespace pgw::cluster
