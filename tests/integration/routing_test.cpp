// Read/write splitting over a real primary and two streaming standbys (docs/routing.md).
// Where a statement ran is asked of PostgreSQL itself: inet_server_port() names the node.

#include <fstream>
#include <map>

#include "proxy_fixture.hpp"

namespace pgw::testing {
namespace {

class Routing : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    create_cluster(2);
    ASSERT_TRUE(cluster_->wait_for_streaming(std::chrono::seconds(30)));
    ASSERT_TRUE(cluster_->primary().execute(
        "CREATE TABLE IF NOT EXISTS items(id bigserial PRIMARY KEY, note text);"
        "CREATE OR REPLACE FUNCTION touch() RETURNS int LANGUAGE sql VOLATILE AS "
        "'SELECT 1'; GRANT ALL ON ALL TABLES IN SCHEMA public TO " +
            cluster_->app_user() + "; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " +
            cluster_->app_user(),
        cluster_->app_database()));
  }

  /// Starts a proxy over the three nodes and waits until the monitor has seen them all up.
  void start(testbed::ProxySettings settings = {}) {
    start_proxy(std::move(settings));
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok()) << conn.error();
    ASSERT_TRUE(wait_until(
        [&] {
          auto nodes = conn.exec("SHOW POOL_NODES");
          if (!nodes.ok || nodes.rows.size() != 3) return false;
          for (const auto& row : nodes.rows) {
            if (row[3] != std::optional<std::string>("up")) return false;
          }
          return true;
        },
        std::chrono::seconds(15)))
        << "the monitor did not see every node up";
  }

  /// Node index of a server port.
  int node_of_port(const std::string& port) {
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      if (std::to_string(cluster_->node(i).port()) == port) return static_cast<int>(i);
    }
    return -1;
  }

  int where(PgConnection& conn, const std::string& sql = "SELECT inet_server_port()") {
    auto result = conn.exec(sql);
    EXPECT_TRUE(result.ok) << sql << ": " << result.error;
    return node_of_port(result.value());
  }
};

TEST_F(Routing, ReadsSpreadByWeightAndWritesStayOnThePrimary) {
  start({.settings = {{"routing", "statement_level = true"}}, .weights = {1, 2, 1}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  std::map<int, int> counts;
  constexpr int kReads = 3000;
  for (int i = 0; i < kReads; ++i)
    counts[where(conn)]++;
  // Expected shares 25 % / 50 % / 25 %; tolerance +-5 points (binomial sd is under 1 point).
  EXPECT_NEAR(counts[0], kReads / 4, kReads / 20)
      << counts[0] << " " << counts[1] << " " << counts[2];
  EXPECT_NEAR(counts[1], kReads / 2, kReads / 20);
  EXPECT_NEAR(counts[2], kReads / 4, kReads / 20);
  EXPECT_EQ(counts[-1], 0);
  // select_cnt in SHOW POOL_NODES tells the same story.
  auto nodes = conn.exec("SHOW POOL_NODES");
  ASSERT_TRUE(nodes.ok);
  long total = 0;
  for (const auto& row : nodes.rows)
    total += std::stol(*row[8]);
  EXPECT_GE(total, kReads);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(where(conn, "INSERT INTO items(note) VALUES ('w') RETURNING inet_server_port()"), 0);
  }
}

TEST_F(Routing, NothingThatWritesReachesAStandby) {
  start({.settings = {{"routing", "statement_level = true"}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  const char* writes[] = {
      "SELECT nextval('items_id_seq')",
      "SELECT txid_current()",
      "SELECT pg_current_wal_lsn()",
      "SELECT touch()",
      "SELECT * FROM items FOR UPDATE",
      "SELECT * FROM items FOR SHARE",
      "WITH gone AS (DELETE FROM items WHERE false RETURNING *) SELECT count(*) FROM gone",
      "SELECT set_config('application_name', 'x', false)",
      "SELECT pg_advisory_lock(1), pg_advisory_unlock(1)",
      "SELECT 1; SELECT 2",
      "EXPLAIN ANALYZE SELECT 1",
      "SELECT * INTO TEMP scratch_into FROM items",
  };
  for (int round = 0; round < 20; ++round) {
    for (const char* sql : writes) {
      auto result = conn.exec(sql);
      EXPECT_TRUE(result.ok) << sql << ": " << result.sqlstate << " " << result.error;
      EXPECT_NE(result.sqlstate, "25006") << sql;
    }
    conn.exec("DROP TABLE IF EXISTS scratch_into");
  }
}

TEST_F(Routing, PgbenchWritesThroughLoadBalancingWithoutFailures) {
  start({.settings = {{"routing", "statement_level = true"}}});
  auto init = run_command(
      {pg_bin("pgbench"), "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p",
       std::to_string(proxy_->port()), "-U", cluster_->app_user(), cluster_->app_database()},
      client_env());
  ASSERT_EQ(init.exit_code, 0) << init.output;
  auto out = run_command(
      {pg_bin("pgbench"), "-n", "-c", "4", "-j", "2", "-T", "3", "-h", "127.0.0.1", "-p",
       std::to_string(proxy_->port()), "-U", cluster_->app_user(), cluster_->app_database()},
      client_env());
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("number of failed transactions: 0 "), std::string::npos) << out.output;
}

TEST_F(Routing, ExplicitTransactionsStayOnOneServer) {
  start({.settings = {{"routing", "statement_level = true"}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  for (const char* begin : {"BEGIN", "BEGIN READ ONLY",
                            "START TRANSACTION ISOLATION LEVEL "
                            "REPEATABLE READ READ ONLY"}) {
    ASSERT_TRUE(conn.exec(begin).ok) << begin;
    int first = where(conn);
    if (std::string(begin) == "BEGIN") {
      EXPECT_EQ(first, 0) << "a read-write transaction";
    }
    for (int i = 0; i < 30; ++i)
      EXPECT_EQ(where(conn), first) << begin;
    ASSERT_TRUE(conn.exec("COMMIT").ok);
  }
}

TEST_F(Routing, ReadYourWritesNeverMissesTheRowJustInserted) {
  start({.settings = {{"routing", "statement_level = true\nread_your_writes = true"}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  int missing = 0;
  std::map<int, int> readers;
  for (int i = 0; i < 2000; ++i) {
    auto id = conn.exec("INSERT INTO items(note) VALUES ('ryw') RETURNING id").value();
    auto seen = conn.exec("SELECT count(*), inet_server_port() FROM items WHERE id = " + id +
                          " GROUP BY 2");
    if (seen.rows.empty() || *seen.rows[0][0] != "1") ++missing;
    if (!seen.rows.empty()) readers[node_of_port(*seen.rows[0][1])]++;
  }
  EXPECT_EQ(missing, 0);
  std::cout << "read-your-writes: reads per node " << readers[0] << " / " << readers[1] << " / "
            << readers[2] << "\n";
  // Once the standbys are known to have replayed the session's last write (a monitor sample
  // after it), its reads go back to them.
  EXPECT_TRUE(wait_until([&] { return where(conn) != 0; }, std::chrono::seconds(10)))
      << "reads never left the primary after the writes stopped";
}

TEST_F(Routing, AStandbyBehindTheLagThresholdGetsNoReadsUntilItCatchesUp) {
  start({.settings = {{"routing",
                       "statement_level = true\ndelay_threshold = \"1kB\"\n"
                       "read_your_writes = false"},
                      {"monitor", "period = \"200ms\""}}});
  auto& lagging = cluster_->node(1);
  ASSERT_TRUE(lagging.execute("SELECT pg_wal_replay_pause()"));
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn.exec("INSERT INTO items(note) SELECT repeat('x', 100) FROM "
                        "generate_series(1, 200)")
                  .ok);
  // Once the monitor has seen the lag, node 1 gets nothing.
  ASSERT_TRUE(wait_until(
      [&] {
        auto nodes = conn.exec("SHOW POOL_NODES");
        return nodes.ok && nodes.rows.size() == 3 && nodes.rows[1][10] &&
               std::stol(*nodes.rows[1][10]) > 1024;
      },
      std::chrono::seconds(10)));
  std::map<int, int> counts;
  for (int i = 0; i < 300; ++i)
    counts[where(conn)]++;
  EXPECT_EQ(counts[1], 0);
  EXPECT_GT(counts[2], 0);
  ASSERT_TRUE(lagging.execute("SELECT pg_wal_replay_resume()"));
  EXPECT_TRUE(wait_until([&] { return where(conn) == 1; }, std::chrono::seconds(15)))
      << "node 1 never got reads again after catching up";
}

TEST_F(Routing, UnparsableSqlGoesToThePrimary) {
  start({.settings = {{"routing", "statement_level = true"}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  std::string marker = "pgw_marker_" + std::to_string(::getpid()) + "_" +
                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int i = 0; i < 20; ++i) {
    auto result = conn.exec("SELEC '" + marker + "'");
    EXPECT_EQ(result.sqlstate, "42601");
  }
  auto contains = [&](std::size_t node) {
    return cluster_->node(node).log_tail(1 << 20).find(marker) != std::string::npos;
  };
  EXPECT_TRUE(wait_until([&] { return contains(0); }, std::chrono::seconds(5)));
  EXPECT_FALSE(contains(1));
  EXPECT_FALSE(contains(2));
}

TEST_F(Routing, SessionSettingsPreparedStatementsAndPins) {
  start({.settings = {{"routing", "statement_level = true"}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  // SET reaches every node the session reads from.
  ASSERT_TRUE(conn.exec("SET application_name = 'routed'").ok);
  std::map<int, int> seen;
  for (int i = 0; i < 60; ++i) {
    auto r = conn.exec("SELECT current_setting('application_name'), inet_server_port()");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(*r.rows[0][0], "routed");
    seen[node_of_port(*r.rows[0][1])]++;
  }
  EXPECT_GT(seen[1] + seen[2], 0) << "no read reached a standby";
  // A prepared statement works wherever its executions land.
  PGresult* prepared = PQprepare(conn.raw(), "where_am_i", "SELECT inet_server_port()", 0, nullptr);
  ASSERT_EQ(PQresultStatus(prepared), PGRES_COMMAND_OK);
  PQclear(prepared);
  std::map<int, int> executed;
  for (int i = 0; i < 60; ++i) {
    auto r =
        to_query_result(PQexecPrepared(conn.raw(), "where_am_i", 0, nullptr, nullptr, nullptr, 0));
    ASSERT_TRUE(r.ok) << r.error;
    executed[node_of_port(r.value())]++;
  }
  EXPECT_GE(executed.size(), 2u) << "executions did not spread";
  // A temporary table pins the session to the primary: reading it never fails.
  ASSERT_TRUE(conn.exec("CREATE TEMP TABLE mine AS SELECT 42 AS answer").ok);
  for (int i = 0; i < 30; ++i) {
    auto r = conn.exec("SELECT answer, inet_server_port() FROM mine");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(node_of_port(*r.rows[0][1]), 0);
  }
}

TEST_F(Routing, HintsPatternsAndRedirectPreferences) {
  start({.settings = {{"routing",
                       "statement_level = true\n"
                       "primary_routing_patterns = [\"to primary\"]\n"
                       "application_redirect = [\"reporting:standby\", "
                       "\"billing:primary\"]"}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok());
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(where(conn, "/*NO LOAD BALANCE*/ SELECT inet_server_port()"), 0);
    EXPECT_EQ(where(conn, "SELECT inet_server_port(), 'to primary'"), 0)
        << "the pattern should send it to the primary";
  }
  PgConnection reporting(app_conninfo("application_name=reporting"));
  PgConnection billing(app_conninfo("application_name=billing"));
  ASSERT_TRUE(reporting.ok() && billing.ok());
  for (int i = 0; i < 40; ++i) {
    EXPECT_NE(where(reporting), 0);
    EXPECT_EQ(where(billing), 0);
  }
}

TEST_F(Routing, ShowPoolNodesAndRolesDiscoveredDespiteTheConfigOrder) {
  // The config lists the standbys first and the primary last: roles come from the servers.
  start({.reverse_backends = true});
  PgConnection conn(app_conninfo());
  auto nodes = conn.exec("SHOW POOL_NODES");
  ASSERT_TRUE(nodes.ok) << nodes.error;
  ASSERT_EQ(nodes.rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& row = nodes.rows[i];
    bool is_primary = *row[2] == std::to_string(cluster_->primary().port());
    EXPECT_EQ(*row[0], std::to_string(i));
    EXPECT_EQ(is_primary, i == 2) << "the primary is listed last";
    EXPECT_EQ(*row[3], "up");
    EXPECT_EQ(*row[4], "up");
    EXPECT_EQ(*row[5], "0.333333");
    EXPECT_EQ(*row[6], is_primary ? "primary" : "standby");
    EXPECT_EQ(*row[7], is_primary ? "primary" : "standby");
    EXPECT_EQ(row[11].value_or(""), is_primary ? "" : "streaming");
    EXPECT_EQ(row[12].value_or(""), is_primary ? "" : "async");
  }
  // Writes still work (they go to the discovered primary).
  EXPECT_TRUE(conn.exec("INSERT INTO items(note) VALUES ('order')").ok);
  auto version = conn.exec("SHOW POOL_VERSION");
  ASSERT_TRUE(version.ok);
  EXPECT_NE(version.value().find("pgwarden"), std::string::npos);
  // The admin API and `pgwarden ctl nodes` serve the same.
  auto ctl = run_command({pgwarden_binary(), "ctl", "--admin",
                          "127.0.0.1:" + std::to_string(proxy_->admin_port()), "nodes"});
  EXPECT_EQ(ctl.exit_code, 0) << ctl.output;
  EXPECT_NE(ctl.output.find("primary"), std::string::npos) << ctl.output;
  EXPECT_NE(ctl.output.find("(3 rows)"), std::string::npos) << ctl.output;
}

}  // namespace
}  // namespace pgw::testing
