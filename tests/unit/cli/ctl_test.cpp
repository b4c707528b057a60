#include "cli/ctl.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../fakes/fake_admin_actions.hpp"
#include "../admin/cluster_fixture.hpp"
#include "../admin/running_server.hpp"
#include "admin/admin_api.hpp"
#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"

namespace pgw::cli {
namespace {

using admin::testing::RunningServer;

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin::testing::use_utc();
    views_.cluster = [this] { return state_; };
    views_.counters = &counters_;
    views_.events = &events_;
    views_.version = "0.1.0";
    counters_.count_select(1);
  }
  /// The admin API over views_ as the test left them, actions_, token kToken.
  admin::AsyncHttpHandler admin_handler() {
    admin::AdminAccess access;
    access.token = kToken;
    api_ = std::make_unique<admin::AdminApi>(views_, actions_, access);
    return api_->handler();
  }
  int run(const std::string& address, const std::string& command, bool json = false) {
    CtlOptions options;
    options.admin = address;
    options.command = command;
    options.json = json;
    return run(options);
  }
  int run(const CtlOptions& options) {
    out_.str("");
    err_.str("");
    return run_ctl(options, out_, err_);
  }
  /// A state-changing command with the right token.
  static CtlOptions change(const RunningServer& server, std::string command, std::string node) {
    CtlOptions options;
    options.admin = address_of(server);
    options.command = std::move(command);
    options.node = std::move(node);
    options.token = kToken;
    return options;
  }
  static std::string address_of(const RunningServer& server) {
    return "127.0.0.1:" + std::to_string(server.port());
  }

  static constexpr const char* kToken = "0123456789abcdef-ctl";
  std::shared_ptr<const cluster::ClusterState> state_ =
      std::make_shared<const cluster::ClusterState>(admin::testing::two_nodes());
  cluster::NodeCounters counters_{2};
  cluster::EventLog events_;
  admin::AdminViews views_;
  fakes::FakeAdminActions actions_;
  std::unique_ptr<admin::AdminApi> api_;
  std::ostringstream out_;
  std::ostringstream err_;
};

/// A file in a fresh temporary directory, removed with the object.
class TempFile {
 public:
  TempFile(const std::string& content) {
    char pattern[] = "/tmp/pgwarden-ctl-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    path_ = dir_ + "/token";
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

TEST_F(CtlTest, NodesPrintsTheTable) {
  RunningServer server(admin_handler());
  ASSERT_EQ(run(address_of(server), "nodes"), kCtlOk) << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(out_.str(), admin::format_table(admin::pool_nodes_table(*state_, counters_, {})));
  EXPECT_EQ(out_.str(),
            " node_id | hostname | port | status | pg_status | lb_weight |  role   | pg_role | "
            "select_cnt | load_balance_node | replication_delay | replication_state | "
            "replication_sync_state | last_status_change  \n"
            "---------+----------+------+--------+-----------+-----------+---------+---------+-"
            "-----------+-------------------+-------------------+-------------------+-----------"
            "-------------+---------------------\n"
            " 0       | pg01     | 5432 | up     | up        | 0.250000  | primary | primary | "
            "0          | false             | 0                 |                   |          "
            "              | 2024-03-05 14:07:09\n"
            " 1       | pg02     | 5433 | up     | up        | 0.750000  | standby | standby | "
            "1          | false             | 1234              | streaming         | async     "
            "             | 2024-03-05 14:07:09\n"
            "(2 rows)\n");
}

TEST_F(CtlTest, NodesWithDelayInSeconds) {
  views_.delay_in_seconds = true;
  RunningServer server(admin_handler());
  ASSERT_EQ(run(address_of(server), "nodes"), kCtlOk) << err_.str();
  admin::PoolNodesOptions options;
  options.delay_in_seconds = true;
  EXPECT_EQ(out_.str(), admin::format_table(admin::pool_nodes_table(*state_, counters_, options)));
  EXPECT_NE(out_.str().find("| 0.500000 second "), std::string::npos) << out_.str();
}

TEST_F(CtlTest, NodesJsonPrintsTheApisJson) {
  RunningServer server(admin_handler());
  ASSERT_EQ(run(address_of(server), "nodes", true), kCtlOk) << err_.str();
  const std::string text = out_.str();
  ASSERT_TRUE(text.ends_with("\n"));
  EXPECT_EQ(nlohmann::json::parse(text),
            admin::to_json(admin::pool_nodes_table(*state_, counters_, {})));
}

TEST_F(CtlTest, Version) {
  RunningServer server(admin_handler());
  ASSERT_EQ(run(address_of(server), "version"), kCtlOk) << err_.str();
  EXPECT_EQ(out_.str(), "0.1.0\n");
}

TEST_F(CtlTest, ConnectionRefusedSaysWhatToCheck) {
  std::uint16_t port = 0;
  {
    RunningServer server(admin_handler());  // a port that was free, closed again
    port = server.port();
  }
  const std::string address = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(run(address, "nodes"), kCtlUsage);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "pgwarden ctl: cannot reach the admin API at " + address +
                            ": Connection refused — is pgwarden running, and is [admin] listen "
                            "set?\n");
}

TEST_F(CtlTest, ErrorAnswerIsShown) {
  views_.cluster = nullptr;
  RunningServer server(admin_handler());
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlRefused);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API at " + address_of(server) +
                            " answered 503 Service Unavailable: the cluster state is not known "
                            "yet\n");
}

TEST_F(CtlTest, ErrorAnswerWithoutJson) {
  RunningServer server([](const admin::HttpRequest&) {
    admin::HttpResponse response;
    response.status = 502;
    response.content_type = "text/plain";
    response.body = "upstream trouble";
    return response;
  });
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlRefused);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API at " + address_of(server) +
                            " answered 502 Bad Gateway: upstream trouble\n");
}

TEST_F(CtlTest, UnexpectedJson) {
  RunningServer server([](const admin::HttpRequest&) {
    admin::HttpResponse response;
    response.body = R"({"not": "rows"})";
    return response;
  });
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlRefused);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API at " + address_of(server) +
                            " answered unexpected JSON: expected a JSON array of rows\n");
  EXPECT_EQ(run(address_of(server), "version"), kCtlRefused);
  EXPECT_NE(err_.str().find("expected {\"version\": \"...\"}"), std::string::npos);
}

TEST_F(CtlTest, InvalidJson) {
  RunningServer server([](const admin::HttpRequest&) {
    admin::HttpResponse response;
    response.body = "[{";
    return response;
  });
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlRefused);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: the admin API at " + address_of(server) + " answered invalid JSON\n");
}

TEST_F(CtlTest, UsageErrors) {
  EXPECT_EQ(run("127.0.0.1:6433", "frobnicate"), kCtlUsage);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: unknown command 'frobnicate' (expected: nodes, version, events, "
            "detach, attach, promote, switchover)\n");
  EXPECT_EQ(run("127.0.0.1", "nodes"), kCtlUsage);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: --admin: '127.0.0.1' is not \"host:port\" (\"[address]:port\" for "
            "IPv6)\n");
}

TEST_F(CtlTest, TimeoutIsReported) {
  // A listening socket nobody serves: the kernel completes the connection, nothing answers.
  net::asio::io_context context;
  net::asio::ip::tcp::acceptor silent(context, {net::asio::ip::make_address("127.0.0.1"), 0});
  CtlOptions options;
  options.admin = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  options.command = "nodes";
  options.timeout = std::chrono::milliseconds(200);
  EXPECT_EQ(run_ctl(options, out_, err_), kCtlUsage);
  EXPECT_NE(err_.str().find(": timed out after 200 ms — is pgwarden running"), std::string::npos)
      << err_.str();
  // A state change that timed out may still be carried out: ctl says so instead.
  options.command = "detach";
  options.node = "pg02";
  options.token = kToken;
  EXPECT_EQ(run_ctl(options, out_, err_), kCtlRefused);
  EXPECT_NE(err_.str().find("timed out after 200 ms — the detach may still be under way; see "
                            "`pgwarden ctl events`"),
            std::string::npos)
      << err_.str();
}

TEST_F(CtlTest, EventsPrintsATable) {
  events_.add("detach", 1, "pg02 detached by an operator");
  events_.add("failover_held", std::nullopt, "no standby can be promoted", true);
  RunningServer server(admin_handler());
  ASSERT_EQ(run(address_of(server), "events"), kCtlOk) << err_.str();
  const std::string text = out_.str();
  EXPECT_TRUE(text.starts_with(" id |           time           |  level  |     kind      | node |"))
      << text;
  EXPECT_NE(text.find("| info    | detach        | pg02 | pg02 detached by an operator"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| warning | failover_held |      | no standby can be promoted"),
            std::string::npos)
      << text;
  EXPECT_TRUE(text.ends_with("(2 rows)\n")) << text;
}

TEST_F(CtlTest, EventsAfterAnIdAndAsJson) {
  for (int i = 0; i < 3; ++i)
    events_.add("attach", 0, "event " + std::to_string(i + 1));
  RunningServer server(admin_handler());
  CtlOptions options;
  options.admin = address_of(server);
  options.command = "events";
  options.after = 2;
  options.json = true;
  ASSERT_EQ(run(options), kCtlOk) << err_.str();
  const auto body = nlohmann::json::parse(out_.str());
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["id"], 3);
  EXPECT_EQ(body[0]["message"], "event 3");
}

TEST_F(CtlTest, DetachAttachPromoteSwitchover) {
  RunningServer server(admin_handler());
  actions_.answer_with(std::string("detached pg02"));
  ASSERT_EQ(run(change(server, "detach", "pg02")), kCtlOk) << err_.str();
  EXPECT_EQ(out_.str(), "detached pg02\n");
  EXPECT_EQ(err_.str(), "");
  actions_.answer_with(std::string("attached pg02"));
  ASSERT_EQ(run(change(server, "attach", "1")), kCtlOk) << err_.str();
  EXPECT_EQ(out_.str(), "attached pg02\n");
  actions_.answer_with(std::string("pg02 is the primary"));
  auto promote = change(server, "promote", "pg02");
  promote.force = true;
  ASSERT_EQ(run(promote), kCtlOk) << err_.str();
  ASSERT_EQ(run(change(server, "switchover", "pg02")), kCtlOk) << err_.str();
  EXPECT_EQ(out_.str(), "pg02 is the primary\n");
  const auto calls = actions_.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].action, "detach");
  EXPECT_EQ(calls[1].action, "attach");
  EXPECT_EQ(calls[2].action, "promote");
  EXPECT_TRUE(calls[2].force);
  EXPECT_EQ(calls[3].action, "switchover");
  for (const auto& call : calls)
    EXPECT_EQ(call.node, 1u);
}

TEST_F(CtlTest, ChangeAsJson) {
  RunningServer server(admin_handler());
  auto options = change(server, "detach", "pg02");
  options.json = true;
  ASSERT_EQ(run(options), kCtlOk) << err_.str();
  EXPECT_EQ(nlohmann::json::parse(out_.str()), nlohmann::json({{"ok", true}, {"message", "done"}}));
}

TEST_F(CtlTest, WithoutATokenSaysHowToGiveOne) {
  RunningServer server(admin_handler());
  auto options = change(server, "detach", "pg02");
  options.token.clear();
  EXPECT_EQ(run(options), kCtlRefused);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: the admin API at " + address_of(server) +
                " needs the admin token (this request needs the admin token: send the header "
                "\"Authorization: Bearer <token>\"): pass --token-file FILE, or set "
                "PGWARDEN_ADMIN_TOKEN or PGWARDEN_ADMIN_TOKEN_FILE\n");
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(CtlTest, AWrongTokenIsRefused) {
  RunningServer server(admin_handler());
  auto options = change(server, "switchover", "pg02");
  options.token = "not-the-right-token";
  EXPECT_EQ(run(options), kCtlRefused);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API refused the token: wrong admin token\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_TRUE(actions_.calls().empty());
  // Reads from loopback need no token, and a wrong one does not hurt them.
  options.command = "nodes";
  EXPECT_EQ(run(options), kCtlOk) << err_.str();
}

TEST_F(CtlTest, ARefusalOfTheManagerIsShown) {
  RunningServer server(admin_handler());
  actions_.answer_with(fail("a role change is already under way"));
  EXPECT_EQ(run(change(server, "switchover", "pg02")), kCtlRefused);
  EXPECT_EQ(err_.str(), "pgwarden ctl: switchover refused: a role change is already under way\n");
}

TEST_F(CtlTest, AnUnknownNodeIsRefused) {
  RunningServer server(admin_handler());
  EXPECT_EQ(run(change(server, "detach", "pg09")), kCtlRefused);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API at " + address_of(server) +
                            " answered 400 Bad Request: no node named \"pg09\"\n");
  // A name that is not a plain path segment travels percent-encoded and comes back whole.
  EXPECT_EQ(run(change(server, "attach", "a/b?c d")), kCtlRefused);
  EXPECT_NE(err_.str().find("no node named \"a/b?c d\""), std::string::npos) << err_.str();
  EXPECT_EQ(run(change(server, "switchover", "x\"y")), kCtlRefused);
  EXPECT_NE(err_.str().find("no node named \"x\"y\""), std::string::npos) << err_.str();
  EXPECT_TRUE(actions_.calls().empty());
}

TEST_F(CtlTest, AChangeNeedsANode) {
  CtlOptions options;
  options.command = "detach";
  EXPECT_EQ(run(options), kCtlUsage);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: detach needs a node: its name or id (see `pgwarden ctl nodes`)\n");
}

TEST_F(CtlTest, TokenFromAFile) {
  RunningServer server(admin_handler());
  TempFile file(std::string(kToken) + "\n");
  auto options = change(server, "detach", "pg02");
  options.token.clear();
  options.token_file = file.path();
  EXPECT_EQ(run(options), kCtlOk) << err_.str();
  EXPECT_EQ(actions_.calls().size(), 1u);
}

TEST_F(CtlTest, UnreadableTokenFilesAreUsageErrors) {
  CtlOptions options;
  options.command = "detach";
  options.node = "pg02";
  options.token_file = "/nonexistent/token";
  EXPECT_EQ(run(options), kCtlUsage);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: --token-file /nonexistent/token: cannot open: No such file or "
            "directory\n");
  TempFile empty("\n");
  options.token_file = empty.path();
  options.token_file_origin = "PGWARDEN_ADMIN_TOKEN_FILE";
  EXPECT_EQ(run(options), kCtlUsage);
  EXPECT_EQ(err_.str(), "pgwarden ctl: PGWARDEN_ADMIN_TOKEN_FILE " + empty.path() +
                            ": the token file is empty\n");
}

TEST(ChooseTokenSourceTest, Precedence) {
  CtlOptions options;
  choose_token_source(options, "/flag", "env-token", "/env-file");
  EXPECT_EQ(options.token_file, "/flag");
  EXPECT_EQ(options.token_file_origin, "--token-file");
  EXPECT_EQ(options.token, "");
  options = CtlOptions();
  choose_token_source(options, "", " env-token\n", "/env-file");
  EXPECT_EQ(options.token, "env-token");
  EXPECT_EQ(options.token_file, "");
  options = CtlOptions();
  choose_token_source(options, "", "", "/env-file");
  EXPECT_EQ(options.token_file, "/env-file");
  EXPECT_EQ(options.token_file_origin, "PGWARDEN_ADMIN_TOKEN_FILE");
  options = CtlOptions();
  choose_token_source(options, "", nullptr, nullptr);
  EXPECT_EQ(options.token, "");
  EXPECT_EQ(options.token_file, "");
}

}  // namespace
}  // namespace pgw::cli
