// The proxy process: reload on SIGHUP, drain on SIGTERM, stop on SIGINT, check-config and
// passwd subcommands.

#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/process.hpp"
#include "proxy_fixture.hpp"
#include "raw_client.hpp"
#include "testbed/files.hpp"

namespace pgw::testing {
namespace {

class ProxyLifecycle : public ProxyFixture {
 protected:
  std::string login_sqlstate() {
    auto client = RawClient::connect_tcp(proxy_->port());
    if (!client) return "<refused>";
    return client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password());
  }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  }
};

TEST_F(ProxyLifecycle, SighupReloadsHbaRulesWithoutDroppingSessions) {
  start_proxy();
  PgConnection session(app_conninfo());
  ASSERT_TRUE(session.ok());
  write(proxy_->hba_path(), "host all all 127.0.0.1/32 reject\n");
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  EXPECT_TRUE(wait_until([&] { return login_sqlstate() == "28000"; }, std::chrono::seconds(5)));
  EXPECT_EQ(session.exec("SELECT 'kept'").value(), "kept");
  EXPECT_NE(proxy_->log_text().find("reloaded"), std::string::npos);
}

TEST_F(ProxyLifecycle, ABrokenFileOnReloadKeepsThePreviousRules) {
  start_proxy();
  write(proxy_->hba_path(), "host all all 127.0.0.1/32 kerberos-please\n");
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  EXPECT_TRUE(
      wait_until([&] { return proxy_->log_text().find("reload failed") != std::string::npos; },
                 std::chrono::seconds(5)));
  EXPECT_NE(proxy_->log_text().find("pg_hba.conf:1"), std::string::npos) << proxy_->log_text();
  EXPECT_EQ(login_sqlstate(), "");
}

TEST_F(ProxyLifecycle, SigtermStopsAcceptingAndWaitsForSessions) {
  start_proxy({.settings = {{"limits", "shutdown_timeout = \"20s\""}}});
  auto session = std::make_unique<PgConnection>(app_conninfo());
  ASSERT_TRUE(session->ok());
  ASSERT_TRUE(proxy_->signal(SIGTERM));
  EXPECT_TRUE(wait_until([&] { return RawClient::connect_tcp(proxy_->port()) == nullptr; },
                         std::chrono::seconds(5)));
  EXPECT_EQ(session->exec("SELECT 'still here'").value(), "still here");
  EXPECT_TRUE(proxy_->alive());
  session.reset();
  EXPECT_TRUE(proxy_->wait_exit(std::chrono::seconds(5)));
}

TEST_F(ProxyLifecycle, SigtermEndsLingeringSessionsAfterTheShutdownTimeout) {
  start_proxy({.settings = {{"limits", "shutdown_timeout = \"500ms\""}}});
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
            "");
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(proxy_->signal(SIGTERM));
  EXPECT_EQ(client->read_until_ready_or_error(), "57P01");
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(400));
  EXPECT_TRUE(proxy_->wait_exit(std::chrono::seconds(5)));
}

TEST_F(ProxyLifecycle, SigintEndsSessionsAtOnce) {
  start_proxy({.settings = {{"limits", "shutdown_timeout = \"30s\""}}});
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
            "");
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(proxy_->signal(SIGINT));
  EXPECT_EQ(client->read_until_ready_or_error(), "57P01");
  EXPECT_TRUE(proxy_->wait_exit(std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(ProxyLifecycle, SessionLogLineSaysWhoAndHowItEnded) {
  start_proxy();
  {
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok());
    conn.exec("SELECT 1");
  }
  EXPECT_TRUE(wait_until(
      [&] {
        auto log = proxy_->log_text();
        return log.find("from 127.0.0.1:") != std::string::npos &&
               log.find("user=\"" + cluster_->app_user() + "\"") != std::string::npos &&
               log.find("client terminated after") != std::string::npos &&
               log.find("B in,") != std::string::npos;
      },
      std::chrono::seconds(5)))
      << proxy_->log_text();
  EXPECT_EQ(proxy_->log_text().find(cluster_->app_password()), std::string::npos);
}

TEST_F(ProxyLifecycle, CheckConfigReportsFileLineAndKey) {
  start_proxy();
  auto ok = run_command({pgwarden_binary(), "check-config", "-c", proxy_->config_path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("OK"), std::string::npos) << ok.output;
  std::string bad = proxy_->dir() + "/bad.toml";
  write(bad, "[listen]\nport = 70000\n");
  auto out = run_command({pgwarden_binary(), "check-config", "-c", bad});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.output.find(bad + ":2"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("listen.port"), std::string::npos) << out.output;
}

TEST_F(ProxyLifecycle, PasswdWritesASecretThatWorksEndToEnd) {
  start_proxy();
  std::string file = proxy_->dir() + "/passwords";
  ProcessSpec spec{{pgwarden_binary(), "passwd", "-f", file, "rotated_user"}, "", {}, ""};
  RunOptions options;
  options.stdin_text = "n3w-s3cret\n";
  auto out = run_process(spec, options);
  ASSERT_TRUE(out && out->success()) << (out ? out->output : out.error().message);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find("\"rotated_user\" \"SCRAM-SHA-256$4096:");
  ASSERT_NE(at, std::string::npos) << text;
  auto start = text.find("SCRAM", at);
  std::string secret = text.substr(start, text.find('"', start) - start);
  // The same secret on the server: no plain-text password stored anywhere.
  ASSERT_TRUE(
      cluster_->primary().execute("DROP ROLE IF EXISTS rotated_user; CREATE ROLE "
                                  "rotated_user LOGIN PASSWORD '" +
                                  secret + "'"));
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  EXPECT_TRUE(wait_until(
      [&] {
        auto client = RawClient::connect_tcp(proxy_->port());
        return client &&
               client->login("rotated_user", cluster_->app_database(), "n3w-s3cret") == "";
      },
      std::chrono::seconds(5)));
}

}  // namespace
}  // namespace pgw::testing

namespace pgw::testing {
namespace {

class ProxyAdminToken : public ProxyFixture {
 protected:
  /// `pgwarden ctl detach node0` with the token in `token_file`: node0 is the primary, so a
  /// request that passes authentication is refused by the manager (409), one that does not
  /// is refused by the API (401).
  CommandOutput detach_primary(const std::string& token_file) {
    return run_command({pgwarden_binary(), "ctl", "--admin",
                        "127.0.0.1:" + std::to_string(proxy_->admin_port()), "--token-file",
                        token_file, "detach", "node0"});
  }
};

TEST_F(ProxyAdminToken, DeletingTheTokenFileAndReloadingRevokesTheToken) {
  auto dir = testbed::make_temp_dir("pgwarden-token-", testbed::Owner{});
  ASSERT_TRUE(dir) << dir.error().message;
  const std::string token = "0123456789abcdef-lifecycle";
  const std::string served = *dir + "/admin-token";
  const std::string kept = *dir + "/client-copy";
  ASSERT_TRUE(testbed::write_file(served, token + "\n", testbed::Owner{}));
  ASSERT_TRUE(testbed::write_file(kept, token + "\n", testbed::Owner{}));
  start_proxy({.settings = {{"admin", "token_file = \"" + served + "\""}}});
  auto accepted = detach_primary(kept);
  EXPECT_EQ(accepted.exit_code, 1) << accepted.output;
  EXPECT_NE(accepted.output.find("is the primary"), std::string::npos) << accepted.output;

  ASSERT_EQ(::unlink(served.c_str()), 0);
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_until(
      [&] {
        return proxy_->log_text().find("reload of the admin token failed") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << proxy_->log_text();
  auto revoked = detach_primary(kept);
  EXPECT_EQ(revoked.exit_code, 1) << revoked.output;
  EXPECT_NE(revoked.output.find("refused the token"), std::string::npos) << revoked.output;
  EXPECT_EQ(revoked.output.find("is the primary"), std::string::npos) << revoked.output;
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
}

}  // namespace
}  // namespace pgw::testing
