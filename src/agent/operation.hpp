#pragma once
/// The operations of the agent's authenticated API (POST /v1/<operation>) and their
/// parameters, parsed from the request: pure, no I/O.

#include <optional>
#include <string_view>

#include "agent/pg_ctl.hpp"
#include "common/result.hpp"

namespace pgw::agent {

enum class Operation { kStart, kStop, kRestart, kReload, kPromote };

/// "start", "stop", ...
std::string_view operation_name(Operation operation);

/// The operation served at `path` ("/v1/stop"), or nullopt.
std::optional<Operation> operation_for_path(std::string_view path);

struct OperationRequest {
  Operation operation = Operation::kStart;
  StopMode mode = StopMode::kFast;  ///< stop and restart only
};

/// The request's parameters, from the query string (`?mode=immediate`) or a JSON object body
/// (`{"mode": "immediate"}`; the query wins when both give one). `mode` (fast|immediate,
/// default fast) is accepted by stop and restart only. Errors (answered 400) say what is wrong:
/// a body that is not a JSON object, an unknown parameter, a bad value.
Result<OperationRequest> parse_operation_request(Operation operation, std::string_view target,
                                                 std::string_view body);

}  // namespace pgw::agent
