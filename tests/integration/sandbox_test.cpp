// `pgwarden sandbox up/down`, the README's first command, end to end: a primary, two standbys
// and the proxy; pgbench -S through it spreads reads over every node by weight.

#include <filesystem>
#include <regex>

#include "proxy_fixture.hpp"

namespace pgw::testing {
namespace {

TEST(Sandbox, UpBalancesReadsOverEveryNodeAndDownRemovesEverything) {
  std::string dir = "/tmp/pgwarden-sandbox-test-" + std::to_string(::getpid());
  auto up = run_command({pgwarden_binary(), "sandbox", "up", "--dir", dir, "--port", "0"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  std::smatch found;
  ASSERT_TRUE(std::regex_search(up.output, found,
                                std::regex("PGPASSWORD='([^']+)' psql -h 127.0.0.1 -p ([0-9]+)")))
      << up.output;
  std::string password = found[1];
  std::string port = found[2];
  std::vector<std::pair<std::string, std::string>> env = {{"PGPASSWORD", password}};

  auto init = run_command(
      {pg_bin("pgbench"), "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p", port, "-U", "app", "app"},
      env);
  EXPECT_EQ(init.exit_code, 0) << init.output;
  auto bench = run_command({pg_bin("pgbench"), "-n", "-S", "-c", "4", "-T", "3", "-h", "127.0.0.1",
                            "-p", port, "-U", "app", "app"},
                           env);
  EXPECT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_NE(bench.output.find("number of failed transactions: 0 "), std::string::npos)
      << bench.output;

  PgConnection conn("host=127.0.0.1 port=" + port + " user=app dbname=app password=" + password);
  ASSERT_TRUE(conn.ok()) << conn.error();
  auto nodes = conn.exec("SHOW POOL_NODES");
  ASSERT_TRUE(nodes.ok) << nodes.error;
  ASSERT_EQ(nodes.rows.size(), 3u);
  double total = 0;
  for (const auto& row : nodes.rows)
    total += std::stod(*row[8]);
  ASSERT_GT(total, 300) << "too few reads to judge";
  for (const auto& row : nodes.rows) {
    double share = std::stod(*row[8]) / total;
    // Equal weights: a third each, give or take (statement-level draws over hundreds of reads).
    EXPECT_GT(share, 0.2) << "node " << *row[0] << " (" << *row[6] << ")";
    EXPECT_LT(share, 0.47) << "node " << *row[0];
  }

  auto down = run_command({pgwarden_binary(), "sandbox", "down", "--dir", dir});
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(conn.exec("SELECT 1").ok) << "the proxy still answers after sandbox down";
}

}  // namespace
}  // namespace pgw::testing
