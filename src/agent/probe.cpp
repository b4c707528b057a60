#include "agent/probe.hpp"

#include <nlohmann/json.hpp>

namespace pgw::agent {

std::optional<Probe> probe_for_path(std::string_view path) {
  if (path == "/" || path == "/primary" || path == "/read-write" || path == "/master" ||
      path == "/leader") {
    return Probe::kPrimary;
  }
  if (path == "/replica") return Probe::kReplica;
  if (path == "/read-only") return Probe::kReadOnly;
  if (path == "/health") return Probe::kHealth;
  return std::nullopt;
}

int probe_status(Probe probe, const NodeState& state) {
  constexpr int kOk = 200;
  constexpr int kUnavailable = 503;
  if (!state.running) return kUnavailable;
  switch (probe) {
    case Probe::kPrimary:
      return state.in_recovery == false ? kOk : kUnavailable;
    case Probe::kReplica:
      return state.in_recovery == true ? kOk : kUnavailable;
    case Probe::kReadOnly:
      return state.in_recovery.has_value() ? kOk : kUnavailable;
    case Probe::kHealth:
      return kOk;
  }
  return kUnavailable;
}

std::string_view role_name(const NodeState& state) {
  if (!state.running || !state.in_recovery) return "unknown";
  return *state.in_recovery ? "replica" : "primary";
}

std::string probe_body(const NodeState& state) {
  nlohmann::json body = {{"state", state.running ? "running" : "stopped"},
                         {"role", std::string(role_name(state))}};
  return body.dump();
}

}  // namespace pgw::agent
