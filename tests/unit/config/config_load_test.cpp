#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_util.hpp"

namespace pgw::config {
namespace {

using std::chrono::milliseconds;
using testing::kFile;
using testing::kMinimal;
using testing::TempDir;

constexpr std::string_view kFull = R"(
workers = 4

[listen]
addresses = ["127.0.0.1", "::1"]
port = 7432
unix_socket_dir = "/run/pgwarden"
unix_socket_mode = "0770"

[auth]
hba_file = "pg_hba.conf"
passwords_file = "/etc/pgwarden/secrets/passwords"

[pool]
mode = "session"
pool_size = 50
pool_wait_timeout = "2500ms"
reset_query = "RESET ALL"
server_connect_timeout = "3s"
server_login_timeout = "15s"
server_idle_timeout = "0s"
server_lifetime = "2h"

[limits]
max_client_connections = 200
authentication_timeout = "1min"
max_message_size = "16MB"
max_startup_packet_size = 4096
shutdown_timeout = "0s"

[log]
level = "debug"
file = "/var/log/pgwarden.log"
log_sessions = false

[[backends]]
name = "pg1"
host = "10.0.0.1"
port = 5433
weight = 0
agent = "10.0.0.1:7000"
no_load_balance = true

[[backends]]
name = "pg-2.b_x"
host = "/var/run/postgresql"
no_failover = true
)";

TEST(ParseConfig, FullFileGivesEveryValue) {
  auto result = parse_config(kFull, kFile);
  ASSERT_TRUE(result) << result.error().to_string();
  const Config& c = *result;
  EXPECT_EQ(c.source_path, kFile);
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(c.listen.addresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.listen.port, 7432);
  EXPECT_EQ(c.listen.unix_socket_dir, "/run/pgwarden");
  EXPECT_EQ(c.listen.unix_socket_mode, 0770u);
  EXPECT_EQ(c.auth.hba_file, "/etc/pgwarden/pg_hba.conf");
  EXPECT_EQ(c.auth.passwords_file, "/etc/pgwarden/secrets/passwords");
  EXPECT_EQ(c.pool.mode, PoolMode::kSession);
  EXPECT_EQ(c.pool.pool_size, 50u);
  EXPECT_EQ(c.pool.pool_wait_timeout, milliseconds(2500));
  EXPECT_EQ(c.pool.reset_query, "RESET ALL");
  EXPECT_EQ(c.pool.server_connect_timeout, milliseconds(3000));
  EXPECT_EQ(c.pool.server_login_timeout, milliseconds(15'000));
  EXPECT_EQ(c.pool.server_idle_timeout, milliseconds(0));
  EXPECT_EQ(c.pool.server_lifetime, milliseconds(7'200'000));
  EXPECT_EQ(c.limits.max_client_connections, 200u);
  EXPECT_EQ(c.limits.authentication_timeout, milliseconds(60'000));
  EXPECT_EQ(c.limits.max_message_size, 16u * 1024 * 1024);
  EXPECT_EQ(c.limits.max_startup_packet_size, 4096u);
  EXPECT_EQ(c.limits.shutdown_timeout, milliseconds(0));
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.file, "/var/log/pgwarden.log");
  EXPECT_FALSE(c.log.log_sessions);
  ASSERT_EQ(c.backends.size(), 2u);
  EXPECT_EQ(c.backends[0].name, "pg1");
  EXPECT_EQ(c.backends[0].host, "10.0.0.1");
  EXPECT_EQ(c.backends[0].port, 5433);
  EXPECT_EQ(c.backends[0].weight, 0u);
  EXPECT_EQ(c.backends[0].agent, "10.0.0.1:7000");
  EXPECT_TRUE(c.backends[0].no_load_balance);
  EXPECT_FALSE(c.backends[0].no_failover);
  EXPECT_EQ(c.backends[1].name, "pg-2.b_x");
  EXPECT_EQ(c.backends[1].host, "/var/run/postgresql");
  EXPECT_EQ(c.backends[1].port, 5432);
  EXPECT_EQ(c.backends[1].weight, 1u);
  EXPECT_EQ(c.backends[1].agent, "");
  EXPECT_FALSE(c.backends[1].no_load_balance);
  EXPECT_TRUE(c.backends[1].no_failover);
}

TEST(ParseConfig, MissingOptionalKeysTakeTheDefaults) {
  auto result = parse_config(kMinimal, kFile);
  ASSERT_TRUE(result) << result.error().to_string();
  const Config defaults;
  const Config& c = *result;
  EXPECT_EQ(c.workers, defaults.workers);
  EXPECT_EQ(c.listen.addresses, defaults.listen.addresses);
  EXPECT_EQ(c.listen.port, defaults.listen.port);
  EXPECT_EQ(c.listen.unix_socket_dir, defaults.listen.unix_socket_dir);
  EXPECT_EQ(c.listen.unix_socket_mode, defaults.listen.unix_socket_mode);
  EXPECT_EQ(c.pool.pool_size, defaults.pool.pool_size);
  EXPECT_EQ(c.pool.pool_wait_timeout, defaults.pool.pool_wait_timeout);
  EXPECT_EQ(c.pool.reset_query, defaults.pool.reset_query);
  EXPECT_EQ(c.pool.server_connect_timeout, defaults.pool.server_connect_timeout);
  EXPECT_EQ(c.pool.server_login_timeout, defaults.pool.server_login_timeout);
  EXPECT_EQ(c.pool.server_idle_timeout, defaults.pool.server_idle_timeout);
  EXPECT_EQ(c.pool.server_lifetime, defaults.pool.server_lifetime);
  EXPECT_EQ(c.limits.max_client_connections, defaults.limits.max_client_connections);
  EXPECT_EQ(c.limits.authentication_timeout, defaults.limits.authentication_timeout);
  EXPECT_EQ(c.limits.max_message_size, defaults.limits.max_message_size);
  EXPECT_EQ(c.limits.max_startup_packet_size, defaults.limits.max_startup_packet_size);
  EXPECT_EQ(c.limits.shutdown_timeout, defaults.limits.shutdown_timeout);
  EXPECT_EQ(c.log.level, defaults.log.level);
  EXPECT_EQ(c.log.file, defaults.log.file);
  EXPECT_EQ(c.log.log_sessions, defaults.log.log_sessions);
  ASSERT_EQ(c.backends.size(), 1u);
  EXPECT_EQ(c.backends[0].port, 5432);
  EXPECT_EQ(c.backends[0].weight, 1u);
  EXPECT_FALSE(c.backends[0].no_load_balance);
  EXPECT_FALSE(c.backends[0].no_failover);
}

TEST(ParseConfig, DefaultsAreTheDocumentedOnes) {
  const Config c;
  EXPECT_EQ(c.workers, 1u);
  EXPECT_EQ(c.listen.port, 6432);
  EXPECT_EQ(c.pool.pool_size, 20u);
  EXPECT_EQ(c.pool.server_idle_timeout, milliseconds(600'000));
  EXPECT_EQ(c.limits.max_message_size, 1024u * 1024 * 1024);
  EXPECT_EQ(c.limits.max_startup_packet_size, 10'000u);
}

TEST(ParseConfig, SizesAcceptIntegersAndWorkersZeroMeansPerCore) {
  auto result =
      parse_config(testing::with_minimal("workers = 0\n[limits]\nmax_message_size = 2048\n"
                                         "max_startup_packet_size = \"10kB\"\n"),
                   kFile);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->workers, 0u);
  EXPECT_EQ(result->limits.max_message_size, 2048u);
  EXPECT_EQ(result->limits.max_startup_packet_size, 10'240u);
}

TEST(ParseConfig, StarAndUnixSocketOnlyListenersAreAccepted) {
  auto star = parse_config(testing::with_minimal("[listen]\naddresses = [\"*\"]\n"), kFile);
  ASSERT_TRUE(star) << star.error().to_string();
  EXPECT_EQ(star->listen.addresses, std::vector<std::string>{"*"});
  auto unix_only = parse_config(testing::with_minimal("[listen]\naddresses = []\n"), kFile);
  ASSERT_TRUE(unix_only) << unix_only.error().to_string();
  EXPECT_TRUE(unix_only->listen.addresses.empty());
}

TEST(ParseConfig, RelativePathsResolveAgainstTheFilesDirectory) {
  auto result = parse_config(
      "[auth]\nhba_file = \"conf/../hba/pg_hba.conf\"\npasswords_file = \"../passwords\"\n"
      "[listen]\nunix_socket_dir = \"sockets\"\n[log]\nfile = \"log/pgwarden.log\"\n"
      "[[backends]]\nname = \"a\"\nhost = \"h\"\n",
      kFile);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->auth.hba_file, "/etc/pgwarden/hba/pg_hba.conf");
  EXPECT_EQ(result->auth.passwords_file, "/etc/passwords");
  EXPECT_EQ(result->listen.unix_socket_dir, "/etc/pgwarden/sockets");
  EXPECT_EQ(result->log.file, "/etc/pgwarden/log/pgwarden.log");
}

TEST(ParseConfig, RelativeSourceNameIsMadeAbsoluteFromTheCurrentDirectory) {
  auto result = parse_config(kMinimal, "conf/pgwarden.toml");
  ASSERT_TRUE(result) << result.error().to_string();
  const auto cwd = std::filesystem::current_path();
  EXPECT_EQ(result->source_path, (cwd / "conf/pgwarden.toml").string());
  EXPECT_EQ(result->auth.hba_file, (cwd / "conf/pg_hba.conf").string());
}

TEST(LoadConfig, ReadsTheFileAndResolvesPathsAgainstItsDirectory) {
  TempDir dir;
  const std::string path = dir.write("pgwarden.toml", kMinimal);
  auto result = load_config(path);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->source_path, path);
  EXPECT_EQ(result->auth.hba_file, (dir.path() / "pg_hba.conf").string());
  EXPECT_EQ(result->auth.passwords_file, (dir.path() / "passwords").string());
  EXPECT_EQ(result->backends.at(0).name, "pg1");
}

// The files users copy from must stay valid.
std::filesystem::path source_root() {
  return std::filesystem::path(PGW_TEST_DATA_DIR).parent_path().parent_path();
}

TEST(LoadConfig, ShippedExampleIsValid) {
  auto result = load_config((source_root() / "packaging/examples/pgwarden.toml").string());
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_FALSE(result->backends.empty());
}

TEST(LoadConfig, EveryCompleteExampleInTheDocumentationIsValid) {
  std::ifstream doc(source_root() / "docs/configuration.md");
  ASSERT_TRUE(doc) << "docs/configuration.md not found";
  std::stringstream text;
  text << doc.rdbuf();
  const std::string md = text.str();
  int complete = 0;
  for (auto start = md.find("```toml\n"); start != std::string::npos;
       start = md.find("```toml\n", start + 1)) {
    const auto body = start + 8;
    const std::string block = md.substr(body, md.find("```", body) - body);
    if (block.find("[[backends]]") == std::string::npos ||
        block.find("[auth]") == std::string::npos) {
      continue;
    }
    ++complete;
    auto result = parse_config(block, kFile);
    EXPECT_TRUE(result) << result.error().to_string() << "\nin block:\n" << block;
  }
  EXPECT_GE(complete, 1);
}

}  // namespace
}  // namespace pgw::config
