#pragma once
/// The unauthenticated health probes, compatible with Patroni's REST API so that HAProxy and
/// load balancers configured for Patroni work unchanged: the status code of each probe is a
/// pure function of the node's live state. Nothing secret is ever in a probe's answer.

#include <optional>
#include <string>
#include <string_view>

namespace pgw::agent {

/// What the agent could learn of its PostgreSQL server just now.
struct NodeState {
  bool running = false;
  /// pg_is_in_recovery() when a query answered; nullopt when the role is unknown (not running,
  /// or running but the monitoring login failed).
  std::optional<bool> in_recovery;
};

enum class Probe {
  kPrimary,   ///< GET /primary, /read-write, / (and Patroni's older /master, /leader)
  kReplica,   ///< GET /replica
  kReadOnly,  ///< GET /read-only
  kHealth,    ///< GET /health
};

/// The probe served at `path` (no query string), or nullopt for any other path.
std::optional<Probe> probe_for_path(std::string_view path);

/// 200 or 503, as Patroni answers:
/// - primary: running and not in recovery;
/// - replica: running and in recovery;
/// - read-only: running with a known role (primary or replica);
/// - health: running.
int probe_status(Probe probe, const NodeState& state);

/// "primary", "replica" or "unknown".
std::string_view role_name(const NodeState& state);

/// The probe's JSON body: {"state": "running"|"stopped", "role": "primary"|"replica"|"unknown"}.
std::string probe_body(const NodeState& state);

}  // namespace pgw::agent
