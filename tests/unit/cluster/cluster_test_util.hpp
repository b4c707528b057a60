#pragma once
// Builders for ClusterState tables: nodes named node0.., observations of primaries, standbys and
// unreachable nodes.

#include <chrono>
#include <string>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "cluster/node_observation.hpp"

namespace pgw::cluster::testing {

inline config::Config config_with(std::size_t nodes) {
  config::Config config;
  for (std::size_t i = 0; i < nodes; ++i) {
    config::BackendConfig backend;
    backend.name = "node" + std::to_string(i);
    backend.host = "10.0.0." + std::to_string(i + 1);
    backend.port = static_cast<std::uint16_t>(5432 + i);
    config.backends.push_back(backend);
  }
  return config;
}

inline const std::chrono::system_clock::time_point kStart{std::chrono::seconds(1'700'000'000)};
inline const std::chrono::steady_clock::time_point kSteadyStart{std::chrono::seconds(1000)};

inline ClusterState state_with(std::size_t nodes) {
  return initial_state(config_with(nodes), kStart);
}

inline ReplicationRow walsender(std::string application_name, std::string state = "streaming",
                                std::string sync_state = "async",
                                std::optional<double> replay_lag = std::nullopt) {
  return ReplicationRow{std::move(application_name), std::move(state), std::move(sync_state),
                        replay_lag};
}

inline NodeObservation primary(std::uint64_t wal_lsn, std::vector<ReplicationRow> rows = {},
                               std::uint32_t timeline = 1) {
  NodeObservation observation;
  observation.reachable = true;
  observation.in_recovery = false;
  observation.wal_lsn = wal_lsn;
  observation.timeline = timeline;
  observation.replication = std::move(rows);
  return observation;
}

inline NodeObservation standby(std::optional<std::uint64_t> receive_lsn,
                               std::optional<std::uint64_t> replay_lsn,
                               std::uint32_t timeline = 1) {
  NodeObservation observation;
  observation.reachable = true;
  observation.in_recovery = true;
  observation.wal_lsn = receive_lsn;
  observation.replay_lsn = replay_lsn;
  observation.timeline = timeline;
  return observation;
}

inline NodeObservation unreachable(std::string error = "connection refused") {
  NodeObservation observation;
  observation.error = std::move(error);
  return observation;
}

}  // namespace pgw::cluster::testing
