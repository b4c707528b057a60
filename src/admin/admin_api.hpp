#pragma once
/// The admin HTTP API's routes, as a pure function of the request and read-only views of the
/// daemon; the daemon passes it to HttpServer.
///
///   GET /v1/nodes    200, SHOW POOL_NODES as JSON (to_json(pool_nodes_table(...)))
///   GET /v1/version  200, {"version": "..."}
///
/// A known path with another method is 405 (with Allow), an unknown path 404, no cluster
/// snapshot yet 503; every error body is {"error": "..."}.

#include <functional>
#include <memory>
#include <string>

#include "admin/http_types.hpp"
#include "cluster/cluster_state.hpp"
#include "cluster/node_counters.hpp"

namespace pgw::admin {

struct AdminViews {
  /// The current snapshot (ClusterStateStore::current); may return null before there is one.
  std::function<std::shared_ptr<const cluster::ClusterState>()> cluster;
  /// Per-node query counters; null reads as all zeros.
  const cluster::NodeCounters* counters = nullptr;
  /// replication_delay in seconds (routing.delay_threshold_time is set).
  bool delay_in_seconds = false;
  std::string version;
};

/// Thread-safe if the views are.
HttpResponse handle_admin_request(const HttpRequest& request, const AdminViews& views);

}  // namespace pgw::admin
