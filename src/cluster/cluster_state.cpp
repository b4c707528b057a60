#include "cluster/cluster_state.hpp"

namespace pgw::cluster {

std::string_view to_string(NodeStatus status) {
  switch (status) {
    case NodeStatus::kUp:
      return "up";
    case NodeStatus::kDown:
      return "down";
    case NodeStatus::kWaiting:
      return "waiting";
    case NodeStatus::kUnused:
      return "unused";
  }
  return "unknown";
}

std::string_view to_string(NodeRole role) {
  switch (role) {
    case NodeRole::kPrimary:
      return "primary";
    case NodeRole::kStandby:
      return "standby";
    case NodeRole::kUnknown:
      return "unknown";
  }
  return "unknown";
}

ClusterState initial_state(const config::Config& config,
                           std::chrono::system_clock::time_point now) {
  ClusterState state;
  state.nodes.reserve(config.backends.size());
  for (std::size_t id = 0; id < config.backends.size(); ++id) {
    const auto& backend = config.backends[id];
    NodeState node;
    node.id = id;
    node.name = backend.name;
    node.host = backend.host;
    node.port = backend.port;
    node.weight = backend.weight;
    node.no_load_balance = backend.no_load_balance;
    node.no_failover = backend.no_failover;
    node.application_name =
        backend.application_name.empty() ? backend.name : backend.application_name;
    node.last_status_change = now;
    state.nodes.push_back(std::move(node));
  }
  return state;
}

}  // namespace pgw::cluster
