#include "cli/ctl.hpp"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
    views_.version = "0.1.0";
    counters_.count_select(1);
  }
  admin::HttpHandler admin_handler() {
    return [this](const admin::HttpRequest& request) {
      return admin::handle_admin_request(request, views_);
    };
  }
  int run(const std::string& address, const std::string& command, bool json = false) {
    CtlOptions options;
    options.admin = address;
    options.command = command;
    options.json = json;
    out_.str("");
    err_.str("");
    return run_ctl(options, out_, err_);
  }
  static std::string address_of(const RunningServer& server) {
    return "127.0.0.1:" + std::to_string(server.port());
  }

  std::shared_ptr<const cluster::ClusterState> state_ =
      std::make_shared<const cluster::ClusterState>(admin::testing::two_nodes());
  cluster::NodeCounters counters_{2};
  admin::AdminViews views_;
  std::ostringstream out_;
  std::ostringstream err_;
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
  EXPECT_EQ(run(address, "nodes"), kCtlFailed);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "pgwarden ctl: cannot reach the admin API at " + address +
                            ": Connection refused — is pgwarden running, and is [admin] listen "
                            "set?\n");
}

TEST_F(CtlTest, ErrorAnswerIsShown) {
  views_.cluster = nullptr;
  RunningServer server(admin_handler());
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlFailed);
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
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlFailed);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API at " + address_of(server) +
                            " answered 502 Bad Gateway: upstream trouble\n");
}

TEST_F(CtlTest, UnexpectedJson) {
  RunningServer server([](const admin::HttpRequest&) {
    admin::HttpResponse response;
    response.body = R"({"not": "rows"})";
    return response;
  });
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlFailed);
  EXPECT_EQ(err_.str(), "pgwarden ctl: the admin API at " + address_of(server) +
                            " answered unexpected JSON: expected a JSON array of rows\n");
  EXPECT_EQ(run(address_of(server), "version"), kCtlFailed);
  EXPECT_NE(err_.str().find("expected {\"version\": \"...\"}"), std::string::npos);
}

TEST_F(CtlTest, InvalidJson) {
  RunningServer server([](const admin::HttpRequest&) {
    admin::HttpResponse response;
    response.body = "[{";
    return response;
  });
  EXPECT_EQ(run(address_of(server), "nodes"), kCtlFailed);
  EXPECT_EQ(err_.str(),
            "pgwarden ctl: the admin API at " + address_of(server) + " answered invalid JSON\n");
}

TEST_F(CtlTest, UsageErrors) {
  EXPECT_EQ(run("127.0.0.1:6433", "frobnicate"), kCtlUsage);
  EXPECT_EQ(err_.str(), "pgwarden ctl: unknown command 'frobnicate' (expected: nodes, version)\n");
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
  EXPECT_EQ(run_ctl(options, out_, err_), kCtlFailed);
  EXPECT_NE(err_.str().find(": timed out after 200 ms — is pgwarden running"), std::string::npos)
      << err_.str();
}

}  // namespace
}  // namespace pgw::cli
