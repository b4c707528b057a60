#include "admin/admin_api.hpp"

#include <string_view>

#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"

namespace pgw::admin {
namespace {

using nlohmann::json;

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

}  // namespace

HttpResponse handle_admin_request(const HttpRequest& request, const AdminViews& views) {
  using Route = HttpResponse (*)(const AdminViews&);
  const std::string_view path = target_path(request.target);
  Route route = nullptr;
  if (path == "/v1/nodes") route = nodes;
  if (path == "/v1/version") route = version;
  if (route == nullptr) {
    return json_error(404, "no such endpoint: " + std::string(path));
  }
  if (request.method != "GET") {
    auto response = json_error(405, "method " + request.method + " is not allowed on " +
                                        std::string(path) + " (only GET)");
    response.headers["Allow"] = "GET";
    return response;
  }
  return route(views);
}

}  // namespace pgw::admin
