// Security regressions: authentication bypass attempts, every client x server method with and
// without an idle pooled connection, a hostile server, cancel keys and a cancel flood, secrets
// kept out of logs and views, and the passwords file's permissions.
// (Covered elsewhere: bytes after an SSLRequest in proxy_bad_input_test.cpp, a wrong cancel key
// in proxy_relay_test.cpp, TLS and certificates in tls_test.cpp.)

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <sys/stat.h>

#include "auth/md5.hpp"
#include "auth/scram.hpp"
#include "common/random.hpp"
#include "hostile_server.hpp"
#include "protocol/startup.hpp"
#include "proxy_fixture.hpp"
#include "raw_client.hpp"
#include "security_support.hpp"
#include "testbed/certificates.hpp"
#include "testbed/config_text.hpp"
#include "testbed/files.hpp"
#include "tls_support.hpp"

namespace pgw::testing {
namespace {

using namespace std::chrono_literals;
using testbed::sql_literal;

protocol::Bytes startup_bytes(const std::string& user, const std::string& database) {
  protocol::StartupMessage startup;
  startup.parameters = {{"user", user}, {"database", database}};
  protocol::Bytes bytes;
  protocol::encode(startup, bytes);
  return bytes;
}

protocol::Bytes password_bytes(std::string_view password) {
  protocol::Bytes bytes;
  protocol::encode(protocol::PasswordMessage{password}, bytes);
  return bytes;
}

/// Roles and pooled connections seen from the server.
class SecurityFixture : public ProxyFixture {
 protected:
  static void create_role(const std::string& name, const std::string& password, bool md5 = false) {
    std::string sql = md5 ? "SET password_encryption = 'md5'; " : "";
    sql += "CREATE ROLE " + name + " LOGIN PASSWORD " + sql_literal(password) +
           "; GRANT CONNECT ON DATABASE " + cluster_->app_database() + " TO " + name;
    ASSERT_TRUE(cluster_->primary().execute(sql));
  }
  static std::string stored_secret(const std::string& role) {
    auto secret = cluster_->primary().query_value(
        "SELECT rolpassword FROM pg_authid WHERE rolname = " + sql_literal(role));
    return secret ? *secret : std::string();
  }
  static std::string password_line(const std::string& user, const std::string& secret) {
    return "\"" + user + "\" \"" + secret + "\"";
  }

  /// Server connections of `user` that are idle after pgwarden's reset: pooled, unused.
  static int pooled_idle(const std::string& user) {
    auto count = cluster_->primary().query_value(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = " + sql_literal(user) +
        " AND state = 'idle' AND query = 'DISCARD ALL'");
    return count ? std::stoi(*count) : -1;
  }
  static int server_connections(const std::string& user_pattern) {
    auto count = cluster_->primary().query_value(
        "SELECT count(*) FROM pg_stat_activity WHERE usename LIKE " + sql_literal(user_pattern));
    return count ? std::stoi(*count) : -1;
  }

  /// Puts `rules` ahead of the primary's pg_hba.conf and waits until `role` (one of the roles
  /// they name) is asked for authentication request `code`.
  static void prepend_server_hba(const std::string& rules, const std::string& role, int code) {
    auto& primary = cluster_->primary();
    auto path = primary.data_dir() + "/pg_hba.conf";
    auto original = testbed::read_file(path);
    ASSERT_TRUE(original);
    {
      std::ofstream out(path, std::ios::trunc);  // keeps the file's owner and mode
      out << "# security_test\n" << rules << *original;
    }
    ASSERT_TRUE(primary.execute("SELECT pg_reload_conf()"));
    ASSERT_TRUE(wait_until([&] { return server_asks(role) == code; }, 10s))
        << role << " is not asked for authentication request " << code;
  }
  /// The authentication request code the primary answers a startup of `role` with.
  static int server_asks(const std::string& role) {
    auto client = RawClient::connect_tcp(cluster_->primary().port());
    if (!client || !client->send_startup(role, cluster_->app_database())) return -1;
    return auth_code(client->read_message());
  }

  std::unique_ptr<RawClient> connect() { return RawClient::connect_tcp(proxy_->port()); }
  std::unique_ptr<RawClient> connect_unix() {
    return RawClient::connect_unix(proxy_->dir() + "/.s.PGSQL." + std::to_string(proxy_->port()));
  }
  /// "" on success, else the SQLSTATE (message in `message`).
  std::string login(const std::string& user, const std::string& password,
                    std::string* message = nullptr, const std::string& database = "") {
    auto client = connect();
    if (!client) return "<connect failed>";
    return client->login(user, database.empty() ? cluster_->app_database() : database, password,
                         message);
  }
  std::string login_unix(const std::string& user, const std::string& password) {
    auto client = connect_unix();
    if (!client) return "<connect failed>";
    return client->login(user, cluster_->app_database(), password);
  }
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout = 10s) {
    return wait_until([&] { return proxy_->log_text().find(needle) != std::string::npos; },
                      timeout);
  }
};

// ---- Authentication bypass attempts ----------------------------------------------------------

constexpr auto kAuthTimeout = 2s;

class SecurityAuthBypass : public SecurityFixture {
 protected:
  static void SetUpTestSuite() {
    SecurityFixture::SetUpTestSuite();
    create_role("sec_plain", kPlainPassword);
    create_role("sec_md5", kMd5Password, true);
    create_role("sec_trusted", kTrustedPassword);
    create_role("sec_absent", kAbsentPassword);
  }

  void SetUp() override {
    // Rules by database pick the method for any user (client authentication fails before a
    // database is needed); then by user.
    start_proxy({.hba = "host via_md5 all 127.0.0.1/32 md5\n"
                        "host via_password all 127.0.0.1/32 password\n"
                        "host via_scram all 127.0.0.1/32 scram-sha-256\n"
                        "host all sec_md5 127.0.0.1/32 md5\n"
                        "host all sec_plain 127.0.0.1/32 password\n"
                        "host all sec_trusted 127.0.0.1/32 trust\n"
                        "host all all 127.0.0.1/32 scram-sha-256\n",
                 .extra_password_lines = {password_line("sec_plain", kPlainPassword),
                                          password_line("sec_md5", auth::md5_password_secret(
                                                                       "sec_md5", kMd5Password)),
                                          password_line("sec_trusted", kTrustedPassword)},
                 .settings = {{"limits", "authentication_timeout = \"2s\""}}});
  }

  /// Startup for the app user, then AuthenticationSASL.
  std::unique_ptr<RawClient> start_scram_login() {
    auto client = connect();
    if (!client || !client->send_startup(cluster_->app_user(), cluster_->app_database())) {
      return nullptr;
    }
    return client;
  }

  static constexpr const char* kPlainPassword = "plain-Secret-41";
  static constexpr const char* kMd5Password = "md5-Secret-42";
  static constexpr const char* kTrustedPassword = "trusted-Secret-43";
  static constexpr const char* kAbsentPassword = "absent-Secret-44";
};

TEST_F(SecurityAuthBypass, SkippingTheSaslExchangeNeverAuthenticates) {
  std::vector<std::pair<std::string, protocol::Bytes>> skips;
  auto add = [&skips](std::string name, auto message) {
    protocol::Bytes bytes;
    protocol::encode(message, bytes);
    skips.emplace_back(std::move(name), std::move(bytes));
  };
  add("Query", protocol::Query{"SELECT 1"});
  add("Sync", protocol::Sync{});
  add("Terminate", protocol::Terminate{});
  add("client-final-message first",
      protocol::SaslResponse{
          as_bytes("c=biws,r=abc,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")});
  add("SASLInitialResponse without data", protocol::SaslInitialResponse{"SCRAM-SHA-256", {}});
  add("mechanism PLAIN",
      protocol::SaslInitialResponse{"PLAIN", as_bytes(std::string_view("\0app\0x", 7))});
  add("cleartext password", protocol::PasswordMessage{"anything"});
  skips.emplace_back("empty 'p' message", protocol::Bytes{'p', 0, 0, 0, 4});
  for (const auto& [name, bytes] : skips) {
    SCOPED_TRACE(name);
    auto client = start_scram_login();
    ASSERT_TRUE(client);
    ASSERT_EQ(auth_code(client->read_message()), protocol::auth_code::kSasl);
    ASSERT_TRUE(client->send(bytes));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_TRUE(ending.closed);
    if (name != "Terminate") {
      EXPECT_EQ(ending.sqlstate, "08P01") << ending.message;
    }
  }
}

TEST_F(SecurityAuthBypass, APasswordSentBeforeTheChallengeIsNotTakenAsProof) {
  {
    SCOPED_TRACE("SCRAM rule, the right cleartext password ahead of AuthenticationSASL");
    auto client = connect();
    ASSERT_TRUE(client);
    auto bytes = startup_bytes(cluster_->app_user(), cluster_->app_database());
    auto password = password_bytes(cluster_->app_password());
    bytes.insert(bytes.end(), password.begin(), password.end());
    ASSERT_TRUE(client->send(bytes));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_EQ(ending.sqlstate, "08P01") << ending.message;
  }
  std::string hash = auth::md5_password_secret("sec_md5", kMd5Password);
  // md5 rule: the cleartext, the stored hash (pass-the-hash), a response to a guessed salt.
  for (const std::string& early :
       {std::string(kMd5Password), hash, auth::md5_salted_response(hash, {0, 0, 0, 0})}) {
    SCOPED_TRACE("md5 rule, early PasswordMessage " + early.substr(0, 6));
    auto client = connect();
    ASSERT_TRUE(client);
    auto bytes = startup_bytes("sec_md5", cluster_->app_database());
    auto password = password_bytes(early);
    bytes.insert(bytes.end(), password.begin(), password.end());
    ASSERT_TRUE(client->send(bytes));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_EQ(ending.sqlstate, "28P01") << ending.message;
  }
}

TEST_F(SecurityAuthBypass, AStoredSecretIsNotAPassword) {
  // The "password" rule takes plain text: the hash or the SCRAM secret itself must not pass.
  std::string scram_secret = stored_secret(cluster_->app_user());
  ASSERT_FALSE(scram_secret.empty());
  EXPECT_EQ(login(cluster_->app_user(), scram_secret, nullptr, "via_password"), "28P01");
  EXPECT_EQ(
      login("sec_md5", auth::md5_password_secret("sec_md5", kMd5Password), nullptr, "via_password"),
      "28P01");
  EXPECT_EQ(
      login("sec_md5", auth::md5_password_secret("sec_md5", kMd5Password), nullptr, "via_md5"),
      "28P01");
}

TEST_F(SecurityAuthBypass, AWrongNonceEchoIsRefused) {
  // Control: the untampered exchange succeeds, so the refusals below are about the nonce.
  {
    auto client = start_scram_login();
    ASSERT_TRUE(client);
    auto scram = auth::ScramClientExchange::with_password(cluster_->app_password(),
                                                          SecureRandom::instance());
    auto server_first = begin_scram(*client, scram);
    ASSERT_TRUE(server_first);
    auto final_message = scram.on_server_first(*server_first);
    ASSERT_TRUE(final_message);
    ASSERT_TRUE(send_sasl_response(*client, *final_message));
    EXPECT_TRUE(read_ending(*client, 10s).authenticated);
  }
  using Tamper = std::string (*)(const std::string& client_nonce, const std::string& nonce);
  std::vector<std::pair<std::string, Tamper>> tampers = {
      {"client part only", [](const std::string& c, const std::string&) { return c; }},
      {"server part altered",
       [](const std::string&, const std::string& n) {
         std::string t = n;
         t.back() = t.back() == 'A' ? 'B' : 'A';
         return t;
       }},
      {"extra characters", [](const std::string&, const std::string& n) { return n + "xyz"; }},
  };
  for (const auto& [name, tamper] : tampers) {
    SCOPED_TRACE(name);
    auto client = start_scram_login();
    ASSERT_TRUE(client);
    auto scram = auth::ScramClientExchange::with_password(cluster_->app_password(),
                                                          SecureRandom::instance());
    auto client_nonce = scram_attribute(scram.client_first_message(), 'r');
    auto server_first = begin_scram(*client, scram);
    ASSERT_TRUE(server_first);
    std::string nonce = scram_attribute(*server_first, 'r');
    // A proof computed honestly for the tampered nonce: only the nonce is wrong.
    std::string tampered = "r=" + tamper(client_nonce, nonce) +
                           ",s=" + scram_attribute(*server_first, 's') +
                           ",i=" + scram_attribute(*server_first, 'i');
    auto final_message = scram.on_server_first(tampered);
    ASSERT_TRUE(final_message) << final_message.error().message;
    ASSERT_TRUE(send_sasl_response(*client, *final_message));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_TRUE(ending.closed);
    EXPECT_EQ(ending.sqlstate, "08P01") << ending.message;
  }
}

TEST_F(SecurityAuthBypass, AReplayedClientFinalMessageIsRefused) {
  auth::ScramClientOptions options;
  options.fixed_nonce = "replayedClientNonceAAAAAAAAAAAAA";
  std::string recorded_final;
  std::string recorded_server_first;
  {
    auto client = start_scram_login();
    ASSERT_TRUE(client);
    auto scram = auth::ScramClientExchange::with_password(cluster_->app_password(),
                                                          SecureRandom::instance(), options);
    auto server_first = begin_scram(*client, scram);
    ASSERT_TRUE(server_first);
    recorded_server_first = *server_first;
    auto final_message = scram.on_server_first(*server_first);
    ASSERT_TRUE(final_message);
    recorded_final = *final_message;
    ASSERT_TRUE(send_sasl_response(*client, recorded_final));
    ASSERT_TRUE(read_ending(*client, 10s).authenticated);
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    SCOPED_TRACE(attempt);
    auto client = start_scram_login();
    ASSERT_TRUE(client);
    // The same client-first-message as the recorded session: only the server nonce differs.
    auto scram = auth::ScramClientExchange::with_password("not the password",
                                                          SecureRandom::instance(), options);
    auto server_first = begin_scram(*client, scram);
    ASSERT_TRUE(server_first);
    EXPECT_NE(*server_first, recorded_server_first) << "the server nonce must be fresh";
    ASSERT_TRUE(send_sasl_response(*client, recorded_final));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_TRUE(ending.closed);
    EXPECT_EQ(ending.sqlstate, "08P01") << ending.message;
  }
}

TEST_F(SecurityAuthBypass, ASecondStartupMessageDuringAuthenticationIsNotObeyed) {
  // In the middle of each method's exchange, a StartupMessage for a user the rules trust.
  struct Case {
    std::string user;
    int request;
  };
  for (const auto& c : {Case{cluster_->app_user(), protocol::auth_code::kSasl},
                        Case{"sec_md5", protocol::auth_code::kMd5Password},
                        Case{"sec_plain", protocol::auth_code::kCleartextPassword}}) {
    SCOPED_TRACE(c.user);
    auto client = connect();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->send_startup(c.user, cluster_->app_database()));
    ASSERT_EQ(auth_code(client->read_message()), c.request);
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(client->send(startup_bytes("sec_trusted", cluster_->app_database())));
    auto ending = read_ending(*client, kAuthTimeout + 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_TRUE(ending.closed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, kAuthTimeout + 3s);
  }
  // What the rules would have let in: sec_trusted itself logs in (so the refusals above are not
  // about that user).
  EXPECT_EQ(login("sec_trusted", ""), "");
}

TEST_F(SecurityAuthBypass, EmptyPasswordsNeverAuthenticate) {
  {
    SCOPED_TRACE("password rule, empty PasswordMessage");
    EXPECT_EQ(login("sec_plain", ""), "28P01");
  }
  {
    SCOPED_TRACE("md5 rule, empty PasswordMessage instead of the salted hash");
    auto client = connect();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->send_startup("sec_md5", cluster_->app_database()));
    ASSERT_EQ(auth_code(client->read_message()), protocol::auth_code::kMd5Password);
    ASSERT_TRUE(client->send(password_bytes("")));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_EQ(ending.sqlstate, "28P01") << ending.message;
  }
  {
    SCOPED_TRACE("md5 rule, the hash of an empty password");
    EXPECT_EQ(login("sec_md5", ""), "28P01");
    EXPECT_EQ(login("sec_plain", "", nullptr, "via_md5"), "28P01");
  }
  {
    SCOPED_TRACE("SCRAM, a proof made from an empty password");
    EXPECT_EQ(login(cluster_->app_user(), ""), "28P01");
    EXPECT_EQ(login("sec_plain", "", nullptr, "via_scram"), "28P01");
  }
  for (const std::string proof : {"p=", ""}) {
    SCOPED_TRACE("SCRAM, client-final-message with proof \"" + proof + "\"");
    auto client = start_scram_login();
    ASSERT_TRUE(client);
    auto scram = auth::ScramClientExchange::with_password("", SecureRandom::instance());
    auto server_first = begin_scram(*client, scram);
    ASSERT_TRUE(server_first);
    std::string final_message = "c=biws,r=" + scram_attribute(*server_first, 'r');
    if (!proof.empty()) final_message += "," + proof;
    ASSERT_TRUE(send_sasl_response(*client, final_message));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_EQ(ending.sqlstate, "08P01") << ending.message;
  }
  PgConnection conn(proxy_->conninfo(cluster_->app_user(), "", cluster_->app_database()));
  EXPECT_FALSE(conn.ok());
}

TEST_F(SecurityAuthBypass, AUserAbsentFromThePasswordsFileFailsLikeAWrongPassword) {
  // sec_absent exists on the server with a password, but pgwarden has no secret for it: even
  // its right password cannot be verified, and the answer is worded like a wrong password.
  for (const std::string database : {"via_scram", "via_md5", "via_password"}) {
    SCOPED_TRACE(database);
    std::string absent_message;
    EXPECT_EQ(login("sec_absent", kAbsentPassword, &absent_message, database), "28P01");
    EXPECT_EQ(absent_message, "password authentication failed for user \"sec_absent\"");
    std::string wrong_message;
    EXPECT_EQ(login("sec_plain", "wrong", &wrong_message, database), "28P01");
    EXPECT_EQ(wrong_message, "password authentication failed for user \"sec_plain\"");
  }
  // The mock SCRAM exchange looks like a real one: PostgreSQL's iteration count and a salt
  // that stays the same from one attempt to the next.
  std::vector<std::string> salts;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto client = connect();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->send_startup("sec_absent", "via_scram"));
    auto scram =
        auth::ScramClientExchange::with_password(kAbsentPassword, SecureRandom::instance());
    auto server_first = begin_scram(*client, scram);
    ASSERT_TRUE(server_first);
    EXPECT_EQ(scram_attribute(*server_first, 'i'), "4096");
    salts.push_back(scram_attribute(*server_first, 's'));
  }
  EXPECT_EQ(salts[0], salts[1]);
  EXPECT_EQ(salts[0].size(), 24u);  // 16 bytes in base64, like a real secret's
}

TEST_F(SecurityAuthBypass, AnEmptyUserNameIsRefused) {
  for (const auto& parameters :
       {std::vector<std::pair<std::string, std::string>>{{"user", ""}, {"database", "app"}},
        std::vector<std::pair<std::string, std::string>>{{"database", "app"}}}) {
    auto client = connect();
    ASSERT_TRUE(client);
    protocol::StartupMessage startup;
    startup.parameters = parameters;
    protocol::Bytes bytes;
    protocol::encode(startup, bytes);
    ASSERT_TRUE(client->send(bytes));
    auto ending = read_ending(*client, 5s);
    EXPECT_FALSE(ending.authenticated);
    EXPECT_TRUE(ending.closed);
    EXPECT_FALSE(ending.sqlstate.empty());
    EXPECT_EQ(ending.message, "no PostgreSQL user name specified in startup packet");
  }
}

TEST_F(SecurityAuthBypass, AUserRemovedByAReloadCannotUseItsIdlePooledConnection) {
  ASSERT_EQ(login("sec_plain", kPlainPassword), "");
  ASSERT_TRUE(wait_until([] { return pooled_idle("sec_plain") == 1; }, 10s));
  // The same file without sec_plain.
  auto text = testbed::read_file(proxy_->passwords_path());
  ASSERT_TRUE(text);
  std::string kept;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("\"sec_plain\"")) kept += line + "\n";
  }
  ASSERT_TRUE(testbed::write_file(proxy_->passwords_path(), kept, testbed::Owner{}));
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_for_log("reloaded"));
  EXPECT_EQ(pooled_idle("sec_plain"), 1);
  std::string message;
  EXPECT_EQ(login("sec_plain", kPlainPassword, &message), "28P01") << message;
  EXPECT_EQ(pooled_idle("sec_plain"), 1);
}

// ---- Every client method x server method, with and without an idle pooled connection -------

class SecurityAuthMatrix : public SecurityFixture {
 protected:
  static constexpr std::array kServers = {ServerMethod::kTrust, ServerMethod::kMd5,
                                          ServerMethod::kScram};
  static constexpr std::array kSecrets = {StoredSecret::kPlain, StoredSecret::kMd5,
                                          StoredSecret::kScram};

  static std::string role(ServerMethod server, StoredSecret secret) {
    return "sm_" + hba_method(server).substr(0, 5) + "_" + secret_name(secret);
  }
  static std::string password_of(const std::string& role) { return "Pw-" + role + "-9x"; }

  static void SetUpTestSuite() {
    SecurityFixture::SetUpTestSuite();
    // Per-role rules ahead of the test bed's own, so that each role meets its server method.
    std::string rules;
    for (auto server : kServers) {
      for (auto secret : kSecrets) {
        auto name = role(server, secret);
        create_role(name, password_of(name), server == ServerMethod::kMd5);
        rules += "host all " + name + " 127.0.0.1/32 " + hba_method(server) + "\n";
      }
    }
    ASSERT_NO_FATAL_FAILURE(prepend_server_hba(
        rules, role(ServerMethod::kTrust, StoredSecret::kPlain), protocol::auth_code::kOk));
    // Each role meets its method.
    for (auto server : kServers) {
      int code = server == ServerMethod::kTrust ? protocol::auth_code::kOk
                 : server == ServerMethod::kMd5 ? protocol::auth_code::kMd5Password
                                                : protocol::auth_code::kSasl;
      for (auto secret : kSecrets) {
        EXPECT_EQ(server_asks(role(server, secret)), code) << role(server, secret);
      }
    }
  }

  /// The passwords-file secret of a role: PostgreSQL's own for a SCRAM server (so that the
  /// keys recovered from a client's SCRAM exchange open it), a fresh SCRAM secret otherwise.
  static std::string secret_of(ServerMethod server, StoredSecret secret) {
    auto name = role(server, secret);
    switch (secret) {
      case StoredSecret::kPlain:
        return password_of(name);
      case StoredSecret::kMd5:
        return auth::md5_password_secret(name, password_of(name));
      case StoredSecret::kScram:
        if (server == ServerMethod::kScram) return stored_secret(name);
        return auth::ScramSecret::generate(password_of(name), SecureRandom::instance()).to_string();
    }
    return "";
  }

  void SetUp() override {
    // No server connection of these roles is left from an earlier test's proxy.
    ASSERT_TRUE(wait_until([] { return server_connections("sm\\_%") == 0; }, 10s));
  }
  void TearDown() override {
    SecurityFixture::TearDown();
    proxy_.reset();
    if (!cert_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(cert_dir_, ec);
    }
  }

  static std::vector<std::string> password_lines() {
    std::vector<std::string> lines;
    for (auto server : kServers) {
      for (auto secret : kSecrets) {
        lines.push_back(password_line(role(server, secret), secret_of(server, secret)));
      }
    }
    return lines;
  }

  /// The matrix for one client method: the unix socket always takes cleartext passwords, so
  /// that a pooled connection can be made for every role.
  void run_matrix(ClientMethod client) {
    start_proxy(
        {.hba = "local all all password\nhost all all 127.0.0.1/32 " + hba_method(client) + "\n",
         .extra_password_lines = password_lines()});
    for (auto server : kServers) {
      for (auto secret : kSecrets) {
        auto name = role(server, secret);
        SCOPED_TRACE("client " + hba_method(client) + ", server " + hba_method(server) +
                     ", passwords file holds " + secret_name(secret) + " (" + name + ")");
        check_cell(client, server, secret, name);
      }
    }
  }

  void check_cell(ClientMethod client, ServerMethod server, StoredSecret secret,
                  const std::string& name) {
    const std::string right = password_of(name);
    const std::string wrong = "not-" + right;
    const bool trust = client == ClientMethod::kTrust;
    std::string message;
    // 1. No pooled connection yet.
    ASSERT_EQ(pooled_idle(name), 0);
    if (!trust) {
      EXPECT_EQ(login(name, wrong, &message), "28P01") << "wrong password, no pool: " << message;
    }
    EXPECT_EQ(login(name, right, &message), expected_login(client, server, secret, false))
        << "right password, no pool: " << message;
    // 2. An idle pooled connection for the role (made over the unix socket with the cleartext
    // password when the login above could not make one).
    if (!expected_login(client, server, secret, false).empty()) {
      ASSERT_EQ(login_unix(name, right), "");
    }
    ASSERT_TRUE(wait_until([&] { return pooled_idle(name) == 1; }, 10s));
    if (!trust) {
      EXPECT_EQ(login(name, wrong, &message), "28P01") << "wrong password, pooled: " << message;
      EXPECT_EQ(login(name, "", &message), "28P01") << "empty password, pooled: " << message;
    }
    EXPECT_EQ(login(name, right, &message), expected_login(client, server, secret, true))
        << "right password, pooled: " << message;
  }

  // The cert column: clients over TLS (verify-full against our CA), hostssl ... cert.

  /// The user whose certificate stands for "another user's certificate": one that pgwarden
  /// always logs in (trust on the server), so the certificate is good for somebody.
  static std::string other_user(const std::string& name) {
    auto other = role(ServerMethod::kTrust, StoredSecret::kPlain);
    return name != other ? other : role(ServerMethod::kTrust, StoredSecret::kMd5);
  }

  /// A CA in cert_dir_ with pgwarden's localhost certificate (server_), a client certificate
  /// of that CA for every role (own_) and one of a CA pgwarden does not trust (foreign_).
  void make_certificates() {
    auto dir = testbed::make_temp_dir("pgwarden-sec-tls-", testbed::Owner{});
    ASSERT_TRUE(dir) << dir.error().message;
    cert_dir_ = *dir;
    auto ca = testbed::CertificateAuthority::create();
    ASSERT_TRUE(ca) << ca.error().message;
    auto foreign_ca = testbed::CertificateAuthority::create("somebody else's CA");
    ASSERT_TRUE(foreign_ca) << foreign_ca.error().message;
    const std::string foreign_dir = cert_dir_ + "/foreign";  // its own ca.crt
    auto made = testbed::make_dir(foreign_dir, testbed::Owner{});
    ASSERT_TRUE(made) << made.error().message;
    server_ = issue_tls_files(*ca, testbed::localhost_server_request(), cert_dir_, "server");
    for (auto server : kServers) {
      for (auto secret : kSecrets) {
        auto name = role(server, secret);
        own_[name] = issue_tls_files(*ca, testbed::client_request(name), cert_dir_, name);
        foreign_[name] =
            issue_tls_files(*foreign_ca, testbed::client_request(name), foreign_dir, name);
      }
    }
  }

  /// libpq parameters presenting the certificate in `files`.
  static std::string present(const testbed::TlsFiles& files) {
    return " sslcert=" + files.cert_file + " sslkey=" + files.key_file;
  }

  /// Logs in as `user` over TLS with `certificate` (libpq parameters, "" for none) and the
  /// user's right password, which the cert method must not take instead. "" on success (and the
  /// session runs as `user`), else the SQLSTATE, or "<no SQLSTATE>" when libpq's message
  /// (in `message`) has none, as after a refused TLS handshake.
  std::string cert_login(const std::string& user, const std::string& certificate,
                         std::string* message) {
    const std::string conninfo =
        proxy_->conninfo(user, password_of(user), cluster_->app_database(),
                         "sslmode=verify-full sslrootcert=" + server_.ca_file + certificate);
    message->clear();
    if (PGconn* conn = connect_verbose(conninfo, message)) {
      auto current = to_query_result(PQexec(conn, "SELECT current_user"));
      PQfinish(conn);
      if (!current.ok) return "<SELECT current_user failed: " + current.error + ">";
      return current.value() == user ? "" : "<logged in as " + current.value() + ">";
    }
    std::smatch match;
    static const std::regex kSqlstate("FATAL:  ([0-9A-Z]{5}): ");
    return std::regex_search(*message, match, kSqlstate) ? match[1].str() : "<no SQLSTATE>";
  }

  /// The three certificates that must never log `name` in, each refused as PostgreSQL does.
  void expect_wrong_certificates_refused(const std::string& name, const std::string& when) {
    std::string message;
    EXPECT_EQ(cert_login(name, present(own_[other_user(name)]), &message), "28000")
        << "certificate of " << other_user(name) << ", " << when << ": " << message;
    EXPECT_NE(message.find("certificate authentication failed for user \"" + name + "\""),
              std::string::npos)
        << message;
    EXPECT_EQ(cert_login(name, "", &message), "28000")
        << "no certificate, " << when << ": " << message;
    EXPECT_NE(message.find("connection requires a valid client certificate"), std::string::npos)
        << message;
    // Refused in the handshake: libpq reports the TLS alert.
    EXPECT_EQ(cert_login(name, present(foreign_[name]), &message), "<no SQLSTATE>")
        << "certificate of another CA, " << when << ": " << message;
    EXPECT_NE(message.find("SSL"), std::string::npos) << message;
  }

  /// Like check_cell() for the cert method. A certificate, like trust, gives pgwarden nothing
  /// to log in to the server with: the right certificate logs in exactly when a trusted client
  /// would (expected_login() for trust).
  void check_cert_cell(ServerMethod server, StoredSecret secret, const std::string& name) {
    const auto expected = [&](bool pooled) {
      return expected_login(ClientMethod::kTrust, server, secret, pooled);
    };
    std::string message;
    // 1. No pooled connection yet.
    ASSERT_EQ(pooled_idle(name), 0);
    expect_wrong_certificates_refused(name, "no pool");
    EXPECT_EQ(cert_login(name, present(own_[name]), &message), expected(false))
        << "right certificate, no pool: " << message;
    // 2. An idle pooled connection for the role.
    if (!expected(false).empty()) {
      ASSERT_EQ(login_unix(name, password_of(name)), "");
    }
    ASSERT_TRUE(wait_until([&] { return pooled_idle(name) == 1; }, 10s));
    expect_wrong_certificates_refused(name, "pooled");
    EXPECT_EQ(pooled_idle(name), 1) << "the refused logins took the pooled connection";
    EXPECT_EQ(cert_login(name, present(own_[name]), &message), expected(true))
        << "right certificate, pooled: " << message;
  }

  std::string cert_dir_;
  testbed::TlsFiles server_;
  std::map<std::string, testbed::TlsFiles> own_;
  std::map<std::string, testbed::TlsFiles> foreign_;
};

TEST_F(SecurityAuthMatrix, ClientTrust) {
  run_matrix(ClientMethod::kTrust);
}
TEST_F(SecurityAuthMatrix, ClientPassword) {
  run_matrix(ClientMethod::kPassword);
}
TEST_F(SecurityAuthMatrix, ClientMd5) {
  run_matrix(ClientMethod::kMd5);
}
TEST_F(SecurityAuthMatrix, ClientScram) {
  run_matrix(ClientMethod::kScram);
}
TEST_F(SecurityAuthMatrix, ClientCert) {
  ASSERT_NO_FATAL_FAILURE(make_certificates());
  start_proxy({.hba = "local all all password\nhostssl all all 127.0.0.1/32 cert\n",
               .extra_password_lines = password_lines(),
               .settings = {tls_setting("cert_file", server_.cert_file),
                            tls_setting("key_file", server_.key_file),
                            tls_setting("ca_file", server_.ca_file)}});
  for (auto server : kServers) {
    for (auto secret : kSecrets) {
      auto name = role(server, secret);
      SCOPED_TRACE("client cert, server " + hba_method(server) + ", passwords file holds " +
                   secret_name(secret) + " (" + name + ")");
      check_cert_cell(server, secret, name);
    }
  }
}

// ---- A hostile server ------------------------------------------------------------------------

class SecurityHostileServer : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && proxy_) std::cerr << "--- pgwarden log ---\n" << proxy_->log_text();
  }

  /// A proxy whose only backend is `server`, trusting clients (the passwords file holds the
  /// app user's plain password, so pgwarden logs in with SCRAM).
  void start(FakePostgres& server) {
    ASSERT_NE(server.port(), 0);
    auto make_config = [&server](const std::string& dir, int port, int admin_port) {
      return "workers = 1\n[listen]\naddresses = [\"127.0.0.1\"]\nport = " + std::to_string(port) +
             "\nunix_socket_dir = \"" + dir +
             "\"\n[auth]\nhba_file = \"pg_hba.conf\"\npasswords_file = \"passwords\"\n"
             "[pool]\nserver_login_timeout = \"10s\"\n[log]\nlevel = \"debug\"\n"
             "[monitor]\nuser = \"fake_monitor\"\npassword = \"monitor-Secret-5\"\n"
             "[admin]\nlisten = \"127.0.0.1:" +
             std::to_string(admin_port) +
             "\"\n[[backends]]\nname = \"hostile\"\nhost = \"127.0.0.1\"\nport = " +
             std::to_string(server.port()) + "\n";
    };
    auto started =
        StandaloneProxy::start(pgwarden_binary(), make_config, "host all all 127.0.0.1/32 trust\n",
                               "\"app\" \"app-Secret-6\"\n");
    ASSERT_TRUE(started) << started.error().message;
    proxy_ = std::move(*started);
    ASSERT_TRUE(wait_until([&] { return server.probes_answered() > 0; }, 10s));
  }

  /// Logs in through the proxy; the SQLSTATE and message of the refusal, and how long it took.
  struct Attempt {
    std::string sqlstate;
    std::string message;
    std::chrono::milliseconds elapsed{0};
  };
  Attempt attempt() {
    Attempt a;
    auto started = std::chrono::steady_clock::now();
    auto client = RawClient::connect_tcp(proxy_->port());
    if (!client) return {"<connect failed>", "", {}};
    a.sqlstate = client->login("app", "app", "", &a.message);
    a.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return a;
  }

  /// Several logins at once all get `sqlstate` with `reason` in the message within a second,
  /// the admin API answers meanwhile, and the server never gets a proof.
  void expect_refused_quickly(FakePostgres& server, const std::string& reason) {
    std::vector<std::future<Attempt>> attempts;
    for (int i = 0; i < 4; ++i)
      attempts.push_back(std::async(std::launch::async, [this] { return attempt(); }));
    auto nodes = http_get(proxy_->admin_port(), "/v1/nodes");
    EXPECT_NE(nodes.find("200 OK"), std::string::npos) << nodes;
    for (auto& f : attempts) {
      auto a = f.get();
      EXPECT_EQ(a.sqlstate, "28000") << a.message;
      EXPECT_NE(a.message.find(reason), std::string::npos) << a.message;
      EXPECT_NE(a.message.find("hostile"), std::string::npos) << a.message;
      EXPECT_LT(a.elapsed, 1s) << a.message;
    }
    EXPECT_EQ(server.sasl_initial_responses(), 4);
    EXPECT_EQ(server.client_final_messages(), 0);
    EXPECT_TRUE(proxy_->alive());
    EXPECT_NE(http_get(proxy_->admin_port(), "/v1/version").find("200 OK"), std::string::npos);
  }

  std::unique_ptr<StandaloneProxy> proxy_;
};

TEST_F(SecurityHostileServer, AnIterationCountOf2To31IsRefusedNotComputed) {
  FakePostgres server("fake_monitor", [](const std::string& nonce) {
    return "r=" + nonce + "hostile,s=c2FsdHNhbHRzYWx0c2FsdA==,i=2147483648";
  });
  ASSERT_NO_FATAL_FAILURE(start(server));
  expect_refused_quickly(server, "invalid iteration count \"2147483648\"");
}

TEST_F(SecurityHostileServer, TheLargestStorableIterationCountIsRefusedToo) {
  // 2^31 - 1 fits PostgreSQL's own limit, yet would stall a worker for many minutes.
  FakePostgres server("fake_monitor", [](const std::string& nonce) {
    return "r=" + nonce + "hostile,s=c2FsdHNhbHRzYWx0c2FsdA==,i=2147483647";
  });
  ASSERT_NO_FATAL_FAILURE(start(server));
  expect_refused_quickly(server, "invalid iteration count \"2147483647\"");
  for (const std::string count : {"4294971392", "0", "-1", "99999999999999999999"}) {
    SCOPED_TRACE(count);
    server.set_server_first([count](const std::string& nonce) {
      return "r=" + nonce + "hostile,s=c2FsdHNhbHRzYWx0c2FsdA==,i=" + count;
    });
    auto a = attempt();
    EXPECT_EQ(a.sqlstate, "28000") << a.message;
    EXPECT_NE(a.message.find("invalid iteration count"), std::string::npos) << a.message;
    EXPECT_LT(a.elapsed, 1s);
  }
  EXPECT_EQ(server.client_final_messages(), 0);
  // Control: PostgreSQL's own count is computed and answered, so the fake server does see
  // proofs when a client computes them.
  server.set_server_first([](const std::string& nonce) {
    return "r=" + nonce + "hostile,s=c2FsdHNhbHRzYWx0c2FsdA==,i=4096";
  });
  auto a = attempt();
  EXPECT_FALSE(a.sqlstate.empty());
  EXPECT_TRUE(wait_until([&] { return server.client_final_messages() == 1; }, 5s));
}

TEST_F(SecurityHostileServer, AnOversizedNonceIsRefused) {
  FakePostgres server("fake_monitor", [](const std::string& nonce) {
    return "r=" + nonce + std::string(1000, 'N') + ",s=c2FsdHNhbHRzYWx0c2FsdA==,i=4096";
  });
  ASSERT_NO_FATAL_FAILURE(start(server));
  expect_refused_quickly(server, "server nonce longer than 256");
}

TEST_F(SecurityHostileServer, AnOversizedLoginMessageIsRefused) {
  // Larger than any login message may be (64 kB): refused from its header, before it is read.
  FakePostgres server("fake_monitor", [](const std::string& nonce) {
    return "r=" + nonce + std::string(100'000, 'N') + ",s=c2FsdHNhbHRzYWx0c2FsdA==,i=4096";
  });
  ASSERT_NO_FATAL_FAILURE(start(server));
  auto a = attempt();
  EXPECT_FALSE(a.sqlstate.empty());
  EXPECT_NE(a.message.find("hostile"), std::string::npos) << a.message;
  EXPECT_LT(a.elapsed, 1s) << a.message;
  EXPECT_EQ(server.client_final_messages(), 0);
  std::cerr << "[ message  ] " << a.sqlstate << ": " << a.message << "\n";
}

// ---- Cancel keys and a cancel flood ------------------------------------------------------------

class SecurityCancel : public SecurityFixture {
 protected:
  static void SetUpTestSuite() {
    SecurityFixture::SetUpTestSuite();
    auto init = run_command({pg_bin("pgbench"), "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p",
                             std::to_string(cluster_->primary().port()), "-U", cluster_->app_user(),
                             cluster_->app_database()},
                            {{"PGPASSWORD", cluster_->app_password()}});
    ASSERT_EQ(init.exit_code, 0) << init.output;
  }

  static protocol::Bytes cancel_bytes(std::int32_t pid, std::int32_t key) {
    protocol::Bytes bytes;
    protocol::encode(protocol::CancelRequest{pid, key}, bytes);
    return bytes;
  }
  bool send_cancel(std::int32_t pid, std::int32_t key) {
    auto client = connect();
    return client && client->send(cancel_bytes(pid, key)) && client->wait_closed(5s);
  }
  /// Waits until the server runs a statement containing `text` for the app user.
  bool wait_running(const std::string& text) {
    return wait_until(
        [&] {
          auto n = cluster_->primary().query_value(
              "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE " +
              sql_literal("%" + text + "%") + " AND pid <> pg_backend_pid()");
          return n && *n != "0";
        },
        10s);
  }
};

TEST_F(SecurityCancel, KeysOfAThousandSessionsAreDistinctAndLookRandom) {
  start_proxy();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::future<std::vector<std::pair<std::int32_t, std::int32_t>>>> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [this] {
      std::vector<std::pair<std::int32_t, std::int32_t>> keys;
      for (int i = 0; i < kPerThread; ++i) {
        auto client = connect();
        if (!client || client->login(cluster_->app_user(), cluster_->app_database(),
                                     cluster_->app_password()) != "") {
          continue;
        }
        if (auto key = client->backend_key()) keys.push_back(*key);
      }
      return keys;
    }));
  }
  std::vector<std::pair<std::int32_t, std::int32_t>> keys;
  std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> per_thread;
  for (auto& w : workers) {
    per_thread.push_back(w.get());
    keys.insert(keys.end(), per_thread.back().begin(), per_thread.back().end());
  }
  ASSERT_EQ(keys.size(), std::size_t{kThreads * kPerThread});

  std::set<std::pair<std::int32_t, std::int32_t>> distinct(keys.begin(), keys.end());
  EXPECT_EQ(distinct.size(), keys.size());
  std::set<std::int32_t> pids;
  std::set<std::int32_t> secrets;
  for (auto [pid, secret] : keys) {
    EXPECT_GT(pid, 0);
    pids.insert(pid);
    secrets.insert(secret);
  }
  // 31 and 32 random bits: a repeat among 1000 happens about once in 4000 runs; two never.
  EXPECT_GE(pids.size(), keys.size() - 1);
  EXPECT_GE(secrets.size(), keys.size() - 1);
  // Not sequential: consecutive sessions of one thread are far apart (random 31-bit values
  // come within 1000 of each other about once in a million pairs).
  int close_pairs = 0;
  for (const auto& thread_keys : per_thread) {
    for (std::size_t i = 1; i < thread_keys.size(); ++i) {
      auto d = std::int64_t{thread_keys[i].first} - thread_keys[i - 1].first;
      if (d > -1000 && d < 1000) ++close_pairs;
      auto s = std::int64_t{thread_keys[i].second} - thread_keys[i - 1].second;
      if (s > -1000 && s < 1000) ++close_pairs;
    }
  }
  EXPECT_LE(close_pairs, 1);
  // Every bit is set in about half of the keys (1000 draws: 500 +- 16; 400..600 is 6 sigma).
  for (int bit = 0; bit < 32; ++bit) {
    int pid_ones = 0;
    int secret_ones = 0;
    for (auto [pid, secret] : keys) {
      pid_ones += (static_cast<std::uint32_t>(pid) >> bit) & 1;
      secret_ones += (static_cast<std::uint32_t>(secret) >> bit) & 1;
    }
    if (bit < 31) {
      EXPECT_TRUE(pid_ones > 400 && pid_ones < 600) << "pid bit " << bit << ": " << pid_ones;
    }
    EXPECT_TRUE(secret_ones > 400 && secret_ones < 600)
        << "secret bit " << bit << ": " << secret_ones;
  }
}

TEST_F(SecurityCancel, AKeyOfAnEndedSessionCancelsNothingOnItsReusedServerConnection) {
  start_proxy({.settings = {{"pool", "pool_size = 1"}}});
  std::pair<std::int32_t, std::int32_t> old_key;
  {
    auto client = connect();
    ASSERT_TRUE(client);
    ASSERT_EQ(
        client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
        "");
    ASSERT_TRUE(client->backend_key());
    old_key = *client->backend_key();
  }
  ASSERT_TRUE(wait_until([&] { return pooled_idle(cluster_->app_user()) == 1; }, 10s));
  auto pooled_pid = cluster_->primary().query_value(
      "SELECT pid FROM pg_stat_activity WHERE usename = " + sql_literal(cluster_->app_user()) +
      " AND query = 'DISCARD ALL'");
  ASSERT_TRUE(pooled_pid);
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  ASSERT_EQ(conn.exec("SELECT pg_backend_pid()").value(), *pooled_pid) << "not the same server";
  auto sleeping = std::async(std::launch::async,
                             [&conn] { return conn.exec("SELECT pg_sleep(1.5), 'stale key'"); });
  ASSERT_TRUE(wait_running("stale key"));
  EXPECT_TRUE(send_cancel(old_key.first, old_key.second));
  auto result = sleeping.get();
  EXPECT_TRUE(result.ok) << result.sqlstate << " " << result.error;
}

TEST_F(SecurityCancel, AFloodOfCancelRequestsIsRateLimitedAndHarmsNoSession) {
  start_proxy({.settings = {{"pool", "pool_size = 8"}}});
  std::vector<std::string> argv = {pg_bin("pgbench"),
                                   "-n",
                                   "-S",
                                   "-c",
                                   "4",
                                   "-T",
                                   "6",
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(proxy_->port()),
                                   "-U",
                                   cluster_->app_user(),
                                   cluster_->app_database()};
  auto bench =
      std::async(std::launch::async, [argv, env = client_env()] { return run_command(argv, env); });
  ASSERT_TRUE(wait_until([] { return server_connections(cluster_->app_user()) >= 4; }, 10s));

  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::atomic<int> closed{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> flood;
  for (int t = 0; t < kThreads; ++t) {
    flood.emplace_back([this, t, &closed] {
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1u);
      for (int i = 0; i < kPerThread; ++i) {
        auto pid = static_cast<std::int32_t>(rng() & 0x7fffffffu);
        auto key = static_cast<std::int32_t>(rng());
        if (send_cancel(pid, key)) ++closed;
      }
    });
  }
  for (auto& t : flood)
    t.join();
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  std::cerr << "[ flood    ] " << kThreads * kPerThread << " cancel requests in " << elapsed.count()
            << " s\n";
  EXPECT_EQ(closed.load(), kThreads * kPerThread);

  auto out = bench.get();
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("number of failed transactions: 0 "), std::string::npos) << out.output;
  EXPECT_TRUE(wait_for_log("cancel requests arrive faster than max_cancel_rate (1000 per second)"))
      << proxy_->log_text();

  // A legitimate cancel afterwards still works.
  PgConnection conn(app_conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error();
  auto sleeping = std::async(std::launch::async,
                             [&conn] { return conn.exec("SELECT pg_sleep(30), 'after flood'"); });
  ASSERT_TRUE(wait_running("after flood"));
  auto cancel_started = std::chrono::steady_clock::now();
  PGcancel* cancel = PQgetCancel(conn.raw());
  char error[256];
  ASSERT_EQ(PQcancel(cancel, error, sizeof error), 1) << error;
  PQfreeCancel(cancel);
  ASSERT_EQ(sleeping.wait_for(5s), std::future_status::ready);
  auto result = sleeping.get();
  EXPECT_EQ(result.sqlstate, "57014") << result.error;
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_started, 5s);
}

// ---- No secret in logs, SHOW output or the admin API -------------------------------------------

class SecuritySecrets : public SecurityFixture {
 protected:
  static void SetUpTestSuite() {
    SecurityFixture::SetUpTestSuite();
    create_role("sec_md5", kMd5Password, true);
    create_role("sec_plain", kPlainPassword);
    create_role("sec_trusted", kTrustedPassword);
    create_role("sec_mismatch", kMismatchServerPassword);
    // sec_md5 logs in to the server with md5 (pgwarden holds only its md5 hash).
    ASSERT_NO_FATAL_FAILURE(prepend_server_hba("host all sec_md5 127.0.0.1/32 md5\n", "sec_md5",
                                               protocol::auth_code::kMd5Password));
  }
  static constexpr const char* kMd5Password = "md5-Secret-51";
  static constexpr const char* kPlainPassword = "plain-Secret-52";
  static constexpr const char* kTrustedPassword = "trusted-Secret-53";
  static constexpr const char* kMismatchServerPassword = "mismatch-Server-54";
  static constexpr const char* kMismatchLocalPassword = "mismatch-Local-55";
  static constexpr const char* kMalformedLineSecret = "malformed-Secret-56";
  static constexpr const char* kWrongPassword = "wrong-Secret-57";
};

TEST_F(SecuritySecrets, NoSecretInTheLogShowPoolNodesOrTheAdminApi) {
  const std::string md5_hash = auth::md5_password_secret("sec_md5", kMd5Password);
  const std::vector<std::string> good_lines = {
      password_line("sec_md5", md5_hash), password_line("sec_plain", kPlainPassword),
      password_line("sec_trusted", kTrustedPassword),
      password_line("sec_mismatch", kMismatchLocalPassword)};
  start_proxy({.hba = "local all all password\n"
                      "host all sec_md5 127.0.0.1/32 md5\n"
                      "host all sec_plain 127.0.0.1/32 md5\n"
                      "host all sec_trusted 127.0.0.1/32 trust\n"
                      "host all sec_mismatch 127.0.0.1/32 password\n"
                      "host all all 127.0.0.1/32 scram-sha-256\n",
               .extra_password_lines = good_lines,
               .log_level = "debug"});
  const auto& app = cluster_->app_user();
  // Sessions with every method, right and wrong.
  EXPECT_EQ(login(app, cluster_->app_password()), "");
  EXPECT_EQ(login(app, kWrongPassword), "28P01");
  EXPECT_EQ(login("sec_md5", kMd5Password), "");
  EXPECT_EQ(login("sec_md5", kWrongPassword), "28P01");
  EXPECT_EQ(login("sec_plain", kPlainPassword), "");
  EXPECT_EQ(login("sec_plain", kWrongPassword), "28P01");
  EXPECT_EQ(login("sec_trusted", ""), "");
  EXPECT_EQ(login("nobody_at_all", kWrongPassword), "28P01");
  EXPECT_EQ(login_unix("sec_plain", kPlainPassword), "");
  EXPECT_EQ(login_unix("sec_plain", kWrongPassword), "28P01");
  // pgwarden accepts the local password, the server refuses it: the server's words are relayed.
  EXPECT_EQ(login("sec_mismatch", kMismatchLocalPassword), "28P01");
  {
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok()) << conn.error();
    EXPECT_TRUE(conn.exec("SELECT 1").ok);
  }
  // A reload, a failed reload (a malformed line that carries a secret), and a reload back.
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_for_log("reloaded"));
  auto original = testbed::read_file(proxy_->passwords_path());
  ASSERT_TRUE(original);
  ASSERT_TRUE(testbed::write_file(
      proxy_->passwords_path(),
      *original + "\"sec_broken\" \"" + std::string(kMalformedLineSecret) + "\" trailing\n",
      testbed::Owner{}));
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_for_log("reload failed"));
  ASSERT_TRUE(testbed::write_file(proxy_->passwords_path(), *original, testbed::Owner{}));
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_until(
      [&] {
        auto log = proxy_->log_text();
        return log.rfind("reloaded") != std::string::npos &&
               log.rfind("reloaded") > log.rfind("reload failed");
      },
      10s));
  EXPECT_EQ(login("sec_md5", kMd5Password), "");

  std::string show;
  {
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok()) << conn.error();
    auto result = conn.exec("SHOW POOL_NODES");
    ASSERT_TRUE(result.ok) << result.error;
    for (const auto& row : result.rows) {
      for (const auto& value : row)
        show += value.value_or("") + "|";
    }
  }
  std::string api =
      http_get(proxy_->admin_port(), "/v1/nodes") + http_get(proxy_->admin_port(), "/v1/version");
  ASSERT_NE(api.find("200 OK"), std::string::npos) << api;
  std::string log = proxy_->log_text();
  // The log is the one we think: it has the failures and the debug level.
  ASSERT_NE(log.find("password authentication failed for user \"sec_md5\""), std::string::npos);

  std::vector<std::string> secrets = {cluster_->app_password(),
                                      cluster_->monitor_password(),
                                      kMd5Password,
                                      md5_hash,
                                      md5_hash.substr(3),
                                      kPlainPassword,
                                      kTrustedPassword,
                                      kMismatchServerPassword,
                                      kMismatchLocalPassword,
                                      kMalformedLineSecret,
                                      kWrongPassword};
  // The StoredKey and ServerKey of the app user's SCRAM secret ("...$salt$StoredKey:ServerKey").
  std::string scram = stored_secret(app);
  auto keys = scram.substr(scram.rfind('$') + 1);
  secrets.push_back(keys.substr(0, keys.find(':')));
  secrets.push_back(keys.substr(keys.find(':') + 1));
  for (const auto& secret : secrets) {
    ASSERT_GE(secret.size(), 8u);
    EXPECT_EQ(log.find(secret), std::string::npos) << "in the log: " << secret;
    EXPECT_EQ(show.find(secret), std::string::npos) << "in SHOW POOL_NODES: " << secret;
    EXPECT_EQ(api.find(secret), std::string::npos) << "in the admin API: " << secret;
  }
}

// ---- The passwords file's permissions
// -------------------------------------------------------------

class SecurityPasswordsFile : public SecurityFixture {
 protected:
  static void SetUpTestSuite() {
    SecurityFixture::SetUpTestSuite();
    create_role("sec_first", "first-Secret-61");
    create_role("sec_second", "second-Secret-62");
  }
};

TEST_F(SecurityPasswordsFile, AFileOthersMayReadIsRefusedAtStart) {
  start_proxy();
  ASSERT_TRUE(proxy_->signal(SIGINT));
  ASSERT_TRUE(proxy_->wait_exit(10s));
  const std::string path = proxy_->passwords_path();
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto started = std::chrono::steady_clock::now();
    auto out = run_command({pgwarden_binary(), "run", "-c", proxy_->config_path()}, {}, 15s);
    EXPECT_NE(out.exit_code, 0) << out.output;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "it started";
    EXPECT_NE(out.output.find(path), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("chmod 600 " + path), std::string::npos) << out.output;
  }
}

TEST_F(SecurityPasswordsFile, AReloadOfAFileOthersMayReadKeepsThePreviousOne) {
  start_proxy({.hba = "host all all 127.0.0.1/32 password\n",
               .extra_password_lines = {password_line("sec_first", "first-Secret-61")}});
  EXPECT_EQ(login("sec_first", "first-Secret-61"), "");
  EXPECT_EQ(login("sec_second", "second-Secret-62"), "28P01");
  const std::string path = proxy_->passwords_path();
  auto original = testbed::read_file(path);
  ASSERT_TRUE(original);
  std::string replaced = original->substr(0, original->find("\"sec_first\"")) +
                         password_line("sec_second", "second-Secret-62") + "\n";
  ASSERT_TRUE(testbed::write_file(path, replaced, testbed::Owner{}));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_for_log("reload failed"));
  auto log = proxy_->log_text();
  EXPECT_NE(log.find("keeping the previous"), std::string::npos) << log;
  EXPECT_NE(log.find("chmod 600 " + path), std::string::npos) << log;
  // The previous file is still in force.
  EXPECT_EQ(login("sec_first", "first-Secret-61"), "");
  EXPECT_EQ(login("sec_second", "second-Secret-62"), "28P01");
  // Fixed: the next reload takes the new file.
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_for_log("reloaded"));
  EXPECT_EQ(login("sec_second", "second-Secret-62"), "");
  EXPECT_EQ(login("sec_first", "first-Secret-61"), "28P01");
}

}  // namespace
}  // namespace pgw::testing
