// Failover end to end, the short version: kill -9 the primary under pgwarden, writes resume on
// the promoted standby, the other standby follows it, the old primary never gets traffic again.

#include <csignal>
#include <filesystem>

#include "proxy_fixture.hpp"
#include "testbed/files.hpp"

namespace pgw::testing {
namespace {

class FailoverSmoke : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    create_cluster(2);
    ASSERT_TRUE(cluster_->wait_for_streaming(std::chrono::seconds(30)));
    ASSERT_TRUE(cluster_->primary().execute(
        "CREATE TABLE acked(id bigint PRIMARY KEY); GRANT ALL ON acked TO " + cluster_->app_user(),
        cluster_->app_database()));
  }
};

TEST_F(FailoverSmoke, KillNineOfThePrimaryPromotesAStandbyAndWritesResume) {
  auto hook_dir = testbed::make_temp_dir("pgwarden-hook-", testbed::Owner{});
  ASSERT_TRUE(hook_dir) << hook_dir.error().message;
  const std::string hook_out = *hook_dir + "/hook.out";
  // The hook writes its placeholders to a file, renamed into place so that the test never
  // reads it half-written.
  const std::string hook = "hook_command = \"echo '%d %h %p %m %H %r %P %N %S %%' > " + hook_out +
                           ".tmp && mv " + hook_out + ".tmp " + hook_out + "\"";
  start_proxy({.settings = {{"health_check",
                             "period = \"200ms\"\nretries = 1\n"
                             "retry_delay = \"100ms\"\nconnect_timeout = \"500ms\""},
                            {"monitor", "period = \"200ms\""},
                            {"failover", hook}}});
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  ASSERT_TRUE(conn.exec("INSERT INTO acked VALUES (1)").ok);
  ASSERT_TRUE(wait_until(
      [&] {
        return cluster_->node(1)
                   .query_value("SELECT count(*) FROM acked", cluster_->app_database())
                   .value_or("") == "1";
      },
      std::chrono::seconds(10)));

  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(cluster_->primary().kill(SIGKILL));
  // Writes through pgwarden succeed again on a promoted standby.
  long id = 2;
  bool written = wait_until(
      [&] {
        PgConnection writer(app_conninfo());
        return writer.ok() &&
               writer.exec("INSERT INTO acked VALUES (" + std::to_string(id++) + ")").ok;
      },
      std::chrono::seconds(20));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed_at);
  std::cout << "writes resumed " << took.count() << " ms after kill -9 of the primary\n";
  ASSERT_TRUE(written) << proxy_->log_text();
  EXPECT_LT(took, std::chrono::seconds(5));

  PgConnection after(app_conninfo());
  auto nodes = after.exec("SHOW POOL_NODES");
  ASSERT_TRUE(nodes.ok);
  int primaries = 0;
  for (const auto& row : nodes.rows)
    primaries += *row[6] == "primary";
  EXPECT_EQ(primaries, 1);
  EXPECT_EQ(*nodes.rows[0][3], "down");
  // The idle session opened before the failover goes on, on the new primary.
  auto again = conn.exec("INSERT INTO acked VALUES (1000) RETURNING inet_server_port()");
  EXPECT_TRUE(again.ok) << again.error;
  EXPECT_NE(again.value(), std::to_string(cluster_->primary().port()));
  // The other standby follows the new primary.
  auto new_primary_port = again.value();
  std::size_t follower = new_primary_port == std::to_string(cluster_->node(1).port()) ? 2 : 1;
  EXPECT_TRUE(wait_until(
      [&] {
        return cluster_->node(follower)
                   .query_value("SELECT count(*) FROM acked WHERE id = 1000",
                                cluster_->app_database())
                   .value_or("") == "1";
      },
      std::chrono::seconds(20)))
      << "the remaining standby did not follow the new primary";
  // The hook ran once the failover was done, with pgpool-II's placeholders filled in.
  const std::size_t promoted = follower == 1 ? 2 : 1;
  const auto port_of = [&](std::size_t i) { return std::to_string(cluster_->node(i).port()); };
  const std::string expected = "0 127.0.0.1 " + port_of(0) + " " + std::to_string(promoted) +
                               " 127.0.0.1 " + port_of(promoted) + " 0 127.0.0.1 " + port_of(0) +
                               " %\n";
  std::string hook_text;
  EXPECT_TRUE(wait_until(
      [&] {
        auto text = testbed::read_file(hook_out);
        hook_text = text ? *text : "";
        return !hook_text.empty();
      },
      std::chrono::seconds(10)))
      << proxy_->log_text();
  EXPECT_EQ(hook_text, expected);
  std::error_code ec;
  std::filesystem::remove_all(*hook_dir, ec);
}

}  // namespace
}  // namespace pgw::testing
