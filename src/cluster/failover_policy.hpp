#pragma once
/// Failover decisions as a pure function (STYLE.md rule 2): from the cluster state, the health
/// checks and the policy, what to do now. The ClusterManager carries plans out through its
/// actuators; this file has no I/O, no clock and no state. Table-tested over its input space in
/// tests/unit/cluster/failover_policy_test.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "cluster/node_health.hpp"

namespace pgw::cluster {

struct FailoverPolicy {
  bool enabled = true;
  /// Bytes a standby may be behind the failed primary's last known position (0: any).
  std::uint64_t maximum_lag = 16ull * 1024 * 1024;
  /// Only standbys the primary reported as synchronous ("sync" or "quorum") may be promoted.
  bool synchronous_mode = false;
  /// A node whose health changed this often within the flap window is not failed over.
  std::uint32_t flap_threshold = 6;
  /// Per node (by id): the higher wins among equally advanced standbys. Missing: 0.
  std::vector<std::int32_t> priority;
  /// Nodes whose promotion failed: passed over until they pass their health checks again (or an
  /// operator attaches them), so that failover moves on to the next candidate.
  std::vector<std::size_t> failed_promotions;
};

struct FailoverPlan {
  enum class Kind {
    kNothing,   ///< all is well (or nothing can be done and nothing needs saying)
    kHold,      ///< the primary failed but failover must not happen now; `reason` says why
    kFailover,  ///< promote `new_primary` in place of `failed_primary`, re-point `followers`
  };
  Kind kind = Kind::kNothing;
  std::string reason;
  std::optional<std::size_t> failed_primary;
  std::optional<std::size_t> new_primary;
  std::vector<std::size_t> followers;
  /// Standbys the health checks failed: detach them (no reads) — never a reason to promote.
  std::vector<std::size_t> detach;
};

FailoverPlan plan_failover(const ClusterState& state, const HealthView& health,
                           const FailoverPolicy& policy);

/// Why `candidate` cannot replace `primary` ("" when it can): the eligibility rules of
/// plan_failover, also used to check an operator's `promote` and `switchover` requests.
/// `primary` may be kNoPrimary (no primary is known): then there is nothing to measure lag
/// against and the lag check is skipped; every other rule applies.
inline constexpr std::size_t kNoPrimary = static_cast<std::size_t>(-1);
std::string promotion_obstacle(const ClusterState& state, const HealthView& health,
                               const FailoverPolicy& policy, std::size_t primary,
                               std::size_t candidate);

}  // namespace pgw::cluster
