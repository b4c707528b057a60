// Session pooling: reuse, reset, limits and queueing.

#include "proxy_fixture.hpp"
#include "raw_client.hpp"

namespace pgw::testing {
namespace {

class ProxyPool : public ProxyFixture {};

TEST_F(ProxyPool, ALaterClientReusesTheServerConnectionAfterAReset) {
  start_proxy({.settings = {{"pool", "pool_size = 1"}}});
  int first_pid = 0;
  {
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok()) << conn.error();
    first_pid = conn.backend_pid();
    ASSERT_TRUE(conn.exec("SET work_mem = '7MB'").ok);
    ASSERT_TRUE(conn.exec("CREATE TEMP TABLE scratch(x int)").ok);
    ASSERT_TRUE(conn.exec("PREPARE q AS SELECT 1").ok);
  }
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  // The backend pid pgwarden reports is its own key; ask the server.
  EXPECT_EQ(conn.backend_pid(), first_pid);
  EXPECT_EQ(conn.exec("SHOW work_mem").value(), "4MB");
  EXPECT_EQ(conn.exec("SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'").value(), "0");
  EXPECT_EQ(conn.exec("SELECT count(*) FROM pg_prepared_statements").value(), "0");
}

TEST_F(ProxyPool, EachClientGetsItsOwnStartupSettingsOnAReusedConnection) {
  start_proxy({.settings = {{"pool", "pool_size = 1"}}});
  {
    PgConnection a(app_conninfo("application_name=alpha options='-c work_mem=5MB'"));
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a.exec("SHOW application_name").value(), "alpha");
    EXPECT_EQ(a.exec("SHOW work_mem").value(), "5MB");
  }
  {
    PgConnection b(app_conninfo("application_name=beta"));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.exec("SHOW application_name").value(), "beta");
    EXPECT_EQ(b.exec("SHOW work_mem").value(), "4MB");
  }
  PgConnection c(app_conninfo());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.exec("SHOW application_name").value(), "");
}

TEST_F(ProxyPool, AnInvalidStartupSettingIsRefusedLikePostgresDoes) {
  start_proxy();
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send_startup(cluster_->app_user(), cluster_->app_database(),
                                   {{"DateStyle", "not a style"}}));
  // Authenticate, then the setting fails.
  auto sqlstate = client->finish_login(cluster_->app_user(), cluster_->app_password());
  EXPECT_EQ(sqlstate, "22023");
}

TEST_F(ProxyPool, AClientLeavingInsideATransactionDoesNotPoisonThePool) {
  start_proxy({.settings = {{"pool", "pool_size = 1"}}});
  int first_pid = 0;
  {
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok());
    first_pid = conn.backend_pid();
    ASSERT_TRUE(conn.exec("BEGIN").ok);
    ASSERT_TRUE(conn.exec("CREATE TABLE IF NOT EXISTS never_committed(x int)").ok);
  }
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  EXPECT_NE(conn.backend_pid(), first_pid);
  EXPECT_EQ(conn.exec("SELECT count(*) FROM pg_tables WHERE tablename = 'never_committed'").value(),
            "0");
  EXPECT_EQ(conn.exec("SHOW transaction_isolation").value(), "read committed");
}

TEST_F(ProxyPool, AFullPoolAnswers53300AfterTheWaitTimeout) {
  start_proxy({.settings = {{"pool", "pool_size = 1\npool_wait_timeout = \"300ms\""}}});
  PgConnection holder(app_conninfo());
  ASSERT_TRUE(holder.ok());
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  std::string message;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password(),
                          &message),
            "53300");
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  EXPECT_NE(message.find("pool_size 1"), std::string::npos) << message;
  // The holder is unaffected.
  EXPECT_EQ(holder.exec("SELECT 1").value(), "1");
}

TEST_F(ProxyPool, AWaitingClientGetsTheConnectionWhenItIsReleased) {
  start_proxy({.settings = {{"pool", "pool_size = 1\npool_wait_timeout = \"10s\""}}});
  auto holder = std::make_unique<PgConnection>(app_conninfo());
  ASSERT_TRUE(holder->ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    holder.reset();
  });
  PgConnection waiter(app_conninfo());
  release.join();
  ASSERT_TRUE(waiter.ok()) << waiter.error();
  EXPECT_EQ(waiter.exec("SELECT 'queued'").value(), "queued");
}

TEST_F(ProxyPool, TooManyClientsIs53300) {
  start_proxy({.settings = {{"limits", "max_client_connections = 2"}}});
  PgConnection a(app_conninfo());
  PgConnection b(app_conninfo());
  ASSERT_TRUE(a.ok() && b.ok());
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  std::string message;
  EXPECT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password(),
                          &message),
            "53300");
  EXPECT_NE(message.find("too many clients"), std::string::npos) << message;
}

}  // namespace
}  // namespace pgw::testing
