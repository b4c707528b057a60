// Client authentication through pgwarden: every hba method with every kind of stored secret,
// and the exact errors PostgreSQL clients expect.

#include "proxy_fixture.hpp"
#include "raw_client.hpp"

namespace pgw::testing {
namespace {

class ProxyAuth : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    ProxyFixture::SetUpTestSuite();
    // A role whose secret pgwarden keeps in plain text.
    ASSERT_TRUE(cluster_->primary().execute(
        "CREATE ROLE plain_user LOGIN PASSWORD 'plain secret'; GRANT CONNECT ON DATABASE " +
        cluster_->app_database() + " TO plain_user"));
  }

  void start_with_hba(const std::string& hba) {
    start_proxy({.hba = hba,
                 .extra_password_lines = {"\"plain_user\" \"plain secret\"",
                                          "\"md5_only\" \"md5" + std::string(32, '0') + "\""}});
  }

  std::string login(const std::string& user, const std::string& password,
                    std::string* message = nullptr) {
    auto client = RawClient::connect_tcp(proxy_->port());
    if (!client) return "<connect failed>";
    return client->login(user, cluster_->app_database(), password, message);
  }
};

TEST_F(ProxyAuth, ScramWithPostgresOwnSecretPassesThroughToTheServer) {
  start_with_hba("host all all 127.0.0.1/32 scram-sha-256\n");
  EXPECT_EQ(login(cluster_->app_user(), cluster_->app_password()), "");
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  EXPECT_EQ(conn.exec("SELECT current_user").value(), cluster_->app_user());
}

TEST_F(ProxyAuth, WrongPasswordIs28P01) {
  start_with_hba("host all all 127.0.0.1/32 scram-sha-256\n");
  std::string message;
  EXPECT_EQ(login(cluster_->app_user(), "not the password", &message), "28P01");
  EXPECT_EQ(message, "password authentication failed for user \"" + cluster_->app_user() + "\"");
  PgConnection conn(app_conninfo().replace(app_conninfo().find("password="), 9, "password=x"));
  EXPECT_FALSE(conn.ok());
  EXPECT_NE(conn.error().find("password authentication failed"), std::string::npos) << conn.error();
}

TEST_F(ProxyAuth, UnknownUserAndEmptyPasswordFailLikeAWrongPassword) {
  start_with_hba("host all all 127.0.0.1/32 scram-sha-256\n");
  EXPECT_EQ(login("nobody_here", "whatever"), "28P01");
  EXPECT_EQ(login(cluster_->app_user(), ""), "28P01");
}

TEST_F(ProxyAuth, Md5RuleUsesScramWhenTheSecretIsScram) {
  start_with_hba("host all all 127.0.0.1/32 md5\n");
  EXPECT_EQ(login(cluster_->app_user(), cluster_->app_password()), "");
}

TEST_F(ProxyAuth, Md5WithAPlainSecretAndScramToTheServer) {
  start_with_hba("host all all 127.0.0.1/32 md5\n");
  EXPECT_EQ(login("plain_user", "plain secret"), "");
  EXPECT_EQ(login("plain_user", "wrong"), "28P01");
}

TEST_F(ProxyAuth, CleartextPasswordRule) {
  start_with_hba("host all all 127.0.0.1/32 password\n");
  EXPECT_EQ(login(cluster_->app_user(), cluster_->app_password()), "");
  EXPECT_EQ(login("plain_user", "plain secret"), "");
  EXPECT_EQ(login("plain_user", "wrong"), "28P01");
}

TEST_F(ProxyAuth, TrustWithAPlainSecretLogsInToTheServer) {
  start_with_hba("host all all 127.0.0.1/32 trust\n");
  EXPECT_EQ(login("plain_user", "anything"), "");
}

TEST_F(ProxyAuth, TrustWithoutAUsableServerSecretExplainsWhy) {
  start_with_hba("host all all 127.0.0.1/32 trust\n");
  std::string message;
  EXPECT_EQ(login("md5_only", "", &message), "28000");
  EXPECT_NE(message.find("cannot authenticate to server"), std::string::npos) << message;
}

TEST_F(ProxyAuth, RejectRuleIs28000WithPostgresWording) {
  start_with_hba("host all plain_user 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 trust\n");
  std::string message;
  EXPECT_EQ(login("plain_user", "plain secret", &message), "28000");
  EXPECT_EQ(message,
            "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"plain_user\", "
            "database \"" +
                cluster_->app_database() + "\", no encryption");
}

TEST_F(ProxyAuth, NoMatchingRuleIs28000NamingHostUserAndDatabase) {
  start_with_hba("host all somebody_else 127.0.0.1/32 trust\n");
  std::string message;
  EXPECT_EQ(login(cluster_->app_user(), cluster_->app_password(), &message), "28000");
  EXPECT_EQ(message, "no pg_hba.conf entry for host \"127.0.0.1\", user \"" + cluster_->app_user() +
                         "\", database \"" + cluster_->app_database() + "\", no encryption");
}

TEST_F(ProxyAuth, FirstMatchingRuleWins) {
  start_with_hba("host all all 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 trust\n");
  EXPECT_EQ(login("plain_user", "plain secret"), "28000");
}

TEST_F(ProxyAuth, LocalRuleAppliesToTheUnixSocket) {
  start_with_hba("local all all scram-sha-256\nhost all all 127.0.0.1/32 reject\n");
  auto client =
      RawClient::connect_unix(proxy_->dir() + "/.s.PGSQL." + std::to_string(proxy_->port()));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
            "");
  EXPECT_EQ(login(cluster_->app_user(), cluster_->app_password()), "28000");
}

TEST_F(ProxyAuth, ServerRefusalIsRelayed) {
  start_with_hba("host all all 127.0.0.1/32 scram-sha-256\n");
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  std::string message;
  EXPECT_EQ(
      client->login(cluster_->app_user(), "no_such_database", cluster_->app_password(), &message),
      "3D000");
  EXPECT_EQ(message, "database \"no_such_database\" does not exist");
}

}  // namespace
}  // namespace pgw::testing
