#include "agent/agent_api.hpp"

#include <nlohmann/json.hpp>

#include "admin/admin_access.hpp"
#include "agent/controldata.hpp"
#include "common/log.hpp"

namespace pgw::agent {
namespace {

using admin::HttpRequest;
using admin::HttpResponse;
using admin::json_error;
using net::awaitable;
using std::chrono::milliseconds;

constexpr milliseconds kQuickProgramTimeout{10'000};
// pg_ctl waits operation_timeout itself (-t); this much more bounds the program as a whole.
constexpr milliseconds kProgramGrace{10'000};
constexpr std::size_t kOutputTail = 1000;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("agent");
  return l;
}

HttpResponse json_answer(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

HttpResponse method_not_allowed(std::string allow) {
  HttpResponse response = json_error(405, "method not allowed");
  response.headers["Allow"] = std::move(allow);
  return response;
}

std::string tail(const std::string& text) {
  std::string out = text.size() > kOutputTail ? text.substr(text.size() - kOutputTail) : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

nlohmann::json optional_text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

awaitable<ProgramOutcome> run_program_blocking(ServerPaths paths, std::vector<std::string> argv,
                                               milliseconds timeout) {
  ProgramOutcome outcome;
  auto result = run_server_program(paths, std::move(argv), timeout);
  if (!result) {
    outcome.error = result.error().message;
  } else {
    outcome.started = true;
    outcome.result = std::move(*result);
  }
  co_return outcome;
}

}  // namespace

AgentApi::AgentApi(AgentSettings settings, net::Executor blocking)
    : settings_(std::move(settings)), blocking_(std::move(blocking)) {}

admin::AsyncHttpHandler AgentApi::handler() {
  return [this](HttpRequest request) { return handle(std::move(request)); };
}

awaitable<HttpResponse> AgentApi::handle(HttpRequest request) {
  const std::string path(admin::target_path(request.target));
  if (auto probe = probe_for_path(path)) {
    // HAProxy's `option httpchk` without a method sends OPTIONS; Patroni answers it, and HEAD,
    // like GET. A HEAD answer goes without a body (the server does not strip one).
    const bool head = request.method == "HEAD";
    if (request.method != "GET" && request.method != "OPTIONS" && !head) {
      co_return method_not_allowed("GET, HEAD, OPTIONS");
    }
    HttpResponse response = co_await answer_probe(*probe);
    if (head) response.body.clear();
    co_return response;
  }
  const auto operation = operation_for_path(path);
  if (path != "/v1/status" && !operation) co_return json_error(404, "no such route: " + path);
  const admin::AdminAccess access{settings_.token, false};
  if (auto refused = admin::check_access(request, admin::AccessKind::kChange, access)) {
    logger()->warn("refused {} {} from {}: {}", request.method, path, request.peer_address,
                   refused->status);
    co_return *refused;
  }
  if (!operation) {
    if (request.method != "GET") co_return method_not_allowed("GET");
    co_return co_await answer_status();
  }
  if (request.method != "POST") co_return method_not_allowed("POST");
  co_return co_await answer_operation(std::move(request), *operation);
}

awaitable<HttpResponse> AgentApi::answer_probe(Probe probe) {
  const NodeState state = co_await node_state();
  HttpResponse response;
  response.status = probe_status(probe, state);
  response.body = probe_body(state);
  co_return response;
}

awaitable<NodeState> AgentApi::node_state() {
  NodeState state;
  const SqlObservation sql = co_await observe_sql(settings_.login);
  if (sql.answered) {
    state.running = true;
    state.in_recovery = sql.in_recovery;
    co_return state;
  }
  if (sql.unavailable) co_return state;  // starting or stopping: not serving
  // Running but the login failed, or not running at all: pg_ctl can tell which.
  std::string error;
  const auto running = co_await server_running(error);
  state.running = running.value_or(false);
  if (state.running)
    logger()->warn("the server runs but the monitoring query failed: {}", sql.error);
  co_return state;
}

awaitable<std::optional<bool>> AgentApi::server_running(std::string& error) {
  const ProgramOutcome status =
      co_await run_program(pg_ctl_status_argv(settings_.paths), kQuickProgramTimeout);
  if (!status.started) {
    error = "pg_ctl status: " + status.error;
    co_return std::nullopt;
  }
  if (status.result.success()) co_return true;
  if (status.result.exit_code == kPgCtlNotRunning) co_return false;
  error = "pg_ctl status: " + status.result.status_text() + ": " + tail(status.result.output);
  co_return std::nullopt;
}

awaitable<ProgramOutcome> AgentApi::run_program(std::vector<std::string> argv,
                                                milliseconds timeout) {
  co_return co_await net::asio::co_spawn(
      blocking_, run_program_blocking(settings_.paths, std::move(argv), timeout),
      net::asio::use_awaitable);
}

awaitable<HttpResponse> AgentApi::answer_status() {
  nlohmann::json body;
  std::string error;
  const auto running = co_await server_running(error);
  if (!running) co_return json_error(500, error);
  body["running"] = *running;
  body["operation"] = in_progress_ ? nlohmann::json(std::string(operation_name(*in_progress_)))
                                   : nlohmann::json(nullptr);

  const ProgramOutcome control =
      co_await run_program(pg_controldata_argv(settings_.paths), kQuickProgramTimeout);
  if (!control.started || !control.result.success()) {
    co_return json_error(
        500, "pg_controldata: " + (control.started ? control.result.status_text() + ": " +
                                                         tail(control.result.output)
                                                   : control.error));
  }
  auto data = parse_controldata(control.result.output);
  if (!data) co_return json_error(500, data.error().message);
  body["system_identifier"] = data->system_identifier;
  body["cluster_state"] = data->cluster_state;
  body["timeline"] = data->timeline;
  body["checkpoint_lsn"] = data->checkpoint_lsn;
  body["redo_lsn"] = data->redo_lsn;
  body["data_checksums"] = data->data_checksums;
  body["wal_log_hints"] = data->wal_log_hints;

  SqlObservation sql;
  if (*running) sql = co_await observe_sql(settings_.login);
  body["in_recovery"] = sql.answered ? nlohmann::json(sql.in_recovery)
                                     : nlohmann::json(!state_is_primary(data->cluster_state));
  body["current_lsn"] = optional_text(sql.current_lsn);
  body["receive_lsn"] = optional_text(sql.receive_lsn);
  body["replay_lsn"] = optional_text(sql.replay_lsn);
  if (*running && !sql.answered) body["sql_error"] = sql.error;
  co_return json_answer(200, body);
}

awaitable<HttpResponse> AgentApi::answer_operation(HttpRequest request, Operation operation) {
  auto parsed = parse_operation_request(operation, request.target, request.body);
  if (!parsed) co_return json_error(400, parsed.error().message);
  if (in_progress_) {
    co_return json_error(
        409, "another operation is in progress: " + std::string(operation_name(*in_progress_)));
  }
  in_progress_ = operation;
  logger()->info("{} requested by {}", operation_name(operation), request.peer_address);
  HttpResponse response;
  try {
    response = co_await run_operation(*parsed);
  } catch (...) {
    in_progress_.reset();
    throw;
  }
  in_progress_.reset();
  if (response.status == 200) {
    logger()->info("{}: {}", operation_name(operation), response.body);
  } else {
    logger()->warn("{}: {} {}", operation_name(operation), response.status, response.body);
  }
  co_return response;
}

awaitable<HttpResponse> AgentApi::run_operation(OperationRequest request) {
  const auto& paths = settings_.paths;
  const auto wait = std::chrono::duration_cast<std::chrono::seconds>(settings_.operation_timeout);
  std::string error;
  const auto running = co_await server_running(error);
  if (!running) co_return json_error(500, error);
  switch (request.operation) {
    case Operation::kStart:
      if (*running) co_return json_answer(200, {{"result", "already running"}});
      co_return co_await run_pg_ctl(pg_ctl_start_argv(paths, wait), "started");
    case Operation::kStop:
      if (!*running) co_return json_answer(200, {{"result", "already stopped"}});
      co_return co_await run_pg_ctl(pg_ctl_stop_argv(paths, request.mode, wait), "stopped");
    case Operation::kRestart:
      co_return co_await run_pg_ctl(pg_ctl_restart_argv(paths, request.mode, wait), "restarted");
    case Operation::kReload:
      if (!*running) co_return json_error(409, "the server is not running");
      co_return co_await run_pg_ctl(pg_ctl_reload_argv(paths), "reloaded");
    case Operation::kPromote: {
      if (!*running) co_return json_error(409, "the server is not running");
      const ProgramOutcome control =
          co_await run_program(pg_controldata_argv(paths), kQuickProgramTimeout);
      if (control.started && control.result.success()) {
        auto data = parse_controldata(control.result.output);
        if (data && state_is_primary(data->cluster_state)) {
          co_return json_answer(200, {{"result", "already primary"}});
        }
      }
      co_return co_await run_pg_ctl(pg_ctl_promote_argv(paths, wait), "promoted");
    }
  }
  co_return json_error(500, "unknown operation");
}

awaitable<HttpResponse> AgentApi::run_pg_ctl(std::vector<std::string> argv, std::string done) {
  const std::string action = argv.size() > 1 ? argv[1] : "";
  const ProgramOutcome outcome =
      co_await run_program(std::move(argv), settings_.operation_timeout + kProgramGrace);
  if (!outcome.started) co_return json_error(500, "pg_ctl " + action + ": " + outcome.error);
  if (!outcome.result.success()) {
    co_return json_error(500, "pg_ctl " + action + " failed (" + outcome.result.status_text() +
                                  "): " + tail(outcome.result.output));
  }
  co_return json_answer(200, {{"result", done}});
}

}  // namespace pgw::agent
