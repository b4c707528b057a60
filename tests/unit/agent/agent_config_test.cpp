#include "config/agent_config.hpp"

#include <gtest/gtest.h>

namespace pgw::config {
namespace {

TEST(AgentConfig, DefaultsAndRelativePaths) {
  auto config = parse_agent_config(R"(
[agent]
token_file = "token"
[postgres]
data_directory = "/var/lib/postgresql/15/main"
)",
                                   "/etc/pgwarden/agent.toml");
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->agent.listen, "127.0.0.1:8009");
  EXPECT_EQ(config->agent.token_file, "/etc/pgwarden/token");
  EXPECT_EQ(config->agent.operation_timeout, std::chrono::seconds(60));
  EXPECT_EQ(config->postgres.bin_directory, "/usr/lib/postgresql/15/bin");
  EXPECT_EQ(config->postgres.port, 5432);
  EXPECT_EQ(config->postgres.host, "/var/run/postgresql");
  EXPECT_EQ(config->postgres.user, "postgres");
  EXPECT_EQ(config->postgres.os_user, "");
  EXPECT_EQ(config->postgres.log_file, "/var/lib/postgresql/15/main/pg_ctl.log");
}

TEST(AgentConfig, EveryKey) {
  auto config = parse_agent_config(R"(
[agent]
listen = "0.0.0.0:9008"
token_file = "/etc/t"
operation_timeout = "2min"
[postgres]
data_directory = "/d"
bin_directory = "/b"
port = 5433
host = "127.0.0.1"
user = "mon"
password_file = "pw"
database = "db"
os_user = "postgres"
log_file = "/l"
[log]
level = "debug"
)",
                                   "/x/agent.toml");
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->agent.listen, "0.0.0.0:9008");
  EXPECT_EQ(config->agent.operation_timeout, std::chrono::minutes(2));
  EXPECT_EQ(config->postgres.port, 5433);
  EXPECT_EQ(config->postgres.password_file, "/x/pw");
  EXPECT_EQ(config->postgres.os_user, "postgres");
  EXPECT_EQ(config->postgres.log_file, "/l");
  EXPECT_EQ(config->log.level, "debug");
}

void expect_error(std::string_view text, int line, std::string_view key, std::string_view words) {
  auto config = parse_agent_config(text, "agent.toml");
  ASSERT_FALSE(config) << text;
  EXPECT_EQ(config.error().file, "agent.toml");
  EXPECT_EQ(config.error().line, line) << config.error().to_string();
  EXPECT_EQ(config.error().key, key) << config.error().to_string();
  EXPECT_NE(config.error().message.find(words), std::string::npos) << config.error().to_string();
}

TEST(AgentConfig, ErrorsNameFileLineAndKey) {
  expect_error("[postgres]\ndata_directory = \"/d\"\n", 0, "agent.token_file", "");
  expect_error("[agent]\ntoken_file = \"t\"\n", 0, "postgres.data_directory", "");
  expect_error("[agent]\ntoken_file = \"t\"\n[postgres]\ndata_directory = \"/d\"\nport = 70000\n",
               5, "postgres.port", "65535");
  expect_error("[agent]\ntoken_file = \"t\"\nlisten = 8009\n[postgres]\ndata_directory = \"/d\"\n",
               3, "agent.listen", "string");
  expect_error("[agent]\ntoken_file = \"t\"\ntoken = \"x\"\n[postgres]\ndata_directory = \"/d\"\n",
               3, "agent.token", "unknown");
  expect_error(
      "[agent]\ntoken_file = \"t\"\n[postgres]\ndata_directory = \"/d\"\npassword = \"p\"\n"
      "password_file = \"f\"\n",
      6, "postgres.password_file", "not both");
  expect_error("[agent\n", 1, "", "");
}

}  // namespace
}  // namespace pgw::config
