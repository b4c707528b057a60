#include "agent/operation.hpp"
#include <utility>

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "admin/http_types.hpp"

namespace pgw::agent {
namespace {

constexpr std::array<std::pair<Operation, std::string_view>, 5> kOperations = {{
    {Operation::kStart, "start"},
    {Operation::kStop, "stop"},
    {Operation::kRestart, "restart"},
    {Operation::kReload, "reload"},
    {Operation::kPromote, "promote"},
}};

bool takes_mode(Operation operation) {
  return operation == Operation::kStop || operation == Operation::kRestart;
}

Result<StopMode> parse_mode(std::string_view text) {
  if (text == "fast") return StopMode::kFast;
  if (text == "immediate") return StopMode::kImmediate;
  return fail("mode: expected \"fast\" or \"immediate\", got \"" + std::string(text.substr(0, 32)) +
              "\"");
}

/// The mode given by the JSON body, if any.
Result<std::optional<std::string>> body_mode(Operation operation, std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return std::optional<std::string>();
  }
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return fail("the body must be a JSON object");
  std::optional<std::string> mode;
  for (const auto& [key, value] : json.items()) {
    if (key != "mode" || !takes_mode(operation)) {
      return fail(std::string(operation_name(operation)) + " takes no parameter \"" +
                  key.substr(0, 32) + "\"");
    }
    if (!value.is_string()) return fail("mode: expected a string");
    mode = value.get<std::string>();
  }
  return mode;
}

}  // namespace

std::string_view operation_name(Operation operation) {
  for (const auto& [op, name] : kOperations) {
    if (op == operation) return name;
  }
  return "unknown";
}

std::optional<Operation> operation_for_path(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  for (const auto& [op, name] : kOperations) {
    if (name == path) return op;
  }
  return std::nullopt;
}

Result<OperationRequest> parse_operation_request(Operation operation, std::string_view target,
                                                 std::string_view body) {
  OperationRequest request;
  request.operation = operation;
  auto from_body = body_mode(operation, body);
  if (!from_body) return unexpected(from_body.error());
  std::optional<std::string> mode = std::move(*from_body);
  if (auto query = admin::query_parameter(target, "mode")) {
    if (!takes_mode(operation)) {
      return fail(std::string(operation_name(operation)) + " takes no parameter \"mode\"");
    }
    mode = std::string(*query);
  }
  if (mode) {
    auto parsed = parse_mode(*mode);
    if (!parsed) return unexpected(parsed.error());
    request.mode = *parsed;
  }
  return request;
}

}  // namespace pgw::agent
