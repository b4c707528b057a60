#include "cluster/state_changes.hpp"

namespace pgw::cluster {
namespace {

std::string describe(const NodeState& node) {
  return "node " + node.name + " (" + node.host + ":" + std::to_string(node.port) + ")";
}

std::string describe_primary(const ClusterState& state) {
  const auto* primary = state.primary_node();
  return primary ? describe(*primary) : "none";
}

void node_changes(const NodeState& before, const NodeState& after, const ClusterState& next,
                  const NodeObservation& observation, std::vector<ChangeNote>& notes) {
  if (after.status != before.status) {
    if (after.status == NodeStatus::kDown) {
      std::string reason = after.detached ? "detached" : observation.error;
      notes.push_back({true, describe(after) + " is down" + (reason.empty() ? "" : ": " + reason)});
    } else if (after.status == NodeStatus::kUp) {
      notes.push_back(
          {false, describe(after) + " is up (" + std::string(to_string(after.role)) + ")"});
    }
  }
  if (after.role != before.role && before.role != NodeRole::kUnknown) {
    notes.push_back({true, describe(after) + " is now a " + std::string(to_string(after.role)) +
                               " (was a " + std::string(to_string(before.role)) + ")"});
  }
  if (after.false_primary && !before.false_primary) {
    notes.push_back({true, describe(after) + " is out of recovery while " + describe_primary(next) +
                               " is the primary: a false primary, it gets no traffic"});
  } else if (!after.false_primary && before.false_primary) {
    notes.push_back({false, describe(after) + " is no longer a false primary"});
  }
}

}  // namespace

std::vector<ChangeNote> describe_changes(const ClusterState& previous, const ClusterState& next,
                                         const std::vector<NodeObservation>& observations) {
  std::vector<ChangeNote> notes;
  if (next.primary != previous.primary) {
    bool lost = previous.primary.has_value();
    notes.push_back({lost, "primary: " + describe_primary(next) +
                               (lost ? " (was " + describe_primary(previous) + ")" : "")});
  }
  const NodeObservation empty;
  for (std::size_t id = 0; id < next.nodes.size() && id < previous.nodes.size(); ++id) {
    const auto& observation = id < observations.size() ? observations[id] : empty;
    node_changes(previous.nodes[id], next.nodes[id], next, observation, notes);
  }
  return notes;
}

}  // namespace pgw::cluster
