#pragma once
/// The node agent's HTTP routes (docs/agent.md), served by admin::HttpServer:
/// - unauthenticated read-only probes, Patroni-compatible (probe.hpp);
/// - with "Authorization: Bearer <token>": GET /v1/status and POST /v1/start, /v1/stop,
///   /v1/restart, /v1/reload, /v1/promote. Operations are idempotent, run one at a time (a
///   second one meanwhile is answered 409), bounded in time and logged.
///
/// Not thread-safe: handle() runs on the HTTP server's single-threaded executor; the programs
/// (pg_ctl, pg_controldata) run on the injected blocking executor, off the I/O thread.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "admin/http_types.hpp"
#include "agent/local_server.hpp"
#include "agent/operation.hpp"
#include "agent/pg_ctl.hpp"
#include "agent/probe.hpp"
#include "net/asio.hpp"

namespace pgw::agent {

struct AgentSettings {
  ServerPaths paths;
  MonitorLogin login;
  /// Required by the authenticated routes; empty: they are all refused (401).
  std::string token;
  /// Bounds each pg_ctl operation.
  std::chrono::milliseconds operation_timeout{60'000};
};

/// A program run off the I/O thread: started (with its result) or not (with why).
struct ProgramOutcome {
  bool started = false;
  RunResult result;
  std::string error;
};

class AgentApi {
 public:
  /// `blocking` runs the programs (a thread pool that outlives this object).
  AgentApi(AgentSettings settings, net::Executor blocking);

  /// Answers one request.
  net::awaitable<admin::HttpResponse> handle(admin::HttpRequest request);
  /// handle() as the HTTP server's handler; this object must outlive the server.
  admin::AsyncHttpHandler handler();

 private:
  net::awaitable<admin::HttpResponse> answer_probe(Probe probe);
  net::awaitable<admin::HttpResponse> answer_status();
  net::awaitable<admin::HttpResponse> answer_operation(admin::HttpRequest request,
                                                       Operation operation);
  net::awaitable<admin::HttpResponse> run_operation(OperationRequest request);
  /// The live state for the probes: SQL first, `pg_ctl status` when SQL cannot tell.
  net::awaitable<NodeState> node_state();
  /// pg_ctl status: true running, false stopped; nullopt (with `error` set) when pg_ctl fails.
  net::awaitable<std::optional<bool>> server_running(std::string& error);
  net::awaitable<ProgramOutcome> run_program(std::vector<std::string> argv,
                                             std::chrono::milliseconds timeout);
  /// Runs a pg_ctl operation and turns its outcome into an answer: 200 {"result": done} or 500.
  net::awaitable<admin::HttpResponse> run_pg_ctl(std::vector<std::string> argv, std::string done);

  AgentSettings settings_;
  net::Executor blocking_;
  std::optional<Operation> in_progress_;
};

}  // namespace pgw::agent
