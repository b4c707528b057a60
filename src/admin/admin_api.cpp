#include "admin/admin_api.hpp"

#include <charconv>
#include <optional>
#include <string_view>

#include "admin/events_json.hpp"
#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"
#include "common/log.hpp"
#include "common/text.hpp"

namespace pgw::admin {
namespace {

using nlohmann::json;

/// Refused tokens are logged at most this often (a client guessing would flood the log).
constexpr std::chrono::seconds kRefusalLogInterval{10};

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("admin");
  return instance;
}

enum class Operation { kNodes, kVersion, kEvents, kDetach, kAttach, kPromote, kSwitchover };

struct Route {
  Operation operation = Operation::kNodes;
  std::string node;  ///< the {id-or-name} segment of /v1/nodes/{id-or-name}/..., decoded
};

bool changes_state(Operation operation) {
  return operation != Operation::kNodes && operation != Operation::kVersion &&
         operation != Operation::kEvents;
}

const char* method_of(Operation operation) {
  return changes_state(operation) ? "POST" : "GET";
}

/// %XX escapes decoded; nullopt when one is malformed.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const auto byte = text.substr(i + 1, 2);
    unsigned value = 0;
    const auto [ptr, error] = std::from_chars(byte.data(), byte.data() + byte.size(), value, 16);
    if (error != std::errc() || ptr != byte.data() + byte.size()) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

std::optional<Route> match_route(std::string_view path) {
  if (path == "/v1/nodes") return Route{Operation::kNodes, {}};
  if (path == "/v1/version") return Route{Operation::kVersion, {}};
  if (path == "/v1/events") return Route{Operation::kEvents, {}};
  if (path == "/v1/switchover") return Route{Operation::kSwitchover, {}};
  constexpr std::string_view kNodesPrefix = "/v1/nodes/";
  if (!path.starts_with(kNodesPrefix)) return std::nullopt;
  const auto rest = path.substr(kNodesPrefix.size());
  const auto slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
  const auto action = rest.substr(slash + 1);
  Route route;
  if (action == "detach") {
    route.operation = Operation::kDetach;
  } else if (action == "attach") {
    route.operation = Operation::kAttach;
  } else if (action == "promote") {
    route.operation = Operation::kPromote;
  } else {
    return std::nullopt;
  }
  auto node = percent_decode(rest.substr(0, slash));
  if (!node || node->empty()) return std::nullopt;
  route.node = std::move(*node);
  return route;
}

HttpResponse json_ok(const json& body) {
  HttpResponse response;
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

HttpResponse nodes(const AdminViews& views) {
  const auto state = views.cluster ? views.cluster() : nullptr;
  if (!state) return json_error(503, "the cluster state is not known yet");
  const cluster::NodeCounters no_counters(0);
  PoolNodesOptions options;
  options.delay_in_seconds = views.delay_in_seconds;
  const auto& counters = views.counters ? *views.counters : no_counters;
  return json_ok(to_json(pool_nodes_table(*state, counters, options)));
}

HttpResponse version(const AdminViews& views) {
  return json_ok(json{{"version", views.version}});
}

HttpResponse events(const AdminViews& views, std::string_view target) {
  if (views.events == nullptr) return json_error(503, "events are not recorded");
  std::uint64_t after = 0;
  if (const auto text = query_parameter(target, "after")) {
    const auto parsed = parse_whole<std::uint64_t>(*text);
    if (!parsed) {
      return json_error(
          400, "after must be an event id (an integer from 0), got \"" + std::string(*text) + "\"");
    }
    after = *parsed;
  }
  const auto state = views.cluster ? views.cluster() : nullptr;
  return json_ok(events_to_json(views.events->since(after), state.get()));
}

HttpResponse read(const Route& route, std::string_view target, const AdminViews& views) {
  switch (route.operation) {
    case Operation::kNodes:
      return nodes(views);
    case Operation::kVersion:
      return version(views);
    case Operation::kEvents:
      return events(views, target);
    default:
      return json_error(500, "not a read-only route");
  }
}

/// What a state-changing request asks for, once its node is resolved and its body checked.
struct Change {
  Operation operation = Operation::kDetach;
  std::size_t node = 0;
  bool force = false;
};

struct Outcome {
  int status = 200;
  std::string message;
};

/// A named function, not a braced temporary in a coroutine (docs/architecture.md).
Outcome make_outcome(int status, std::string message) {
  Outcome outcome;
  outcome.status = status;
  outcome.message = std::move(message);
  return outcome;
}

/// A node by name, else by id written in decimal.
Result<std::size_t> resolve_node(const cluster::ClusterState& state, const std::string& text) {
  for (const auto& node : state.nodes) {
    if (node.name == text) return node.id;
  }
  if (const auto id = parse_whole<std::size_t>(text); id && *id < state.nodes.size()) return *id;
  return fail("no node named \"" + text + "\"");
}

/// The body as a JSON object; an empty body is an empty object.
Result<json> parse_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return fail("the body must be a JSON object");
  return parsed;
}

/// The first member of `body` not in `known`, as an error.
Result<void> check_fields(const json& body, std::initializer_list<std::string_view> known,
                          std::string_view expected) {
  for (const auto& [key, value] : body.items()) {
    bool found = false;
    for (const auto name : known)
      found |= key == name;
    if (!found) {
      return fail("unknown field \"" + key + "\" in the body (" + std::string(expected) + ")");
    }
  }
  return {};
}

Result<std::size_t> switchover_target(const json& body, const cluster::ClusterState& state) {
  const auto to = body.find("to");
  if (to == body.end()) return fail("the body must name the new primary: {\"to\": \"<node>\"}");
  if (to->is_string()) return resolve_node(state, to->get<std::string>());
  if (to->is_number_unsigned()) {
    const auto id = to->get<std::uint64_t>();
    if (id < state.nodes.size()) return static_cast<std::size_t>(id);
    return fail("no node with id " + std::to_string(id));
  }
  return fail("\"to\" must be a node name or id");
}

Result<Change> parse_change(const Route& route, std::string_view text,
                            const cluster::ClusterState& state) {
  auto body = parse_body(text);
  if (!body) return unexpected(body.error());
  Change change;
  change.operation = route.operation;
  Result<void> fields;
  if (route.operation == Operation::kSwitchover) {
    fields = check_fields(*body, {"to"}, "expected: \"to\"");
    if (!fields) return unexpected(fields.error());
    auto node = switchover_target(*body, state);
    if (!node) return unexpected(node.error());
    change.node = *node;
    return change;
  }
  if (route.operation == Operation::kPromote) {
    fields = check_fields(*body, {"force"}, "expected: \"force\"");
    const auto force = body->find("force");
    if (fields && force != body->end()) {
      if (!force->is_boolean()) return fail("\"force\" must be true or false");
      change.force = force->get<bool>();
    }
  } else {
    fields = check_fields(*body, {}, "this request takes none");
  }
  if (!fields) return unexpected(fields.error());
  auto node = resolve_node(state, route.node);
  if (!node) return unexpected(node.error());
  change.node = *node;
  return change;
}

net::awaitable<Result<std::string>> perform(AdminActions& actions, Change change) {
  switch (change.operation) {
    case Operation::kDetach:
      co_return co_await actions.detach(change.node);
    case Operation::kAttach:
      co_return co_await actions.attach(change.node);
    case Operation::kPromote:
      co_return co_await actions.promote(change.node, change.force);
    case Operation::kSwitchover:
      co_return co_await actions.switchover(change.node);
    default:
      co_return fail("not a state-changing route");
  }
}

/// Always awaited at once by AdminApi::handle, so `actions` may be a reference.
net::awaitable<Outcome> run_change(AdminActions& actions, Route route,
                                   std::shared_ptr<const cluster::ClusterState> state,
                                   std::string body) {
  if (!state) co_return make_outcome(503, "the cluster state is not known yet");
  auto change = parse_change(route, body, *state);
  if (!change) co_return make_outcome(400, change.error().message);
  auto done = co_await perform(actions, *change);
  if (!done) co_return make_outcome(409, done.error().message);
  co_return make_outcome(200, std::move(*done));
}

}  // namespace

AdminApi::AdminApi(AdminViews views, AdminActions& actions, AdminAccess access)
    : views_(std::move(views)), actions_(actions), access_(std::move(access)) {}

net::awaitable<HttpResponse> AdminApi::handle(HttpRequest request) {
  const std::string path(target_path(request.target));
  const auto route = match_route(path);
  if (!route) co_return json_error(404, "no such endpoint: " + path);
  const std::string method = method_of(route->operation);
  if (request.method != method) {
    auto response = json_error(
        405, "method " + request.method + " is not allowed on " + path + " (only " + method + ")");
    response.headers["Allow"] = method;
    co_return response;
  }
  const bool change = changes_state(route->operation);
  if (auto refused =
          check_access(request, change ? AccessKind::kChange : AccessKind::kRead, access_)) {
    if (refused->status == 401) log_refusal(request, path);
    co_return *refused;
  }
  if (!change) co_return read(*route, request.target, views_);
  const std::string peer = request.peer_address;
  auto state = views_.cluster ? views_.cluster() : nullptr;
  Outcome outcome =
      co_await run_change(actions_, *route, std::move(state), std::move(request.body));
  logger()->info("{} {} from {}: {} {}", method, path, peer, outcome.status, outcome.message);
  if (outcome.status != 200) co_return json_error(outcome.status, outcome.message);
  co_return json_ok(json{{"ok", true}, {"message", outcome.message}});
}

AsyncHttpHandler AdminApi::handler() {
  return [this](HttpRequest request) { return handle(std::move(request)); };
}

void AdminApi::set_token(std::string token) {
  access_.token = std::move(token);
}

void AdminApi::log_refusal(const HttpRequest& request, const std::string& path) {
  const auto now = std::chrono::steady_clock::now();
  if (last_refusal_log_ != std::chrono::steady_clock::time_point{} &&
      now - last_refusal_log_ < kRefusalLogInterval) {
    ++refusals_not_logged_;
    return;
  }
  const std::string earlier =
      refusals_not_logged_ == 0
          ? ""
          : " (and " + std::to_string(refusals_not_logged_) + " more since the last one logged)";
  logger()->warn("{} {} from {}: refused, no valid admin token{}", request.method, path,
                 request.peer_address, earlier);
  last_refusal_log_ = now;
  refusals_not_logged_ = 0;
}

}  // namespace pgw::admin
