#include "admin/admin_api.hpp"

#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../fakes/fake_admin_actions.hpp"
#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"
#include "cluster_fixture.hpp"

namespace pgw::admin {
namespace {

using nlohmann::json;
using Call = fakes::FakeAdminActions::Call;

constexpr const char* kToken = "0123456789abcdef0123";

Call call_of(std::string action, std::size_t node, bool force = false) {
  Call call;
  call.action = std::move(action);
  call.node = node;
  call.force = force;
  return call;
}

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::use_utc();
    state_ = std::make_shared<const cluster::ClusterState>(testing::two_nodes());
    views_.cluster = [this] { return state_; };
    views_.counters = &counters_;
    views_.events = &events_;
    views_.version = "0.1.0";
    access_.token = kToken;
  }

  /// The answer of a fresh AdminApi (views_, actions_, access_) to `request`.
  HttpResponse answer(HttpRequest request) {
    AdminApi api(views_, actions_, access_);
    return answer_with(api, std::move(request));
  }
  static HttpResponse answer_with(AdminApi& api, HttpRequest request) {
    net::asio::io_context context;
    std::optional<HttpResponse> response;
    net::asio::co_spawn(context, api.handle(std::move(request)),
                        [&response](std::exception_ptr error, HttpResponse result) {
                          if (!error) response = std::move(result);
                        });
    context.run();
    EXPECT_TRUE(response.has_value()) << "the handler threw";
    return response.value_or(HttpResponse{});
  }
  static HttpRequest request(std::string target, std::string method = "GET",
                             std::string body = "") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.peer_address = "127.0.0.1:40000";
    request.peer_is_loopback = true;
    return request;
  }
  HttpResponse get(std::string target, std::string method = "GET") {
    return answer(request(std::move(target), std::move(method)));
  }
  /// A POST with the right token.
  HttpResponse post(std::string target, std::string body = "") {
    auto r = request(std::move(target), "POST", std::move(body));
    r.headers["authorization"] = std::string("Bearer ") + kToken;
    return answer(std::move(r));
  }
  static std::string error_of(const HttpResponse& response) {
    return json::parse(response.body).at("error").get<std::string>();
  }
  static std::string message_of(const HttpResponse& response) {
    const auto body = json::parse(response.body);
    EXPECT_EQ(body.at("ok"), true);
    return body.at("message").get<std::string>();
  }

  std::shared_ptr<const cluster::ClusterState> state_;
  cluster::NodeCounters counters_{2};
  cluster::EventLog events_;
  AdminViews views_;
  AdminAccess access_;
  fakes::FakeAdminActions actions_;
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
  for (const char* target :
       {"/", "/v1", "/v1/nodes/", "/v2/nodes", "/V1/NODES", "*", "/v1/nodes/pg01",
        "/v1/nodes/pg01/", "/v1/nodes//detach", "/v1/nodes/pg01/frobnicate",
        "/v1/nodes/pg01/detach/x", "/v1/nodes/pg%zz/detach", "/v1/events/1"}) {
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
  EXPECT_EQ(get("/v1/events", "POST").status, 405);
  for (const char* target : {"/v1/nodes/pg02/detach", "/v1/nodes/1/attach",
                             "/v1/nodes/pg02/promote", "/v1/switchover"}) {
    const auto response = get(target, "GET");
    EXPECT_EQ(response.status, 405) << target;
    EXPECT_EQ(response.headers.at("Allow"), "POST");
  }
  EXPECT_EQ(error_of(get("/v1/switchover", "PUT")),
            "method PUT is not allowed on /v1/switchover (only POST)");
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(AdminApiTest, EventsListsEveryEventWithItsNode) {
  EXPECT_EQ(json::parse(get("/v1/events").body), json::array());
  events_.add("detach", 1, "pg02 detached by an operator");
  events_.add("failover_held", std::nullopt, "no standby can be promoted", true);
  events_.add("odd", 9, "a node the snapshot does not know");
  const auto response = get("/v1/events");
  ASSERT_EQ(response.status, 200);
  const json body = json::parse(response.body);
  ASSERT_EQ(body.size(), 3u);
  EXPECT_EQ(body[0]["id"], 1);
  EXPECT_EQ(body[0]["kind"], "detach");
  EXPECT_EQ(body[0]["node"], json({{"id", 1}, {"name", "pg02"}}));
  EXPECT_EQ(body[0]["message"], "pg02 detached by an operator");
  EXPECT_EQ(body[0]["warning"], false);
  const std::string time = body[0]["time"].get<std::string>();
  EXPECT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(body[1]["node"], nullptr);
  EXPECT_EQ(body[1]["warning"], true);
  EXPECT_EQ(body[2]["node"], json({{"id", 9}, {"name", nullptr}}));
}

TEST_F(AdminApiTest, EventsAfterAnId) {
  for (int i = 0; i < 5; ++i)
    events_.add("attach", 0, "event " + std::to_string(i + 1));
  const json body = json::parse(get("/v1/events?after=3").body);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["id"], 4);
  EXPECT_EQ(body[1]["id"], 5);
  EXPECT_EQ(json::parse(get("/v1/events?x=1&after=5").body), json::array());
  EXPECT_EQ(json::parse(get("/v1/events?after=0").body).size(), 5u);
}

TEST_F(AdminApiTest, EventsWithABadAfterIs400) {
  for (const char* target : {"/v1/events?after=", "/v1/events?after=-1", "/v1/events?after=x",
                             "/v1/events?after=1.5", "/v1/events?after"}) {
    const auto response = get(target);
    EXPECT_EQ(response.status, 400) << target;
  }
  EXPECT_EQ(error_of(get("/v1/events?after=x")),
            "after must be an event id (an integer from 0), got \"x\"");
}

TEST_F(AdminApiTest, EventsWithoutAnEventLogIs503) {
  views_.events = nullptr;
  EXPECT_EQ(get("/v1/events").status, 503);
}

TEST_F(AdminApiTest, DetachAndAttachByNameOrId) {
  actions_.answer_with(std::string("detached pg02"));
  auto response = post("/v1/nodes/pg02/detach");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body), json({{"ok", true}, {"message", "detached pg02"}}));
  actions_.answer_with(std::string("attached pg02"));
  response = post("/v1/nodes/1/attach", "{}");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(message_of(response), "attached pg02");
  EXPECT_EQ(post("/v1/nodes/pg%302/detach").status, 200);  // percent-encoded "pg02"
  const std::vector<Call> expected = {call_of("detach", 1), call_of("attach", 1),
                                      call_of("detach", 1)};
  EXPECT_EQ(actions_.calls(), expected);
}

TEST_F(AdminApiTest, ANameIsPreferredToAnIdOfTheSameText) {
  auto state = testing::two_nodes();
  state.nodes[1].name = "0";  // a node named "0" is node 1, not node 0
  state_ = std::make_shared<const cluster::ClusterState>(state);
  EXPECT_EQ(post("/v1/nodes/0/detach").status, 200);
  EXPECT_EQ(actions_.calls(), std::vector<Call>{call_of("detach", 1)});
}

TEST_F(AdminApiTest, UnknownNodeIs400) {
  for (const char* target : {"/v1/nodes/pg09/detach", "/v1/nodes/2/attach", "/v1/nodes/-1/promote",
                             "/v1/nodes/PG02/detach"}) {
    const auto response = post(target);
    EXPECT_EQ(response.status, 400) << target;
  }
  EXPECT_EQ(error_of(post("/v1/nodes/pg09/detach")), "no node named \"pg09\"");
  EXPECT_EQ(error_of(post("/v1/nodes/a%2Fb/detach")), "no node named \"a/b\"");
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(AdminApiTest, PromoteWithAndWithoutForce) {
  EXPECT_EQ(post("/v1/nodes/pg02/promote").status, 200);
  EXPECT_EQ(post("/v1/nodes/pg02/promote", R"({"force": true})").status, 200);
  EXPECT_EQ(post("/v1/nodes/pg02/promote", R"({"force": false})").status, 200);
  EXPECT_EQ(post("/v1/nodes/pg02/promote", " \r\n").status, 200);
  const std::vector<Call> expected = {call_of("promote", 1), call_of("promote", 1, true),
                                      call_of("promote", 1), call_of("promote", 1)};
  EXPECT_EQ(actions_.calls(), expected);
}

TEST_F(AdminApiTest, BadBodiesAre400) {
  struct Case {
    const char* target;
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {"/v1/nodes/pg02/promote", "{", "the body must be a JSON object"},
      {"/v1/nodes/pg02/promote", "[true]", "the body must be a JSON object"},
      {"/v1/nodes/pg02/promote", R"({"force": "yes"})", "\"force\" must be true or false"},
      {"/v1/nodes/pg02/promote", R"({"forse": true})",
       "unknown field \"forse\" in the body (expected: \"force\")"},
      {"/v1/nodes/pg02/detach", R"({"force": true})",
       "unknown field \"force\" in the body (this request takes none)"},
      {"/v1/switchover", "", "the body must name the new primary: {\"to\": \"<node>\"}"},
      {"/v1/switchover", R"({"to": "pg09"})", "no node named \"pg09\""},
      {"/v1/switchover", R"({"to": 7})", "no node with id 7"},
      {"/v1/switchover", R"({"to": -1})", "\"to\" must be a node name or id"},
      {"/v1/switchover", R"({"to": null})", "\"to\" must be a node name or id"},
      {"/v1/switchover", R"({"to": "pg02", "now": true})",
       "unknown field \"now\" in the body (expected: \"to\")"},
  };
  for (const auto& c : cases) {
    const auto response = post(c.target, c.body);
    EXPECT_EQ(response.status, 400) << c.target << " " << c.body;
    EXPECT_EQ(error_of(response), c.error) << c.target << " " << c.body;
  }
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(AdminApiTest, SwitchoverByNameOrId) {
  actions_.answer_with(std::string("pg02 is the primary"));
  const auto response = post("/v1/switchover", R"({"to": "pg02"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(message_of(response), "pg02 is the primary");
  EXPECT_EQ(post("/v1/switchover", R"({"to": 1})").status, 200);
  EXPECT_EQ(post("/v1/switchover", R"({"to": "1"})").status, 200);
  const std::vector<Call> expected = {call_of("switchover", 1), call_of("switchover", 1),
                                      call_of("switchover", 1)};
  EXPECT_EQ(actions_.calls(), expected);
}

TEST_F(AdminApiTest, ARefusalOfTheManagerIs409WithItsMessage) {
  actions_.answer_with(fail("a role change is already under way"));
  auto response = post("/v1/switchover", R"({"to": "pg02"})");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(error_of(response), "a role change is already under way");
  actions_.answer_with(fail("the primary pg01 is up: use switchover to move the role"));
  response = post("/v1/nodes/pg02/promote");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(error_of(response), "the primary pg01 is up: use switchover to move the role");
}

TEST_F(AdminApiTest, AChangeBeforeTheFirstSnapshotIs503) {
  views_.cluster = [] { return std::shared_ptr<const cluster::ClusterState>(); };
  EXPECT_EQ(post("/v1/nodes/pg02/detach").status, 503);
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(AdminApiTest, AChangeWithoutTheRightTokenIs401) {
  struct Case {
    std::optional<std::string> authorization;
    const char* error;
    const char* challenge;
  };
  const Case cases[] = {
      {std::nullopt,
       "this request needs the admin token: send the header \"Authorization: Bearer <token>\"",
       R"(Bearer realm="pgwarden")"},
      {"Bearer 0123456789abcdef0124", "wrong admin token",
       R"(Bearer realm="pgwarden", error="invalid_token")"},
      {"Bearer 0123456789abcdef012", "wrong admin token",
       R"(Bearer realm="pgwarden", error="invalid_token")"},
      {"Bearer 0123456789abcdef01234", "wrong admin token",
       R"(Bearer realm="pgwarden", error="invalid_token")"},
      {"Basic MDEyMzQ1Njc4OWFiY2RlZjAxMjM=", "the Authorization header must be \"Bearer <token>\"",
       R"(Bearer realm="pgwarden", error="invalid_token")"},
      {std::string(kToken), "the Authorization header must be \"Bearer <token>\"",
       R"(Bearer realm="pgwarden", error="invalid_token")"},
      {"Bearer", "the Authorization header must be \"Bearer <token>\"",
       R"(Bearer realm="pgwarden", error="invalid_token")"},
  };
  for (const auto& c : cases) {
    for (const char* target : {"/v1/nodes/pg02/detach", "/v1/switchover"}) {
      auto r = request(target, "POST", R"({"to": "pg02"})");
      if (c.authorization) r.headers["authorization"] = *c.authorization;
      const auto response = answer(std::move(r));
      EXPECT_EQ(response.status, 401) << target << " " << c.authorization.value_or("(none)");
      EXPECT_EQ(error_of(response), c.error);
      EXPECT_EQ(response.headers.at("WWW-Authenticate"), c.challenge);
      EXPECT_EQ(response.body.find(kToken), std::string::npos);
    }
  }
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(AdminApiTest, TheBearerSchemeIsCaseInsensitive) {
  auto r = request("/v1/nodes/pg02/detach", "POST");
  r.headers["authorization"] = std::string("bEaReR   ") + kToken;
  EXPECT_EQ(answer(std::move(r)).status, 200);
}

TEST_F(AdminApiTest, WithoutAConfiguredTokenEveryChangeIs401) {
  access_.token.clear();
  auto r = request("/v1/nodes/pg02/detach", "POST");
  r.headers["authorization"] = "Bearer anything-at-all-long-enough";
  const auto response = answer(std::move(r));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(error_of(response),
            "no admin token is configured: set [admin] token_file to allow state-changing "
            "requests");
  EXPECT_EQ(answer(request("/v1/nodes/pg02/detach", "POST")).status, 401);
  EXPECT_TRUE(actions_.calls().empty());
  EXPECT_EQ(get("/v1/nodes").status, 200);  // reads need no token
}

TEST_F(AdminApiTest, SetTokenReplacesTheToken) {
  AdminApi api(views_, actions_, access_);
  const std::string next = "a-new-token-from-sighup";
  api.set_token(next);
  auto old_token = request("/v1/nodes/pg02/detach", "POST");
  old_token.headers["authorization"] = std::string("Bearer ") + kToken;
  EXPECT_EQ(answer_with(api, std::move(old_token)).status, 401);
  auto new_token = request("/v1/nodes/pg02/detach", "POST");
  new_token.headers["authorization"] = "Bearer " + next;
  EXPECT_EQ(answer_with(api, std::move(new_token)).status, 200);
  api.set_token("");
  new_token = request("/v1/nodes/pg02/detach", "POST");
  new_token.headers["authorization"] = "Bearer " + next;
  EXPECT_EQ(answer_with(api, std::move(new_token)).status, 401);
}

TEST_F(AdminApiTest, ChangesFromOtherHostsNeedTheTokenOnly) {
  auto r = request("/v1/nodes/pg02/detach", "POST");
  r.peer_address = "10.0.0.5:40000";
  r.peer_is_loopback = false;
  EXPECT_EQ(answer(r).status, 401);
  r.headers["authorization"] = std::string("Bearer ") + kToken;
  EXPECT_EQ(answer(r).status, 200);
}

TEST_F(AdminApiTest, ReadsFromOtherHostsAre403UnlessAllowed) {
  for (const char* target : {"/v1/nodes", "/v1/version", "/v1/events"}) {
    auto r = request(target);
    r.peer_address = "10.0.0.5:40000";
    r.peer_is_loopback = false;
    access_.allow_remote_reads = false;
    const auto refused = answer(r);
    EXPECT_EQ(refused.status, 403) << target;
    EXPECT_EQ(error_of(refused),
              "read-only requests from other hosts than pgwarden's are refused: set [admin] "
              "allow_remote_reads = true, or send the admin token");
    auto with_token = r;
    with_token.headers["authorization"] = std::string("Bearer ") + kToken;
    EXPECT_EQ(answer(with_token).status, 200) << target;
    with_token.headers["authorization"] = "Bearer wrong-token-of-some-length";
    EXPECT_EQ(answer(with_token).status, 401) << target;
    access_.allow_remote_reads = true;
    EXPECT_EQ(answer(r).status, 200) << target;
  }
}

TEST_F(AdminApiTest, LoopbackReadsIgnoreTheAuthorizationHeader) {
  auto r = request("/v1/nodes");
  r.headers["authorization"] = "Bearer wrong-token-of-some-length";
  EXPECT_EQ(answer(r).status, 200);
}

TEST_F(AdminApiTest, UnknownPathsAnd405ComeBeforeTheTokenCheck) {
  EXPECT_EQ(answer(request("/v1/nodes/pg02/reboot", "POST")).status, 404);
  EXPECT_EQ(answer(request("/v1/nodes/pg02/detach", "GET")).status, 405);
}

TEST(JsonErrorTest, Body) {
  const auto response = json_error(418, "a \"quoted\" word");
  EXPECT_EQ(response.status, 418);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"a \"quoted\" word"})");
  EXPECT_EQ(target_path("/v1/nodes?x=1#y"), "/v1/nodes");
  EXPECT_EQ(target_path("/v1/nodes#y"), "/v1/nodes");
}

TEST(QueryParameterTest, Cases) {
  EXPECT_EQ(query_parameter("/v1/events?after=3", "after"), "3");
  EXPECT_EQ(query_parameter("/v1/events?x=1&after=3&after=4", "after"), "3");
  EXPECT_EQ(query_parameter("/v1/events?after=3#frag", "after"), "3");
  EXPECT_EQ(query_parameter("/v1/events?after", "after"), "");
  EXPECT_EQ(query_parameter("/v1/events?after=", "after"), "");
  EXPECT_EQ(query_parameter("/v1/events?afterwards=1", "after"), std::nullopt);
  EXPECT_EQ(query_parameter("/v1/events", "after"), std::nullopt);
  EXPECT_EQ(query_parameter("/v1/events#after=1", "after"), std::nullopt);
  EXPECT_EQ(query_parameter("/v1/events?&&after=2", "after"), "2");
}

}  // namespace
}  // namespace pgw::admin
