// The test bed itself: real PostgreSQL 15 clusters on loopback.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/process.hpp"
#include "testbed/local_cluster.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::testbed {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::HasSubstr;

constexpr auto kDeadline = std::chrono::seconds(30);

std::unique_ptr<LocalCluster> make_cluster(ClusterOptions options) {
  auto cluster = LocalCluster::create(std::move(options));
  if (!cluster) {
    ADD_FAILURE() << "cluster: " << cluster.error().message;
    return nullptr;
  }
  return std::move(*cluster);
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, milliseconds timeout = kDeadline) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::string value(const PostgresNode& node, const std::string& sql,
                  const std::string& dbname = "postgres") {
  auto result = node.query_value(sql, dbname);
  return result ? *result : "error: " + result.error().message;
}

/// Logs in over TCP and returns current_user, or the connection error.
std::string login(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string outcome;
  if (PQstatus(conn) != CONNECTION_OK) {
    outcome = std::string("error: ") + PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, "SELECT current_user");
    outcome = PQresultStatus(result) == PGRES_TUPLES_OK ? PQgetvalue(result, 0, 0) : "no row";
    PQclear(result);
  }
  PQfinish(conn);
  return outcome;
}

TEST(LocalCluster, BuildsAPrimaryAndAStreamingStandby) {
  const auto start = std::chrono::steady_clock::now();
  auto cluster = make_cluster({.standbys = 1});
  ASSERT_NE(cluster, nullptr);
  const auto build_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ testbed  ] 1 primary + 1 standby built and streaming in %lld ms\n",
              static_cast<long long>(build_ms));
  RecordProperty("build_ms", std::to_string(build_ms));

  ASSERT_EQ(cluster->size(), 2u);
  PostgresNode& primary = cluster->primary();
  PostgresNode& standby = *cluster->standbys().at(0);
  EXPECT_EQ(&standby, &cluster->node(1));
  EXPECT_TRUE(primary.is_running());
  EXPECT_TRUE(standby.is_running());
  EXPECT_EQ(value(primary, "SELECT pg_is_in_recovery()"), "f");
  EXPECT_EQ(value(standby, "SELECT pg_is_in_recovery()"), "t");
  EXPECT_EQ(value(primary,
                  "SELECT state FROM pg_stat_replication WHERE application_name = "
                  "'node1'"),
            "streaming");
  EXPECT_EQ(value(primary,
                  "SELECT active FROM pg_replication_slots WHERE slot_name = "
                  "'standby_1' AND slot_type = 'physical'"),
            "t");
  EXPECT_EQ(value(standby, "SHOW primary_slot_name"), "standby_1");
  EXPECT_EQ(value(primary, "SHOW port"), std::to_string(primary.port()));
  EXPECT_EQ(value(standby, "SHOW port"), std::to_string(standby.port()));
  EXPECT_EQ(value(primary, "SHOW fsync"), "off");
  EXPECT_EQ(value(primary, "SHOW shared_buffers"), "32MB");
  EXPECT_EQ(value(primary, "SHOW wal_level"), "replica");
  EXPECT_EQ(value(primary, "SHOW max_connections"), "200");

  // The servers run as the unprivileged OS user, whatever user the test runs as.
  auto os_user = lookup_user(cluster->os_user());
  ASSERT_TRUE(os_user);
  EXPECT_NE(os_user->uid, 0u);
  struct stat proc {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(primary.postmaster_pid())).c_str(), &proc), 0);
  EXPECT_EQ(proc.st_uid, os_user->uid);
  struct stat socket_dir {};
  ASSERT_EQ(::stat(primary.socket_dir().c_str(), &socket_dir), 0);
  EXPECT_EQ(socket_dir.st_mode & 0777, 0700u);
  EXPECT_EQ(socket_dir.st_uid, os_user->uid);
}

TEST(LocalCluster, CreatesTheRoles) {
  auto cluster = make_cluster({.standbys = 0, .app_user = "shop", .app_database = "shopdb"});
  ASSERT_NE(cluster, nullptr);
  const PostgresNode& primary = cluster->primary();
  EXPECT_EQ(cluster->superuser(), "postgres");
  EXPECT_EQ(cluster->app_user(), "shop");
  EXPECT_EQ(cluster->app_password().size(), 16u);
  EXPECT_EQ(cluster->options().app_password, cluster->app_password());
  EXPECT_EQ(value(primary, "SELECT pg_has_role('pgwarden_monitor', 'pg_monitor', 'MEMBER')"), "t");
  EXPECT_EQ(value(primary, "SELECT rolreplication FROM pg_roles WHERE rolname = 'repl'"), "t");
  EXPECT_EQ(value(primary, "SELECT rolsuper FROM pg_roles WHERE rolname = 'shop'"), "f");
  EXPECT_EQ(value(primary,
                  "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = "
                  "'shopdb'"),
            "shop");
  EXPECT_EQ(value(primary,
                  "SELECT count(*) FROM pg_authid WHERE rolname IN ('shop', 'repl', "
                  "'pgwarden_monitor', 'postgres') AND rolpassword LIKE "
                  "'SCRAM-SHA-256$%'"),
            "4");
  EXPECT_FALSE(primary.query_value("SELECT 1 WHERE false"));
  EXPECT_FALSE(primary.execute("SELECT * FROM no_such_table"));
}

TEST(LocalCluster, ReplicatesARowToTheStandby) {
  auto cluster = make_cluster({.standbys = 1});
  ASSERT_NE(cluster, nullptr);
  const std::string db = cluster->app_database();
  ASSERT_TRUE(cluster->primary().execute(
      "CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t VALUES (1, 'hello')", db));
  const PostgresNode& standby = *cluster->standbys().at(0);
  EXPECT_TRUE(eventually([&] {
    return value(standby, "SELECT note FROM t WHERE id = 1", db) == "hello";
  })) << value(standby, "SELECT note FROM t WHERE id = 1", db);
  auto write = standby.execute("INSERT INTO t VALUES (2, 'no')", db);
  ASSERT_FALSE(write);
  EXPECT_THAT(write.error().message, HasSubstr("read-only"));
}

TEST(LocalCluster, AppUserLogsInOverTcpOnlyWithItsPassword) {
  auto cluster = make_cluster({.standbys = 1, .app_password = "s3cret pass'word"});
  ASSERT_NE(cluster, nullptr);
  for (PostgresNode* node : {&cluster->primary(), cluster->standbys().at(0)}) {
    SCOPED_TRACE(node->name());
    const auto& app = cluster->app_user();
    const auto& db = cluster->app_database();
    EXPECT_EQ(login(node->conninfo(app, cluster->app_password(), db)), app);
    EXPECT_THAT(login(node->conninfo(app, "wrong", db)),
                HasSubstr("password authentication failed for user \"app\""));
    EXPECT_THAT(login(node->conninfo(app, "", db)), HasSubstr("error:"));
    EXPECT_EQ(login(node->conninfo(cluster->monitor_user(), cluster->monitor_password(), db)),
              "pgwarden_monitor");
    EXPECT_EQ(login(node->conninfo("postgres", cluster->superuser_password(), "postgres")),
              "postgres");
    EXPECT_THAT(login(node->conninfo("postgres", "wrong", "postgres")),
                HasSubstr("password authentication failed"));
  }
}

TEST(LocalCluster, NodesStopStartAndSurviveAKill) {
  auto cluster = make_cluster({.standbys = 1});
  ASSERT_NE(cluster, nullptr);
  PostgresNode& primary = cluster->primary();
  PostgresNode& standby = *cluster->standbys().at(0);
  ASSERT_TRUE(primary.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)"));

  ASSERT_TRUE(standby.stop(StopMode::kFast));
  EXPECT_FALSE(standby.is_running());
  EXPECT_EQ(standby.postmaster_pid(), 0);
  EXPECT_EQ(PQping(standby.superuser_conninfo().c_str()), PQPING_NO_RESPONSE);
  EXPECT_TRUE(standby.stop(StopMode::kFast));  // already stopped
  EXPECT_TRUE(eventually(
      [&] { return value(primary, "SELECT count(*) FROM pg_stat_replication") == "0"; }));
  ASSERT_TRUE(standby.start());
  EXPECT_FALSE(standby.start());  // already running
  ASSERT_TRUE(cluster->wait_for_streaming(kDeadline));

  const auto pid = static_cast<pid_t>(primary.postmaster_pid());
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(primary.kill(SIGKILL));
  EXPECT_TRUE(eventually([&] { return !process_alive(pid); }));
  EXPECT_FALSE(primary.is_running());
  EXPECT_FALSE(primary.kill(SIGKILL));
  auto restarted = primary.start();
  ASSERT_TRUE(restarted) << restarted.error().message;
  EXPECT_NE(primary.postmaster_pid(), pid);
  EXPECT_EQ(value(primary, "SELECT id FROM kept"), "7");
  EXPECT_TRUE(cluster->wait_for_streaming(kDeadline));

  ASSERT_TRUE(cluster->stop_all());
  EXPECT_FALSE(primary.is_running());
  EXPECT_FALSE(standby.is_running());
}

TEST(LocalCluster, DestructionStopsTheNodesAndRemovesTheDirectory) {
  auto cluster = make_cluster({.standbys = 1});
  ASSERT_NE(cluster, nullptr);
  const std::string dir = cluster->dir();
  const auto primary_pid = static_cast<pid_t>(cluster->primary().postmaster_pid());
  const auto standby_pid = static_cast<pid_t>(cluster->node(1).postmaster_pid());
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_THAT(dir, testing::StartsWith("/tmp/pgwarden-"));
  cluster.reset();
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(process_alive(primary_pid));
  EXPECT_FALSE(process_alive(standby_pid));
}

/// A parent directory for base_dir tests that the servers' OS user can traverse.
class ParentDir {
 public:
  ParentDir() {
    std::string pattern = "/tmp/pgw-testbed-test-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
    ::chmod(path_.c_str(), 0711);
  }
  ~ParentDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LocalCluster, AKeptClusterOutlivesItsObjectAndCanBeReopened) {
  ParentDir parent;
  const std::string dir = parent.path() + "/sandbox";
  auto cluster = make_cluster({.base_dir = dir, .standbys = 1, .keep_on_exit = true});
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(cluster->dir(), dir);
  const int port = cluster->primary().port();
  const std::string password = cluster->app_password();
  const auto pid = static_cast<pid_t>(cluster->primary().postmaster_pid());
  cluster.reset();
  EXPECT_TRUE(process_alive(pid));
  EXPECT_TRUE(fs::is_directory(dir));

  auto reopened = LocalCluster::open(dir);
  ASSERT_TRUE(reopened) << reopened.error().message;
  LocalCluster& again = **reopened;
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again.primary().port(), port);
  EXPECT_EQ(again.app_password(), password);
  EXPECT_TRUE(again.wait_for_streaming(kDeadline));
  EXPECT_EQ(login(again.primary().conninfo(again.app_user(), password, again.app_database())),
            "app");
  ASSERT_TRUE(again.destroy());
  EXPECT_FALSE(process_alive(pid));
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(LocalCluster::open(dir));
}

TEST(LocalCluster, SynchronousClusterWithExtraSettings) {
  auto cluster =
      make_cluster({.standbys = 1, .extra_settings = {"work_mem = '7MB'"}, .synchronous = true});
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(value(cluster->primary(), "SHOW synchronous_standby_names"), "ANY 1 (*)");
  EXPECT_EQ(value(cluster->primary(), "SELECT sync_state FROM pg_stat_replication"), "quorum");
  EXPECT_EQ(value(*cluster->standbys().at(0), "SHOW work_mem"), "7MB");
  EXPECT_TRUE(cluster->primary().execute("CREATE TABLE committed_on_two (id int)"));
}

TEST(LocalCluster, RejectsBadOptions) {
  EXPECT_FALSE(LocalCluster::create({.standbys = 0, .synchronous = true}));
  EXPECT_FALSE(LocalCluster::create({.standbys = -1}));
  EXPECT_FALSE(LocalCluster::create({.standbys = 0, .app_user = "postgres"}));
  EXPECT_FALSE(LocalCluster::create({.standbys = 0, .app_password = "two\nlines"}));
  auto too_long =
      LocalCluster::create({.base_dir = "/tmp/" + std::string(100, 'x'), .standbys = 0});
  ASSERT_FALSE(too_long);
  EXPECT_THAT(too_long.error().message, HasSubstr("too long"));
  ParentDir parent;
  const std::string occupied = parent.path() + "/occupied";
  fs::create_directories(occupied + "/something");
  auto refused = LocalCluster::create({.base_dir = occupied, .standbys = 0});
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("not empty"));
  EXPECT_TRUE(fs::exists(occupied + "/something"));
}

TEST(PortAllocator, HandsOutDistinctBindablePorts) {
  std::set<int> ports;
  for (int i = 0; i < 50; ++i) {
    auto port = PortAllocator::instance().allocate();
    ASSERT_TRUE(port) << port.error().message;
    EXPECT_GT(*port, 0);
    EXPECT_LE(*port, 65535);
    ports.insert(*port);
  }
  EXPECT_EQ(ports.size(), 50u);
}

}  // namespace
}  // namespace pgw::testbed
