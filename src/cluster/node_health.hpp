#pragma once
/// What the health checks know about each node: the input, with ClusterState, of failover
/// decisions.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pgw::cluster {

enum class HealthState {
  kUnknown,  ///< not checked yet
  kHealthy,  ///< the last check answered
  kFailing,  ///< a check failed; retries are under way
  kFailed,   ///< the check and every retry failed
};
std::string_view to_string(HealthState state);

/// Why a check failed, logged distinctly (a refused connection, a reset, a timeout mean
/// different things to an operator).
enum class HealthFailure { kNone, kRefused, kReset, kTimeout, kLogin, kOther };
std::string_view to_string(HealthFailure failure);

struct NodeHealth {
  HealthState state = HealthState::kUnknown;
  HealthFailure failure = HealthFailure::kNone;
  std::string last_error;
  std::chrono::steady_clock::time_point since{};  ///< when `state` began
  /// Changes between healthy and failed within the flap window.
  std::uint32_t recent_changes = 0;
};

struct HealthView {
  std::vector<NodeHealth> nodes;
  /// Whether enough proxies agree that the primary is down (the watchdog fills this in; a lone
  /// proxy always has quorum).
  bool quorum = true;
};

}  // namespace pgw::cluster
