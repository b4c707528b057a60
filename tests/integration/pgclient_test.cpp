// pgclient::Connection against a real PostgreSQL 15 server.

#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include "asio_run.hpp"
#include "net/asio.hpp"
#include "pgclient/connection.hpp"
#include "testbed/local_cluster.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::pgclient {
namespace {

using std::chrono::milliseconds;
using testing::run_to_completion;
using Kind = QueryError::Kind;

constexpr milliseconds kQueryTimeout{10'000};

class PgclientConnection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testbed::ClusterOptions options;
    options.standbys = 0;
    auto created = testbed::LocalCluster::create(options);
    ASSERT_TRUE(created) << created.error().message;
    cluster_ = std::move(*created).release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  ConnectOptions options() const {
    ConnectOptions result;
    result.address = pool::BackendAddress{"node0", "127.0.0.1",
                                          static_cast<std::uint16_t>(cluster_->primary().port())};
    result.user = cluster_->monitor_user();
    result.password = cluster_->monitor_password();
    result.application_name = "pgclient_test";
    return result;
  }

  Expected<std::unique_ptr<Connection>, QueryError> connect(ConnectOptions connect_options) {
    return run_to_completion(io_, Connection::connect(io_.get_executor(), connect_options));
  }
  std::unique_ptr<Connection> connect_ok() {
    auto connected = connect(options());
    EXPECT_TRUE(connected) << connected.error().message;
    return connected ? std::move(*connected) : nullptr;
  }
  Expected<QueryResult, QueryError> query(Connection& connection, std::string sql,
                                          milliseconds timeout = kQueryTimeout) {
    return run_to_completion(io_, connection.query(std::move(sql), timeout));
  }

  static testbed::LocalCluster* cluster_;
  net::asio::io_context io_;
};

testbed::LocalCluster* PgclientConnection::cluster_ = nullptr;

TEST_F(PgclientConnection, RunsQueriesAndReturnsTextRows) {
  auto connection = connect_ok();
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(connection->is_open());
  ASSERT_NE(connection->parameters().find("server_version"), nullptr);

  auto result = query(*connection,
                      "SELECT g AS n, CASE WHEN g = 2 THEN NULL ELSE 'v' || g END AS label "
                      "FROM generate_series(1, 3) AS g ORDER BY g");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->columns, (std::vector<std::string>{"n", "label"}));
  EXPECT_EQ(result->rows, (std::vector<Row>{{"1", "v1"}, {"2", std::nullopt}, {"3", "v3"}}));
  EXPECT_EQ(result->command_tag, "SELECT 3");

  auto pid = query(*connection, "SELECT pg_backend_pid()");
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_EQ(pid->rows.at(0).at(0), std::to_string(connection->backend_pid()));

  auto application = query(*connection, "SHOW application_name");
  ASSERT_TRUE(application) << application.error().message;
  EXPECT_EQ(application->rows.at(0).at(0), "pgclient_test");
}

TEST_F(PgclientConnection, AMultiStatementQueryReturnsTheLastResult) {
  auto connection = connect_ok();
  ASSERT_NE(connection, nullptr);
  auto result = query(*connection, "SELECT 1; SELECT 'a', 'b'; SET application_name = 'x'");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->command_tag, "SET");
  EXPECT_TRUE(result->rows.empty());
  EXPECT_EQ(*connection->parameters().find("application_name"), "x")
      << "ParameterStatus is recorded";

  result = query(*connection, "SET application_name = 'y'; SELECT 'a', 'b'");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->rows, (std::vector<Row>{{"a", "b"}}));

  result = query(*connection, "");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->command_tag, "");
}

TEST_F(PgclientConnection, AServerErrorLeavesTheConnectionUsable) {
  auto connection = connect_ok();
  ASSERT_NE(connection, nullptr);
  auto result = query(*connection, "SELECT 1/0");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kServer);
  EXPECT_EQ(result.error().sqlstate, "22012");
  EXPECT_EQ(result.error().message, "division by zero");
  EXPECT_TRUE(connection->is_open());

  result = query(*connection, "BEGIN; SELECT 1");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(connection->transaction_status(), 'T');
  result = query(*connection, "SELECT nonexistent_column");
  ASSERT_FALSE(result);
  EXPECT_EQ(connection->transaction_status(), 'E');
  result = query(*connection, "ROLLBACK; SELECT 42");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->rows.at(0).at(0), "42");
  EXPECT_EQ(connection->transaction_status(), 'I');

  result = query(*connection, std::string("SELECT 1\0", 9));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kProtocol);
  EXPECT_TRUE(connection->is_open()) << "refused before sending";
}

TEST_F(PgclientConnection, ATimeoutClosesTheConnection) {
  auto connection = connect_ok();
  ASSERT_NE(connection, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto result = query(*connection, "SELECT pg_sleep(30)", milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kTimeout);
  EXPECT_FALSE(connection->is_open());
  EXPECT_LT(elapsed, std::chrono::seconds(5));

  result = query(*connection, "SELECT 1");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kConnection);
}

TEST_F(PgclientConnection, ReportsTheServersReasonWhenItEndsTheSession) {
  auto connection = connect_ok();
  ASSERT_NE(connection, nullptr);
  auto terminated = cluster_->primary().query_value(
      "SELECT pg_terminate_backend(" + std::to_string(connection->backend_pid()) + ")");
  ASSERT_TRUE(terminated) << terminated.error().message;
  EXPECT_EQ(*terminated, "t");
  // The FATAL error and the close are already in the socket; the next query reads them.
  auto result = query(*connection, "SELECT 1");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kConnection);
  EXPECT_FALSE(connection->is_open());
}

TEST_F(PgclientConnection, CloseInterruptsAQueryUnderWay) {
  auto connection = connect_ok();
  ASSERT_NE(connection, nullptr);
  net::asio::steady_timer timer(io_, milliseconds(200));
  Connection* raw = connection.get();
  timer.async_wait([raw](net::error_code) { raw->close(); });
  const auto start = std::chrono::steady_clock::now();
  auto result = query(*connection, "SELECT pg_sleep(30)");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Kind::kConnection);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(connection->is_open());
}

TEST_F(PgclientConnection, ConnectFailuresSayWhy) {
  auto wrong_password = options();
  wrong_password.password = "not the password";
  auto refused = connect(wrong_password);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::kServer);
  EXPECT_EQ(refused.error().sqlstate, "28P01");

  auto no_database = options();
  no_database.database = "no_such_database";
  refused = connect(no_database);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::kServer);
  EXPECT_EQ(refused.error().sqlstate, "3D000");

  auto closed_port = options();
  auto port = testbed::PortAllocator::instance().allocate();
  ASSERT_TRUE(port) << port.error().message;
  closed_port.address.port = static_cast<std::uint16_t>(*port);
  refused = connect(closed_port);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::kConnection);
  EXPECT_NE(refused.error().message.find("cannot connect"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace pgw::pgclient
