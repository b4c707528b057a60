#pragma once
/// What an operator should read about when a new snapshot replaces the old one: each change
/// once, when it happens (never every period). Pure; the monitor logs the notes.

#include <string>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "cluster/node_observation.hpp"

namespace pgw::cluster {

struct ChangeNote {
  bool warning = false;  ///< log as a warning (a node lost, a false primary, a new primary)
  std::string text;
};

/// Primary changes, status changes (with the probe's error when a node goes down), role
/// changes, false primaries appearing and clearing. `observations` are those that produced
/// `next`.
std::vector<ChangeNote> describe_changes(const ClusterState& previous, const ClusterState& next,
                                         const std::vector<NodeObservation>& observations);

}  // namespace pgw::cluster
