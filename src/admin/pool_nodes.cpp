#include "admin/pool_nodes.hpp"

#include <cstdio>
#include <ctime>

namespace pgw::admin {
namespace {

using Row = std::vector<std::optional<std::string>>;

std::string format_fixed(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%f", value);
  return text;
}

std::string format_local_time(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

std::string_view pg_status_of(const cluster::NodeState& node) {
  if (node.reachable) return "up";
  return node.status == cluster::NodeStatus::kWaiting ? "unknown" : "down";
}

std::optional<std::string> delay_of(const cluster::NodeState& node, bool is_primary,
                                    bool in_seconds) {
  if (is_primary) return "0";
  if (in_seconds) {
    if (!node.lag_seconds) return std::nullopt;
    return format_delay_seconds(*node.lag_seconds);
  }
  if (!node.lag_bytes) return std::nullopt;
  return std::to_string(*node.lag_bytes);
}

std::uint64_t total_weight(const cluster::ClusterState& state) {
  std::uint64_t total = 0;
  for (const auto& node : state.nodes)
    total += node.weight;
  return total;
}

Row node_row(const cluster::NodeState& node, bool is_primary, double weight_share,
             std::uint64_t selects, const PoolNodesOptions& options) {
  Row row;
  row.reserve(pool_nodes_columns().size());
  row.emplace_back(std::to_string(node.id));
  row.emplace_back(node.host);
  row.emplace_back(std::to_string(node.port));
  row.emplace_back(std::string(cluster::to_string(node.status)));
  row.emplace_back(std::string(pg_status_of(node)));
  row.emplace_back(format_fixed(weight_share));
  row.emplace_back(is_primary ? "primary" : "standby");
  row.emplace_back(node.reachable ? std::string(cluster::to_string(node.role)) : "unknown");
  row.emplace_back(std::to_string(selects));
  row.emplace_back(options.session_read_node == node.id ? "true" : "false");
  row.push_back(delay_of(node, is_primary, options.delay_in_seconds));
  row.emplace_back(is_primary ? "" : node.replication_state);
  row.emplace_back(is_primary ? "" : node.sync_state);
  row.emplace_back(format_local_time(node.last_status_change));
  return row;
}

}  // namespace

const std::vector<std::string>& pool_nodes_columns() {
  static const std::vector<std::string> columns = {"node_id",
                                                   "hostname",
                                                   "port",
                                                   "status",
                                                   "pg_status",
                                                   "lb_weight",
                                                   "role",
                                                   "pg_role",
                                                   "select_cnt",
                                                   "load_balance_node",
                                                   "replication_delay",
                                                   "replication_state",
                                                   "replication_sync_state",
                                                   "last_status_change"};
  return columns;
}

Table pool_nodes_table(const cluster::ClusterState& state, const cluster::NodeCounters& counters,
                       const PoolNodesOptions& options) {
  Table table;
  table.columns = pool_nodes_columns();
  const std::uint64_t total = total_weight(state);
  for (const auto& node : state.nodes) {
    const double share =
        total == 0 ? 0.0 : static_cast<double>(node.weight) / static_cast<double>(total);
    table.rows.push_back(
        node_row(node, state.primary == node.id, share, counters.selects(node.id), options));
  }
  return table;
}

std::string format_delay_seconds(double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6f %s", seconds, seconds >= 2.0 ? "seconds" : "second");
  return text;
}

Table pool_version_table(std::string_view version) {
  Table table;
  table.columns = {"pool_version"};
  table.rows.push_back({std::string(version)});
  return table;
}

}  // namespace pgw::admin
