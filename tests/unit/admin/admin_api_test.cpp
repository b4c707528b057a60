#include "admin/admin_api.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"
#include "cluster_fixture.hpp"

namespace pgw::admin {
namespace {

using nlohmann::json;

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::use_utc();
    state_ = std::make_shared<const cluster::ClusterState>(testing::two_nodes());
    views_.cluster = [this] { return state_; };
    views_.counters = &counters_;
    views_.version = "0.1.0";
  }
  HttpResponse get(std::string target, std::string method = "GET") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.peer_address = "127.0.0.1:40000";
    request.peer_is_loopback = true;
    return handle_admin_request(request, views_);
  }
  static std::string error_of(const HttpResponse& response) {
    return json::parse(response.body).at("error").get<std::string>();
  }

  std::shared_ptr<const cluster::ClusterState> state_;
  cluster::NodeCounters counters_{2};
  AdminViews views_;
};

TEST_F(AdminApiTest, Nodes) {
  counters_.count_select(1);
  const auto response = get("/v1/nodes");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  const Table expected = pool_nodes_table(*state_, counters_, {});
  EXPECT_EQ(json::parse(response.body), to_json(expected));
  EXPECT_EQ(json::parse(response.body)[1]["select_cnt"], 1);
}

TEST_F(AdminApiTest, NodesIgnoresTheQueryString) {
  EXPECT_EQ(get("/v1/nodes?pretty=1").status, 200);
}

TEST_F(AdminApiTest, NodesWithDelayInSecondsAndWithoutCounters) {
  views_.delay_in_seconds = true;
  views_.counters = nullptr;
  const json rows = json::parse(get("/v1/nodes").body);
  EXPECT_DOUBLE_EQ(rows[1]["replication_delay"].get<double>(), 0.5);
  EXPECT_EQ(rows[1]["select_cnt"], 0);
  EXPECT_EQ(rows[1]["load_balance_node"], false);
}

TEST_F(AdminApiTest, NodesBeforeTheFirstSnapshot) {
  views_.cluster = [] { return std::shared_ptr<const cluster::ClusterState>(); };
  const auto response = get("/v1/nodes");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_of(response), "the cluster state is not known yet");
  views_.cluster = nullptr;
  EXPECT_EQ(get("/v1/nodes").status, 503);
}

TEST_F(AdminApiTest, Version) {
  const auto response = get("/v1/version");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body), json({{"version", "0.1.0"}}));
}

TEST_F(AdminApiTest, UnknownPathIs404) {
  for (const char* target : {"/", "/v1", "/v1/nodes/", "/v2/nodes", "/V1/NODES", "*"}) {
    const auto response = get(target);
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_EQ(response.content_type, "application/json");
  }
  EXPECT_EQ(error_of(get("/v1/nope?x")), "no such endpoint: /v1/nope");
}

TEST_F(AdminApiTest, WrongMethodIs405WithAllow) {
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "get"}) {
    const auto response = get("/v1/nodes", method);
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_EQ(response.headers.at("Allow"), "GET");
  }
  EXPECT_EQ(error_of(get("/v1/version", "POST")),
            "method POST is not allowed on /v1/version (only GET)");
}

TEST(JsonErrorTest, Body) {
  const auto response = json_error(418, "a \"quoted\" word");
  EXPECT_EQ(response.status, 418);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"a \"quoted\" word"})");
  EXPECT_EQ(target_path("/v1/nodes?x=1#y"), "/v1/nodes");
  EXPECT_EQ(target_path("/v1/nodes#y"), "/v1/nodes");
}

}  // namespace
}  // namespace pgw::admin
