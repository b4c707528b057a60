// The relay through pgwarden with real clients: pgbench in every protocol mode, COPY both
// ways, cancel, LISTEN/NOTIFY, a large bytea, pipelining with an error, psql.

#include <random>

#include <poll.h>

#include "protocol/startup.hpp"
#include "proxy_fixture.hpp"
#include "raw_client.hpp"

namespace pgw::testing {
namespace {

class ProxyRelay : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    ProxyFixture::SetUpTestSuite();
    auto init = run_command({pg_bin("pgbench"), "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p",
                             std::to_string(cluster_->primary().port()), "-U", cluster_->app_user(),
                             cluster_->app_database()},
                            {{"PGPASSWORD", cluster_->app_password()}});
    ASSERT_EQ(init.exit_code, 0) << init.output;
  }

  CommandOutput pgbench(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        pg_bin("pgbench"),   "-h", "127.0.0.1", "-p", std::to_string(proxy_->port()), "-U",
        cluster_->app_user()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(cluster_->app_database());
    return run_command(argv, client_env());
  }
};

/// pgbench prints "number of failed transactions: N (x%)" (PostgreSQL 15).
long failed_transactions(const std::string& output) {
  auto at = output.find("number of failed transactions: ");
  if (at == std::string::npos) return -1;
  return std::stol(output.substr(at + 31));
}
long processed_transactions(const std::string& output) {
  auto at = output.find("number of transactions actually processed: ");
  if (at == std::string::npos) return -1;
  return std::stol(output.substr(at + 44));
}

TEST_F(ProxyRelay, PgbenchEveryProtocolModeWithoutFailures) {
  start_proxy({.settings = {{"pool", "pool_size = 8"}}});
  for (const char* mode : {"simple", "extended", "prepared"}) {
    auto out = pgbench({"-M", mode, "-c", "8", "-j", "2", "-T", "3", "-n"});
    EXPECT_EQ(out.exit_code, 0) << mode << "\n" << out.output;
    EXPECT_EQ(failed_transactions(out.output), 0) << mode << "\n" << out.output;
    EXPECT_GT(processed_transactions(out.output), 0) << mode << "\n" << out.output;
  }
}

TEST_F(ProxyRelay, CopyInAndOutOf100000RowsKeepsEveryByte) {
  start_proxy();
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  ASSERT_TRUE(conn.exec("DROP TABLE IF EXISTS copy_test; CREATE TABLE copy_test(id int, txt "
                        "text)")
                  .ok);
  std::string input;
  for (int i = 0; i < 100'000; ++i) {
    input += std::to_string(i) + "\trow number " + std::to_string(i * 7919 % 100'003) + "\n";
  }
  auto copy = conn.exec("COPY copy_test FROM STDIN");
  ASSERT_TRUE(copy.ok) << copy.error;
  for (std::size_t at = 0; at < input.size(); at += 8192) {
    auto chunk = input.substr(at, 8192);
    ASSERT_EQ(PQputCopyData(conn.raw(), chunk.data(), static_cast<int>(chunk.size())), 1);
  }
  ASSERT_EQ(PQputCopyEnd(conn.raw(), nullptr), 1);
  auto done = to_query_result(PQgetResult(conn.raw()));
  ASSERT_TRUE(done.ok) << done.error;
  EXPECT_EQ(done.command_tag, "COPY 100000");
  while (PGresult* extra = PQgetResult(conn.raw()))
    PQclear(extra);

  auto out = conn.exec("COPY copy_test TO STDOUT");
  ASSERT_TRUE(out.ok) << out.error;
  std::string output;
  char* row = nullptr;
  int n = 0;
  while ((n = PQgetCopyData(conn.raw(), &row, 0)) > 0) {
    output.append(row, static_cast<std::size_t>(n));
    PQfreemem(row);
  }
  ASSERT_EQ(n, -1);
  while (PGresult* extra = PQgetResult(conn.raw()))
    PQclear(extra);
  EXPECT_EQ(output.size(), input.size());
  EXPECT_TRUE(output == input) << "COPY OUT differs from COPY IN";
  // And the server saw the same bytes: compare its checksum with one of the input.
  PgConnection direct(direct_conninfo());
  auto server_md5 = direct.exec(
      "SELECT md5(string_agg(id || E'\\t' || txt, E'\\n' ORDER BY "
      "id) || E'\\n') FROM copy_test");
  auto local_md5 = direct.exec_params("SELECT md5($1)", {input});
  EXPECT_EQ(server_md5.value(), local_md5.value());
}

TEST_F(ProxyRelay, CancelOfASleepReturns57014WithinASecond) {
  start_proxy();
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  ASSERT_EQ(PQsendQuery(conn.raw(), "SELECT pg_sleep(30)"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the query start
  auto started = std::chrono::steady_clock::now();
  PGcancel* cancel = PQgetCancel(conn.raw());
  char error[256] = {};
  ASSERT_EQ(PQcancel(cancel, error, sizeof error), 1) << error;
  PQfreeCancel(cancel);
  auto result = to_query_result(PQgetResult(conn.raw()));
  auto elapsed = std::chrono::steady_clock::now() - started;
  while (PGresult* extra = PQgetResult(conn.raw()))
    PQclear(extra);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.sqlstate, "57014") << result.error;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  // The session goes on.
  EXPECT_EQ(conn.exec("SELECT 1").value(), "1");
}

TEST_F(ProxyRelay, CancelWithAWrongKeyCancelsNothing) {
  start_proxy();
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  ASSERT_EQ(PQsendQuery(conn.raw(), "SELECT pg_sleep(1.5)"), 1);
  // Forge a cancel request with the right process id and a wrong secret.
  auto forger = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(forger);
  protocol::Bytes packet;
  protocol::encode(protocol::CancelRequest{PQbackendPID(conn.raw()), 12345}, packet);
  ASSERT_TRUE(forger->send(packet));
  EXPECT_TRUE(forger->wait_closed(std::chrono::seconds(2)));
  auto result = to_query_result(PQgetResult(conn.raw()));
  while (PGresult* extra = PQgetResult(conn.raw()))
    PQclear(extra);
  EXPECT_TRUE(result.ok) << result.sqlstate << " " << result.error;
}

TEST_F(ProxyRelay, ListenNotifyBetweenTwoClients) {
  start_proxy();
  PgConnection listener(app_conninfo());
  PgConnection notifier(app_conninfo());
  ASSERT_TRUE(listener.ok() && notifier.ok());
  ASSERT_TRUE(listener.exec("LISTEN pgw_channel").ok);
  ASSERT_TRUE(notifier.exec("NOTIFY pgw_channel, 'hello through pgwarden'").ok);
  std::string payload;
  bool got = wait_until(
      [&] {
        PQconsumeInput(listener.raw());
        if (PGnotify* n = PQnotifies(listener.raw())) {
          payload = n->extra;
          PQfreemem(n);
          return true;
        }
        pollfd pfd{PQsocket(listener.raw()), POLLIN, 0};
        ::poll(&pfd, 1, 50);
        return false;
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(got);
  EXPECT_EQ(payload, "hello through pgwarden");
}

TEST_F(ProxyRelay, FiftyMegabyteByteaRoundTrip) {
  start_proxy();
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  std::string blob(50 * 1024 * 1024, '\0');
  std::mt19937 rng(42);
  for (auto& c : blob)
    c = static_cast<char>(rng());
  auto result = conn.exec_params("SELECT $1::bytea", {blob}, /*binary_params=*/true,
                                 /*binary_result=*/true);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_TRUE(result.rows[0][0] && *result.rows[0][0] == blob);
}

TEST_F(ProxyRelay, PipelineWithAnErrorInTheMiddleSkipsToSync) {
  start_proxy();
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  ASSERT_EQ(PQenterPipelineMode(conn.raw()), 1);
  for (const char* sql : {"SELECT 1", "SELECT 1/0", "SELECT 3"}) {
    ASSERT_EQ(PQsendQueryParams(conn.raw(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  }
  ASSERT_EQ(PQpipelineSync(conn.raw()), 1);
  ASSERT_EQ(PQsendQueryParams(conn.raw(), "SELECT 4", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(conn.raw()), 1);

  auto next = [&]() {
    PGresult* r = PQgetResult(conn.raw());
    ExecStatusType status = PQresultStatus(r);
    std::string value = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    std::string state = PQresultErrorField(r, PG_DIAG_SQLSTATE) != nullptr
                            ? PQresultErrorField(r, PG_DIAG_SQLSTATE)
                            : "";
    PQclear(r);
    if (status != PGRES_PIPELINE_SYNC) {
      EXPECT_EQ(PQgetResult(conn.raw()), nullptr);
    }
    return std::tuple{status, value, state};
  };
  EXPECT_EQ(next(), std::tuple(PGRES_TUPLES_OK, std::string("1"), std::string()));
  EXPECT_EQ(next(), std::tuple(PGRES_FATAL_ERROR, std::string(), std::string("22012")));
  EXPECT_EQ(std::get<0>(next()), PGRES_PIPELINE_ABORTED);
  EXPECT_EQ(std::get<0>(next()), PGRES_PIPELINE_SYNC);
  EXPECT_EQ(next(), std::tuple(PGRES_TUPLES_OK, std::string("4"), std::string()));
  EXPECT_EQ(std::get<0>(next()), PGRES_PIPELINE_SYNC);
  ASSERT_EQ(PQexitPipelineMode(conn.raw()), 1);
  EXPECT_EQ(conn.exec("SELECT 5").value(), "5");
}

TEST_F(ProxyRelay, PsqlRunsACommandAndSeesNotices) {
  start_proxy();
  auto out =
      run_command({pg_bin("psql"), "-X", "-h", "127.0.0.1", "-p", std::to_string(proxy_->port()),
                   "-U", cluster_->app_user(), "-d", cluster_->app_database(), "-c",
                   "DO $$ BEGIN RAISE NOTICE 'notice via proxy'; END $$; SELECT 40 + 2 AS "
                   "answer"},
                  client_env());
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("42"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("NOTICE:  notice via proxy"), std::string::npos) << out.output;
}

TEST_F(ProxyRelay, ParameterStatusChangesReachTheClient) {
  start_proxy();
  PgConnection conn(app_conninfo("application_name=first"));
  ASSERT_TRUE(conn.ok());
  EXPECT_STREQ(PQparameterStatus(conn.raw(), "application_name"), "first");
  EXPECT_EQ(conn.exec("SHOW application_name").value(), "first");
  ASSERT_TRUE(conn.exec("SET application_name = 'second'").ok);
  EXPECT_STREQ(PQparameterStatus(conn.raw(), "application_name"), "second");
  ASSERT_TRUE(conn.exec("SET TimeZone = 'Asia/Tokyo'").ok);
  EXPECT_STREQ(PQparameterStatus(conn.raw(), "TimeZone"), "Asia/Tokyo");
}

TEST_F(ProxyRelay, UnixSocketAndIpv6Listeners) {
  start_proxy({.listen_addresses = {"127.0.0.1", "::1"}});
  PgConnection over_unix("host=" + proxy_->dir() + " port=" + std::to_string(proxy_->port()) +
                         " user=" + cluster_->app_user() + " password=" + cluster_->app_password() +
                         " dbname=" + cluster_->app_database());
  ASSERT_TRUE(over_unix.ok()) << over_unix.error();
  EXPECT_EQ(over_unix.exec("SELECT 'unix'").value(), "unix");
  PgConnection over_ipv6("host=::1 port=" + std::to_string(proxy_->port()) +
                         " user=" + cluster_->app_user() + " password=" + cluster_->app_password() +
                         " dbname=" + cluster_->app_database());
  ASSERT_TRUE(over_ipv6.ok()) << over_ipv6.error();
  EXPECT_EQ(over_ipv6.exec("SELECT 'v6'").value(), "v6");
}

}  // namespace
}  // namespace pgw::testing
