#pragma once
/// The admin HTTP API's routes (docs/admin-api.md): read-only views of the daemon, and the
/// operator's manual operations carried out through an injected AdminActions.
///
///   GET  /v1/nodes                       200, SHOW POOL_NODES as JSON
///   GET  /v1/version                     200, {"version": "..."}
///   GET  /v1/events?after=ID             200, the events with a greater id (events_to_json)
///   POST /v1/nodes/{id-or-name}/detach   200 {"ok": true, "message": "..."}
///   POST /v1/nodes/{id-or-name}/attach
///   POST /v1/nodes/{id-or-name}/promote  optional body {"force": true}
///   POST /v1/switchover                  body {"to": "<name>" or id}
///
/// Status codes: 400 bad body, unknown node, bad query; 401 a change without the right token;
/// 403 a read from a non-loopback peer that is not allowed (admin_access.hpp); 404 unknown path;
/// 405 wrong method (with Allow); 409 the action was refused or failed (its message); 503 no
/// cluster snapshot yet. Every error body is {"error": "..."}.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "admin/admin_access.hpp"
#include "admin/admin_actions.hpp"
#include "admin/http_types.hpp"
#include "cluster/cluster_state.hpp"
#include "cluster/event_log.hpp"
#include "cluster/node_counters.hpp"

namespace pgw::admin {

struct AdminViews {
  /// The current snapshot (ClusterStateStore::current); may return null before there is one.
  std::function<std::shared_ptr<const cluster::ClusterState>()> cluster;
  /// Per-node query counters; null reads as all zeros.
  const cluster::NodeCounters* counters = nullptr;
  /// The cluster's events (thread-safe); null: GET /v1/events answers 503.
  const cluster::EventLog* events = nullptr;
  /// replication_delay in seconds (routing.delay_threshold_time is set).
  bool delay_in_seconds = false;
  std::string version;
};

/// Not thread-safe: handle() and set_token() run on one executor, the HTTP server's, which is
/// also where `actions` expects to be called.
class AdminApi {
 public:
  /// `actions` must outlive this object.
  AdminApi(AdminViews views, AdminActions& actions, AdminAccess access);

  /// The answer to one request (a route may wait for its action to finish). Logs every
  /// state-changing request (peer, route, answer), and refused tokens at most once per 10 s.
  net::awaitable<HttpResponse> handle(HttpRequest request);
  /// For HttpServer::open; this object must outlive the server.
  AsyncHttpHandler handler();
  /// Replaces the token (SIGHUP); empty refuses every state-changing request.
  void set_token(std::string token);

 private:
  void log_refusal(const HttpRequest& request, const std::string& path);

  AdminViews views_;
  AdminActions& actions_;
  AdminAccess access_;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  std::size_t refusals_not_logged_ = 0;
};

}  // namespace pgw::admin
