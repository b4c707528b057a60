// `pgwarden agent` beside a real primary and standby: Patroni-compatible probes, the bearer
// token, /v1/status, and the pg_ctl operations (stop, start, promote), with the real binary.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "cli/http_client.hpp"
#include "common/process.hpp"
#include "common/random.hpp"
#include "proxy_fixture.hpp"
#include "testbed/files.hpp"
#include "testbed/local_cluster.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kRequestTimeout = std::chrono::milliseconds(90'000);

/// One `pgwarden agent` process for one node of the cluster.
class AgentProcess {
 public:
  /// `tcp_login`: the monitoring connection goes over TCP with the monitor user and a password
  /// file; otherwise over the node's unix socket as the superuser (trust).
  static Result<std::unique_ptr<AgentProcess>> start(testbed::LocalCluster& cluster,
                                                     testbed::PostgresNode& node, bool tcp_login,
                                                     const std::string& token) {
    auto agent = std::unique_ptr<AgentProcess>(new AgentProcess());
    auto dir = testbed::make_temp_dir("pgwarden-agent-", testbed::Owner{});
    if (!dir) return unexpected(dir.error());
    agent->dir_ = *dir;
    auto port = testbed::PortAllocator::instance().allocate();
    if (!port) return unexpected(port.error());
    agent->port_ = *port;
    std::string postgres = "data_directory = \"" + node.data_dir() +
                           "\"\nport = " + std::to_string(node.port()) + "\nos_user = \"" +
                           cluster.os_user() + "\"\nlog_file = \"" + node.log_file() + "\"\n";
    if (tcp_login) {
      postgres += "host = \"127.0.0.1\"\nuser = \"" + cluster.monitor_user() +
                  "\"\npassword_file = \"monitor_password\"\n";
    } else {
      postgres += "host = \"" + node.socket_dir() + "\"\nuser = \"" + cluster.superuser() + "\"\n";
    }
    const std::string config = "[agent]\nlisten = \"127.0.0.1:" + std::to_string(*port) +
                               "\"\ntoken_file = \"token\"\noperation_timeout = \"60s\"\n"
                               "[postgres]\n" +
                               postgres + "[log]\nlevel = \"debug\"\n";
    const testbed::Owner self{};
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"agent.toml", config},
                                     {"token", token + "\n"},
                                     {"monitor_password", cluster.monitor_password() + "\n"}}) {
      auto written = testbed::write_file(agent->dir_ + "/" + name, text, self);
      if (!written) return unexpected(written.error());
      ::chmod((agent->dir_ + "/" + name).c_str(), 0600);
    }
    ProcessSpec spec;
    spec.argv = {pgwarden_binary(), "agent", "-c", agent->dir_ + "/agent.toml"};
    SpawnOptions options;
    options.log_file = agent->log_path();
    auto pid = spawn_background(spec, options);
    if (!pid) return unexpected(pid.error());
    agent->pid_ = *pid;
    const bool up = wait_until(
        [&] {
          return !process_alive(agent->pid_) ||
                 cli::http_get(agent->address(), "/health", 2000ms).has_value();
        },
        20s);
    if (!up || !process_alive(agent->pid_)) {
      return fail("the agent did not start:\n" + agent->log_text());
    }
    return agent;
  }

  ~AgentProcess() {
    if (pid_ > 0 && process_alive(pid_)) {
      send_signal(pid_, SIGTERM);
      if (!wait_for_exit(pid_, 10s)) {
        send_signal(pid_, SIGKILL);
        wait_for_exit(pid_, 5s);
      }
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  admin::HostPort address() const { return {"127.0.0.1", static_cast<std::uint16_t>(port_)}; }
  std::string log_path() const { return dir_ + "/agent.log"; }
  std::string log_text() const { return testbed::read_tail(log_path(), 8192); }
  pid_t pid() const { return pid_; }

 private:
  AgentProcess() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

class AgentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testbed::ClusterOptions options;
    options.standbys = 1;
    auto created = testbed::LocalCluster::create(options);
    ASSERT_TRUE(created) << created.error().message;
    cluster_ = std::move(*created).release();
    token_ = random_token();
    auto primary = AgentProcess::start(*cluster_, cluster_->primary(), true, token_);
    ASSERT_TRUE(primary) << primary.error().message;
    primary_ = std::move(*primary).release();
    auto standby = AgentProcess::start(*cluster_, *cluster_->standbys().at(0), false, token_);
    ASSERT_TRUE(standby) << standby.error().message;
    standby_ = std::move(*standby).release();
  }
  static void TearDownTestSuite() {
    delete primary_;
    delete standby_;
    delete cluster_;
    primary_ = standby_ = nullptr;
    cluster_ = nullptr;
  }
  void TearDown() override {
    if (!HasFailure()) return;
    if (primary_) std::cerr << "--- primary agent log ---\n" << primary_->log_text();
    if (standby_) std::cerr << "--- standby agent log ---\n" << standby_->log_text();
  }

  static std::string random_token() {
    static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string token;
    for (int i = 0; i < 32; ++i) {
      token += kAlphabet[SecureRandom::instance().next_u32() % (sizeof kAlphabet - 1)];
    }
    return token;
  }

  static int status_of(const AgentProcess& agent, const std::string& target) {
    auto reply = cli::http_get(agent.address(), target, kRequestTimeout);
    return reply ? reply->status : -1;
  }
  static cli::HttpReply call(const AgentProcess& agent, const std::string& method,
                             const std::string& target, const std::string& token,
                             const std::string& body = "") {
    cli::HttpCall request;
    request.method = method;
    request.target = target;
    request.token = token;
    request.body = body;
    auto reply = cli::http_call(agent.address(), request, kRequestTimeout);
    EXPECT_TRUE(reply) << method << " " << target << ": " << reply.error().message;
    return reply ? *reply : cli::HttpReply{};
  }
  static bool eventually(const AgentProcess& agent, const std::string& target, int status) {
    return wait_until([&] { return status_of(agent, target) == status; }, 30s);
  }

  static testbed::LocalCluster* cluster_;
  static AgentProcess* primary_;
  static AgentProcess* standby_;
  static std::string token_;
};

testbed::LocalCluster* AgentTest::cluster_ = nullptr;
AgentProcess* AgentTest::primary_ = nullptr;
AgentProcess* AgentTest::standby_ = nullptr;
std::string AgentTest::token_;

TEST_F(AgentTest, ProbesFollowTheLiveRole) {
  EXPECT_EQ(status_of(*primary_, "/primary"), 200);
  EXPECT_EQ(status_of(*primary_, "/read-write"), 200);
  EXPECT_EQ(status_of(*primary_, "/replica"), 503);
  EXPECT_EQ(status_of(*primary_, "/read-only"), 200);
  EXPECT_EQ(status_of(*primary_, "/health"), 200);
  EXPECT_EQ(status_of(*standby_, "/primary"), 503);
  EXPECT_EQ(status_of(*standby_, "/read-write"), 503);
  EXPECT_EQ(status_of(*standby_, "/replica"), 200);
  EXPECT_EQ(status_of(*standby_, "/read-only"), 200);
  EXPECT_EQ(status_of(*standby_, "/health"), 200);
  auto reply = cli::http_get(primary_->address(), "/primary", kRequestTimeout);
  ASSERT_TRUE(reply);
  EXPECT_EQ(nlohmann::json::parse(reply->body),
            nlohmann::json::parse(R"({"state":"running","role":"primary"})"));
  EXPECT_EQ(status_of(*primary_, "/nothing"), 404);
  // HAProxy's default check method, and HEAD, answer like GET.
  for (const char* method : {"OPTIONS", "HEAD"}) {
    EXPECT_EQ(call(*primary_, method, "/primary", "").status, 200) << method;
    EXPECT_EQ(call(*standby_, method, "/primary", "").status, 503) << method;
  }
  EXPECT_EQ(call(*primary_, "POST", "/primary", "").status, 405);
}

TEST_F(AgentTest, AuthenticatedRoutesNeedTheToken) {
  EXPECT_EQ(call(*primary_, "GET", "/v1/status", "").status, 401);
  EXPECT_EQ(call(*primary_, "GET", "/v1/status", "wrong-token-of-some-length").status, 401);
  EXPECT_EQ(call(*primary_, "GET", "/v1/status", token_ + "x").status, 401);
  EXPECT_EQ(call(*primary_, "POST", "/v1/stop", "").status, 401);
  EXPECT_EQ(call(*standby_, "POST", "/v1/promote", "nope-nope-nope-nope").status, 401);
  // Nothing happened.
  EXPECT_EQ(status_of(*primary_, "/primary"), 200);
  EXPECT_EQ(status_of(*standby_, "/replica"), 200);
  // Bad parameters and methods, with the token.
  auto bad = call(*primary_, "POST", "/v1/stop?mode=smart", token_);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("fast"), std::string::npos) << bad.body;
  EXPECT_EQ(call(*primary_, "GET", "/v1/stop", token_).status, 405);
  EXPECT_EQ(call(*primary_, "POST", "/v1/status", token_).status, 405);
}

TEST_F(AgentTest, StatusReportsRoleTimelineAndLsns) {
  auto primary = call(*primary_, "GET", "/v1/status", token_);
  ASSERT_EQ(primary.status, 200) << primary.body;
  auto p = nlohmann::json::parse(primary.body);
  EXPECT_EQ(p["running"], true);
  EXPECT_EQ(p["in_recovery"], false);
  EXPECT_EQ(p["timeline"], 1);
  EXPECT_EQ(p["cluster_state"], "in production");
  EXPECT_TRUE(p["current_lsn"].is_string()) << primary.body;
  EXPECT_TRUE(p["checkpoint_lsn"].is_string()) << primary.body;
  EXPECT_EQ(p["operation"], nullptr);
  EXPECT_EQ(primary.body.find(cluster_->monitor_password()), std::string::npos);

  auto standby = call(*standby_, "GET", "/v1/status", token_);
  ASSERT_EQ(standby.status, 200) << standby.body;
  auto s = nlohmann::json::parse(standby.body);
  EXPECT_EQ(s["running"], true);
  EXPECT_EQ(s["in_recovery"], true);
  EXPECT_EQ(s["timeline"], 1);
  EXPECT_EQ(s["cluster_state"], "in archive recovery");
  EXPECT_TRUE(s["receive_lsn"].is_string()) << standby.body;
  EXPECT_TRUE(s["replay_lsn"].is_string()) << standby.body;
  EXPECT_EQ(s["system_identifier"], p["system_identifier"]);
}

// Runs last in the suite: it leaves two primaries.
TEST_F(AgentTest, StopStartAndPromote) {
  // A second operation while one runs is refused: once /v1/status shows the stop in progress,
  // a reload gets 409.
  auto stopping = std::async(std::launch::async, [] {
    return call(*primary_, "POST", "/v1/stop", token_, R"({"mode":"fast"})");
  });
  bool refused = false;
  while (!refused && stopping.wait_for(0ms) != std::future_status::ready) {
    auto status = call(*primary_, "GET", "/v1/status", token_);
    if (status.status != 200 || nlohmann::json::parse(status.body)["operation"] != "stop") {
      continue;
    }
    auto reply = call(*primary_, "POST", "/v1/reload", token_);
    refused = reply.status == 409;
    if (refused) {
      EXPECT_NE(reply.body.find("in progress: stop"), std::string::npos) << reply.body;
    }
  }
  auto stopped = stopping.get();
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_NE(stopped.body.find("stopped"), std::string::npos) << stopped.body;
  EXPECT_TRUE(refused) << "no concurrent operation was refused with 409";

  EXPECT_TRUE(eventually(*primary_, "/health", 503));
  EXPECT_EQ(status_of(*primary_, "/primary"), 503);
  auto status = call(*primary_, "GET", "/v1/status", token_);
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(nlohmann::json::parse(status.body)["running"], false);
  auto again = call(*primary_, "POST", "/v1/stop", token_);
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("already stopped"), std::string::npos) << again.body;
  EXPECT_EQ(call(*primary_, "POST", "/v1/reload", token_).status, 409);

  auto started = call(*primary_, "POST", "/v1/start", token_);
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_NE(started.body.find("\"started\""), std::string::npos) << started.body;
  EXPECT_TRUE(eventually(*primary_, "/health", 200));
  EXPECT_TRUE(eventually(*primary_, "/primary", 200));
  auto running = call(*primary_, "POST", "/v1/start", token_);
  EXPECT_EQ(running.status, 200);
  EXPECT_NE(running.body.find("already running"), std::string::npos) << running.body;
  EXPECT_EQ(call(*primary_, "POST", "/v1/reload", token_).status, 200);

  auto promoted = call(*standby_, "POST", "/v1/promote", token_);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_NE(promoted.body.find("\"promoted\""), std::string::npos) << promoted.body;
  EXPECT_TRUE(eventually(*standby_, "/primary", 200));
  EXPECT_EQ(status_of(*standby_, "/replica"), 503);
  EXPECT_TRUE(wait_until(
      [&] {
        auto reply = call(*standby_, "POST", "/v1/promote", token_);
        return reply.body.find("already primary") != std::string::npos;
      },
      30s));
  auto promoted_status = call(*standby_, "GET", "/v1/status", token_);
  auto ps = nlohmann::json::parse(promoted_status.body);
  EXPECT_EQ(ps["in_recovery"], false);
  EXPECT_TRUE(wait_until(
      [&] {
        return nlohmann::json::parse(
                   call(*standby_, "GET", "/v1/status", token_).body)["timeline"] == 2;
      },
      30s));
}

}  // namespace
}  // namespace pgw::testing
