// TLS, both ways. Clients to pgwarden: [tls] with libpq's sslmodes, protocol versions and
// ciphers, hostssl/hostnossl, the cert method (with map=), clientcert=, SCRAM-SHA-256-PLUS,
// certificates reloaded on SIGHUP, a key others may read, the sandbox. pgwarden to its servers:
// [[backends]] tls = disable..verify-full against PostgreSQL with ssl on or off, and a fake
// server that answers the SSLRequest with more than 'S' or with an ErrorResponse.
//
// Certificates come from testbed/certificates.hpp (EC P-256, so TLS 1.2 suites are ECDSA).
// libpq keeps the SQLSTATE of a failed login to itself except in verbose error messages, so
// failed logins go through connect_error(), whose text is "FATAL:  28000: ...".

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/byte_view.hpp"
#include "common/process.hpp"
#include "protocol/backend.hpp"
#include "protocol/error_fields.hpp"
#include "protocol/frontend.hpp"
#include "proxy_fixture.hpp"
#include "raw_client.hpp"
#include "testbed/certificates.hpp"
#include "testbed/config_text.hpp"
#include "testbed/files.hpp"
#include "testbed/port_allocator.hpp"
#include "tls_support.hpp"

namespace pgw::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testbed::CertificateAuthority;
using testbed::TlsFiles;

// ---------------------------------------------------------------------------------------------
// Helpers

std::string ssl_attribute(PgConnection& conn, const char* name) {
  const char* value = PQsslAttribute(conn.raw(), name);
  return value != nullptr ? value : "<none>";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// pgwarden started from a configuration the test writes, for what ProxySettings cannot say
/// (keys inside [[backends]], a fake backend): proxy_config_text() for the cluster with its
/// [[backends]] tables replaced by `backends`. Clients log in with scram-sha-256 as the app
/// user (PostgreSQL's own secret in the passwords file).
class ConfiguredProxy {
 public:
  static Result<std::unique_ptr<ConfiguredProxy>> start(
      testbed::LocalCluster& cluster, const std::string& backends,
      std::vector<std::pair<std::string, std::string>> settings = {}) {
    std::unique_ptr<ConfiguredProxy> proxy(new ConfiguredProxy());
    auto dir = testbed::make_temp_dir("pgwarden-proxy-", testbed::Owner{});
    if (!dir) return unexpected(dir.error());
    proxy->dir_ = *dir;
    auto port = testbed::PortAllocator::instance().allocate();
    if (!port) return unexpected(port.error());
    proxy->port_ = *port;
    testbed::ProxySettings proxy_settings;
    proxy_settings.settings = std::move(settings);
    proxy_settings.admin_api = false;
    std::string text =
        testbed::proxy_config_text(cluster, proxy_settings, proxy->dir_, proxy->port_, 0);
    text = text.substr(0, text.find("\n[[backends]]")) + "\n" + backends;
    auto secret =
        cluster.primary().query_value("SELECT rolpassword FROM pg_authid WHERE rolname = " +
                                      testbed::sql_literal(cluster.app_user()));
    if (!secret) return unexpected(secret.error());
    const testbed::Owner self{};
    auto written = testbed::write_file(proxy->config_path(), text, self);
    if (written) {
      written = testbed::write_file(proxy->dir_ + "/pg_hba.conf",
                                    "host all all 127.0.0.1/32 scram-sha-256\n", self);
    }
    if (written) {
      written = testbed::write_file(proxy->dir_ + "/passwords",
                                    "\"" + cluster.app_user() + "\" \"" + *secret + "\"\n", self);
    }
    if (!written) return unexpected(written.error());
    auto pid = spawn_background({.argv = {pgwarden_binary(), "run", "-c", proxy->config_path()}},
                                {.log_file = proxy->log_path()});
    if (!pid) return unexpected(pid.error());
    proxy->pid_ = *pid;
    int listening = proxy->port_;
    pid_t child = proxy->pid_;
    bool up =
        wait_until([&] { return accepts_connections(listening) || !process_alive(child); }, 20s);
    if (!up || !process_alive(child)) {
      return fail("pgwarden did not start:\n" + proxy->log_text());
    }
    return proxy;
  }

  ~ConfiguredProxy() {
    if (pid_ > 0 && process_alive(pid_)) {
      send_signal(pid_, SIGINT);
      if (!wait_for_exit(pid_, 5s)) {
        send_signal(pid_, SIGKILL);
        wait_for_exit(pid_, 5s);
      }
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  std::string config_path() const { return dir_ + "/pgwarden.toml"; }
  std::string log_path() const { return dir_ + "/pgwarden.log"; }
  std::string log_text() const {
    auto text = testbed::read_file(log_path());
    return text ? *text : std::string();
  }
  std::string conninfo(const testbed::LocalCluster& cluster, const std::string& database = "") {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + cluster.app_user() +
           " password=" + cluster.app_password() +
           " dbname=" + (database.empty() ? cluster.app_database() : database) +
           " connect_timeout=10";
  }

 private:
  ConfiguredProxy() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

/// One [[backends]] table on loopback with extra `lines` ("tls = \"require\"\n").
std::string backend_table(const std::string& name, int port, const std::string& lines) {
  return "[[backends]]\nname = \"" + name +
         "\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) + "\n" + lines;
}

// ---------------------------------------------------------------------------------------------
// Client TLS

/// A CA and a localhost server certificate signed by it, in a temporary directory; client
/// certificates on demand. pgwarden and libpq run as this process's user, which owns the files.
class ClientTls : public ProxyFixture {
 protected:
  void SetUp() override {
    auto dir = testbed::make_temp_dir("pgwarden-tls-", testbed::Owner{});
    ASSERT_TRUE(dir) << dir.error().message;
    dir_ = *dir;
    auto ca = CertificateAuthority::create();
    ASSERT_TRUE(ca) << ca.error().message;
    ca_ = std::make_unique<CertificateAuthority>(std::move(*ca));
    server_ = issue_tls_files(*ca_, testbed::localhost_server_request(), dir_, "server");
  }

  void TearDown() override {
    ProxyFixture::TearDown();
    proxy_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// libpq parameters presenting a client certificate of `ca` (ours by default) with CN=name.
  std::string client_cert(const std::string& name, const CertificateAuthority* ca = nullptr) {
    std::string file = "client-" + name + (ca != nullptr ? "-foreign" : "");
    std::string dir = dir_ + "/" + file;
    auto made = testbed::make_dir(dir, testbed::Owner{});
    EXPECT_TRUE(made) << made.error().message;
    auto files =
        issue_tls_files(ca != nullptr ? *ca : *ca_, testbed::client_request(name), dir, "client");
    return " sslcert=" + files.cert_file + " sslkey=" + files.key_file;
  }

  /// pgwarden with client TLS from server_ (and client certificates verified against our CA
  /// when `verify_clients`), `hba` (empty: scram-sha-256 from loopback) and more settings.
  void start_tls_proxy(const std::string& hba = "",
                       std::vector<std::pair<std::string, std::string>> more = {},
                       bool verify_clients = false) {
    testbed::ProxySettings settings;
    settings.hba = hba;
    settings.settings = {tls_setting("cert_file", server_.cert_file),
                         tls_setting("key_file", server_.key_file)};
    if (verify_clients) settings.settings.push_back(tls_setting("ca_file", server_.ca_file));
    for (auto& line : more)
      settings.settings.push_back(std::move(line));
    start_proxy(std::move(settings));
  }

  /// The cert method proves nothing pgwarden could reuse with the server (as with trust), so
  /// pgwarden needs the app user's password in plain text: the passwords file is rewritten
  /// with it and reloaded (SIGHUP).
  void use_plain_app_password() {
    auto reloads = [this] {
      auto log = proxy_->log_text();
      std::size_t count = 0;
      for (auto at = log.find("reloaded "); at != std::string::npos;
           at = log.find("reloaded ", at + 1)) {
        ++count;
      }
      return count;
    };
    auto before = reloads();
    ASSERT_TRUE(testbed::write_file(
        proxy_->passwords_path(),
        "\"" + cluster_->app_user() + "\" \"" + cluster_->app_password() + "\"\n",
        testbed::Owner{}));
    ASSERT_TRUE(proxy_->signal(SIGHUP));
    ASSERT_TRUE(wait_until([&] { return reloads() > before; }, 10s)) << proxy_->log_text();
  }

  /// pgwarden outlived the refusals: its process runs and accepts connections.
  void expect_still_running() {
    EXPECT_TRUE(proxy_->alive()) << "pgwarden exited";
    EXPECT_NE(RawClient::connect_tcp(proxy_->port()), nullptr);
  }

  std::string verify_full(const std::string& ca_file, const std::string& host = "localhost") {
    return "sslmode=verify-full sslrootcert=" + ca_file + " host=" + host;
  }

  std::string dir_;
  std::unique_ptr<CertificateAuthority> ca_;
  TlsFiles server_;
};

TEST_F(ClientTls, RequireVerifyCaAndVerifyFullConnectOverTls) {
  start_tls_proxy();
  for (const std::string& extra :
       {std::string("sslmode=require"), "sslmode=verify-ca sslrootcert=" + server_.ca_file,
        verify_full(server_.ca_file, "localhost"), verify_full(server_.ca_file, "127.0.0.1")}) {
    PgConnection conn(app_conninfo(extra));
    ASSERT_TRUE(conn.ok()) << extra << ": " << conn.error();
    EXPECT_EQ(PQsslInUse(conn.raw()), 1) << extra;
    EXPECT_EQ(ssl_attribute(conn, "protocol"), "TLSv1.3") << extra;
    EXPECT_EQ(conn.exec("SELECT 41 + 1").value(), "42") << extra;
  }
  // The same listener still serves clients that do not ask for TLS.
  PgConnection plain(app_conninfo("sslmode=disable"));
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_EQ(PQsslInUse(plain.raw()), 0);
}

TEST_F(ClientTls, VerifyFullRefusesACertificateForAnotherName) {
  server_ =
      issue_tls_files(*ca_, {"db.example.com", {"db.example.com"}, {}, true}, dir_, "other-name");
  start_tls_proxy();
  // Same CA: the chain is fine, only the name is wrong.
  PgConnection chain_only(app_conninfo("sslmode=verify-ca sslrootcert=" + server_.ca_file));
  ASSERT_TRUE(chain_only.ok()) << chain_only.error();
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto error = connect_error(app_conninfo(verify_full(server_.ca_file, host)));
    EXPECT_TRUE(contains(error, "server certificate for \"db.example.com\"")) << error;
    EXPECT_TRUE(contains(error, "does not match host name \"" + std::string(host) + "\"")) << error;
  }
  expect_still_running();
}

TEST_F(ClientTls, ClientLimitedToTls11IsRefused) {
  start_tls_proxy();
  // OpenSSL 3 allows TLS 1.1 only at security level 0, so the client gets a configuration
  // that permits it; then its ClientHello reaches pgwarden, whose minimum is TLS 1.2. psql in
  // a child process, since a process reads its OpenSSL configuration once.
  std::string openssl_conf = dir_ + "/openssl-tls11.cnf";
  ASSERT_TRUE(testbed::write_file(openssl_conf,
                                  "openssl_conf = openssl_init\n[openssl_init]\n"
                                  "ssl_conf = ssl_sect\n[ssl_sect]\n"
                                  "system_default = system_default_sect\n"
                                  "[system_default_sect]\nMinProtocol = TLSv1\n"
                                  "CipherString = DEFAULT:@SECLEVEL=0\n",
                                  testbed::Owner{}));
  std::vector<std::pair<std::string, std::string>> env = {{"PGPASSWORD", cluster_->app_password()},
                                                          {"OPENSSL_CONF", openssl_conf}};
  auto psql = [&](const std::string& max_version) {
    return run_command({pg_bin("psql"), "-X", "-At", "-c", "SELECT 'connected'",
                        "host=127.0.0.1 port=" + std::to_string(proxy_->port()) +
                            " user=app dbname=app sslmode=require "
                            "ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=" +
                            max_version},
                       env, 30s);
  };
  auto old_client = psql("TLSv1.1");
  EXPECT_NE(old_client.exit_code, 0) << old_client.output;
  EXPECT_TRUE(contains(old_client.output, "protocol version")) << old_client.output;
  EXPECT_TRUE(wait_until(
      [&] {
        return contains(proxy_->log_text(), "TLS handshake failed") &&
               contains(proxy_->log_text(), "unsupported protocol");
      },
      5s))
      << proxy_->log_text();
  // The same client configuration with TLS 1.2 allowed gets in: the version made the difference.
  auto tls12_client = psql("TLSv1.2");
  EXPECT_EQ(tls12_client.exit_code, 0) << tls12_client.output;
  EXPECT_TRUE(contains(tls12_client.output, "connected")) << tls12_client.output;
}

TEST_F(ClientTls, HostsslAcceptsTlsAndRefusesPlainConnections) {
  start_tls_proxy("hostssl all all 127.0.0.1/32 scram-sha-256\n");
  PgConnection tls(app_conninfo("sslmode=require"));
  ASSERT_TRUE(tls.ok()) << tls.error();
  EXPECT_EQ(PQsslInUse(tls.raw()), 1);

  auto raw = RawClient::connect_tcp(proxy_->port());
  ASSERT_NE(raw, nullptr);
  std::string message;
  EXPECT_EQ(raw->login("app", "app", cluster_->app_password(), &message), "28000");
  EXPECT_EQ(message,
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"app\", no "
            "encryption");
  auto error = connect_error(app_conninfo("sslmode=disable"));
  EXPECT_TRUE(contains(error,
                       "FATAL:  28000: no pg_hba.conf entry for host \"127.0.0.1\", user "
                       "\"app\", database \"app\", no encryption"))
      << error;
}

TEST_F(ClientTls, HostnosslAcceptsPlainAndRefusesTlsConnections) {
  start_tls_proxy("hostnossl all all 127.0.0.1/32 scram-sha-256\n");
  auto raw = RawClient::connect_tcp(proxy_->port());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->login("app", "app", cluster_->app_password()), "");
  PgConnection plain(app_conninfo("sslmode=disable"));
  ASSERT_TRUE(plain.ok()) << plain.error();

  // sslmode=require: libpq does not fall back to plain text as prefer would.
  auto error = connect_error(app_conninfo("sslmode=require"));
  EXPECT_TRUE(contains(error,
                       "FATAL:  28000: no pg_hba.conf entry for host \"127.0.0.1\", user "
                       "\"app\", database \"app\", SSL encryption"))
      << error;
}

TEST_F(ClientTls, ConfiguredMinimumProtocolAndCiphersAreHonoured) {
  const std::string tls12_client = "sslmode=require ssl_max_protocol_version=TLSv1.2";
  const std::string wanted = "ECDHE-ECDSA-AES128-GCM-SHA256";
  start_tls_proxy();
  std::string default_cipher;
  {
    PgConnection conn(app_conninfo(tls12_client));
    ASSERT_TRUE(conn.ok()) << conn.error();
    EXPECT_EQ(ssl_attribute(conn, "protocol"), "TLSv1.2");
    default_cipher = ssl_attribute(conn, "cipher");
  }
  ASSERT_NE(default_cipher, wanted) << "pick a cipher that differs from the default";

  proxy_.reset();
  start_tls_proxy("", {tls_setting("min_protocol", "TLSv1.2"), tls_setting("ciphers", wanted)});
  PgConnection conn(app_conninfo(tls12_client));
  ASSERT_TRUE(conn.ok()) << conn.error();
  EXPECT_EQ(ssl_attribute(conn, "protocol"), "TLSv1.2");
  EXPECT_EQ(ssl_attribute(conn, "cipher"), wanted) << "default was " << default_cipher;
  std::cout << "TLS 1.2 cipher: default " << default_cipher << ", configured "
            << ssl_attribute(conn, "cipher") << "\n";

  // min_protocol = TLSv1.3 turns TLS 1.2 clients away.
  proxy_.reset();
  start_tls_proxy("", {tls_setting("min_protocol", "TLSv1.3")});
  auto error = connect_error(app_conninfo(tls12_client));
  EXPECT_TRUE(contains(error, "protocol version")) << error;
  PgConnection tls13(app_conninfo("sslmode=require"));
  ASSERT_TRUE(tls13.ok()) << tls13.error();
  EXPECT_EQ(ssl_attribute(tls13, "protocol"), "TLSv1.3");
}

TEST_F(ClientTls, CertMethodLogsInTheUserTheCertificateNames) {
  start_tls_proxy("hostssl all all 127.0.0.1/32 cert\n", {}, true);
  use_plain_app_password();
  const std::string base = verify_full(server_.ca_file) + " password=unused";
  {
    PgConnection conn(app_conninfo(base + client_cert("app")));
    ASSERT_TRUE(conn.ok()) << conn.error();
    EXPECT_EQ(conn.exec("SELECT current_user").value(), "app");
  }
  auto other = connect_error(app_conninfo(base + client_cert("other")));
  EXPECT_TRUE(contains(other, "FATAL:  28000: certificate authentication failed for user \"app\""))
      << other;
  auto none = connect_error(app_conninfo(base));
  EXPECT_TRUE(contains(none, "FATAL:  28000: connection requires a valid client certificate"))
      << none;
  // A certificate naming the right user from a CA pgwarden does not trust never gets that far.
  auto foreign_ca = CertificateAuthority::create("somebody else's CA");
  ASSERT_TRUE(foreign_ca);
  auto foreign = connect_error(app_conninfo(base + client_cert("app", &*foreign_ca)));
  EXPECT_FALSE(foreign.empty());
  EXPECT_TRUE(contains(foreign, "SSL")) << foreign;
  EXPECT_TRUE(wait_until(
      [&] { return contains(proxy_->log_text(), "certificate common name \"other\""); }, 5s))
      << proxy_->log_text();
  expect_still_running();
}

TEST_F(ClientTls, CertMethodWithAMapLetsAnotherNameLogIn) {
  std::string ident = dir_ + "/pg_ident.conf";
  ASSERT_TRUE(testbed::write_file(ident,
                                  "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n"
                                  "certmap    other            app\n",
                                  testbed::Owner{}));
  start_tls_proxy("hostssl all all 127.0.0.1/32 cert map=certmap\n",
                  {{"auth", "ident_file = \"" + ident + "\""}}, true);
  use_plain_app_password();
  const std::string base = verify_full(server_.ca_file);
  {
    PgConnection conn(app_conninfo(base + client_cert("other")));
    ASSERT_TRUE(conn.ok()) << conn.error();
    EXPECT_EQ(conn.exec("SELECT current_user").value(), "app");
  }
  // With a map, only the map decides (as in PostgreSQL): CN=app is not listed.
  for (const char* name : {"app", "third"}) {
    auto error = connect_error(app_conninfo(base + client_cert(name)));
    EXPECT_TRUE(contains(error,
                         "FATAL:  28000: certificate authentication failed for user "
                         "\"app\""))
        << name << ": " << error;
  }
  expect_still_running();
}

TEST_F(ClientTls, ClientcertOnAScramRule) {
  start_tls_proxy("hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-full\n", {}, true);
  const std::string base = verify_full(server_.ca_file);
  {
    PgConnection conn(app_conninfo(base + client_cert("app")));
    ASSERT_TRUE(conn.ok()) << conn.error();
    EXPECT_EQ(conn.exec("SELECT current_user").value(), "app");
  }
  auto other = connect_error(app_conninfo(base + client_cert("other")));
  EXPECT_TRUE(contains(other, "FATAL:  28000: certificate authentication failed for user \"app\""))
      << other;
  auto none = connect_error(app_conninfo(base));
  EXPECT_TRUE(contains(none, "FATAL:  28000: connection requires a valid client certificate"))
      << none;
  // The certificate does not replace the password.
  auto wrong_password =
      connect_error(app_conninfo(base + client_cert("app") + " password=wrong-password"));
  EXPECT_TRUE(
      contains(wrong_password, "FATAL:  28P01: password authentication failed for user \"app\""))
      << wrong_password;
  expect_still_running();

  // verify-ca: any certificate of the CA will do, whatever its name.
  proxy_.reset();
  start_tls_proxy("hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca\n", {}, true);
  PgConnection conn(app_conninfo(base + client_cert("other")));
  ASSERT_TRUE(conn.ok()) << conn.error();
  auto still_none = connect_error(app_conninfo(base));
  EXPECT_TRUE(contains(still_none, "connection requires a valid client certificate")) << still_none;
}

TEST_F(ClientTls, ClientsLeavingRightAfterARefusalOverTlsDoNotStopPgwarden) {
  // A refused TLS client reads pgwarden's FATAL and hangs up at once, while pgwarden still
  // writes its TLS close_notify: that write must fail quietly (EPIPE), not end the process.
  start_tls_proxy("hostssl all all 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 scram-sha-256\n");
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto error = connect_error(app_conninfo("sslmode=require"));
    ASSERT_TRUE(contains(error,
                         "FATAL:  28000: pg_hba.conf rejects connection for host "
                         "\"127.0.0.1\", user \"app\", database \"app\", SSL encryption"))
        << "attempt " << attempt << ": " << error;
  }
  expect_still_running();
  PgConnection plain(app_conninfo("sslmode=disable"));
  EXPECT_TRUE(plain.ok()) << plain.error();
}

TEST_F(ClientTls, SighupSwitchesNewSessionsToTheNewCertificate) {
  start_tls_proxy();
  const std::string old_ca = dir_ + "/old-ca.crt";
  fs::copy_file(server_.ca_file, old_ca);
  PgConnection before(app_conninfo(verify_full(old_ca)));
  ASSERT_TRUE(before.ok()) << before.error();

  // A new CA and a new pair, written over the configured files.
  auto new_ca = CertificateAuthority::create("the new CA");
  ASSERT_TRUE(new_ca) << new_ca.error().message;
  auto renewed = new_ca->issue(testbed::localhost_server_request());
  ASSERT_TRUE(renewed) << renewed.error().message;
  const testbed::Owner self{};
  ASSERT_TRUE(testbed::write_file(server_.cert_file, renewed->certificate_pem, self));
  ASSERT_TRUE(testbed::write_file(server_.key_file, renewed->key_pem, self));
  const std::string new_ca_file = dir_ + "/new-ca.crt";
  ASSERT_TRUE(testbed::write_file(new_ca_file, new_ca->certificate_pem(), self));
  ASSERT_TRUE(proxy_->signal(SIGHUP));
  ASSERT_TRUE(wait_until([&] { return contains(proxy_->log_text(), "the TLS certificate"); }, 10s))
      << proxy_->log_text();

  // The session opened before keeps its TLS connection.
  EXPECT_EQ(before.exec("SELECT 'still here'").value(), "still here");
  EXPECT_EQ(PQsslInUse(before.raw()), 1);
  PgConnection after(app_conninfo(verify_full(new_ca_file)));
  ASSERT_TRUE(after.ok()) << after.error();
  EXPECT_EQ(after.exec("SELECT 1").value(), "1");
  auto error = connect_error(app_conninfo(verify_full(old_ca)));
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
}

TEST_F(ClientTls, KeyFileReadableByOthersStopsTheStart) {
  ASSERT_EQ(::chmod(server_.key_file.c_str(), 0644), 0);
  testbed::ProxySettings settings;
  settings.binary = pgwarden_binary();
  settings.dir = dir_ + "/proxy";
  settings.settings = {tls_setting("cert_file", server_.cert_file),
                       tls_setting("key_file", server_.key_file)};
  auto started = testbed::ProxyInstance::start(*cluster_, settings);
  ASSERT_FALSE(started) << "pgwarden started with a key file of mode 0644";
  const std::string reason = "TLS key file " + server_.key_file +
                             " is readable or writable by group or others (mode 644); run: "
                             "chmod 600 " +
                             server_.key_file;
  EXPECT_TRUE(contains(started.error().message, "pgwarden exited at start"))
      << started.error().message;
  EXPECT_TRUE(contains(started.error().message, reason)) << started.error().message;
  // The exit status says so too.
  auto run =
      run_command({pgwarden_binary(), "run", "-c", settings.dir + "/pgwarden.toml"}, {}, 30s);
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_TRUE(
      contains(run.output + testbed::read_tail(settings.dir + "/pgwarden.log", 4096), reason))
      << run.output;
}

TEST_F(ClientTls, ChannelBindingOverTls) {
  start_tls_proxy();
  PgConnection conn(app_conninfo("sslmode=require channel_binding=require"));
  ASSERT_TRUE(conn.ok()) << conn.error();
  EXPECT_EQ(PQsslInUse(conn.raw()), 1);
  EXPECT_EQ(conn.exec("SELECT current_user").value(), "app");
}

/// Starts a SCRAM login over a plain connection and sends a SASLInitialResponse with
/// `mechanism` and client-first-message `first`; returns the ErrorResponse's SQLSTATE and
/// message ("" if none came).
std::pair<std::string, std::string> plain_sasl_attempt(int port, const std::string& mechanism,
                                                       const std::string& first) {
  auto client = RawClient::connect_tcp(port);
  if (!client || !client->send_startup("app", "app")) return {"<connect>", ""};
  auto offer = client->read_message();
  if (!offer || offer->type != 'R') return {"<no authentication request>", ""};
  auto decoded = protocol::decode_backend('R', offer->body);
  const auto* sasl = decoded ? std::get_if<protocol::AuthenticationSasl>(&*decoded) : nullptr;
  if (sasl == nullptr) return {"<not SASL>", ""};
  EXPECT_EQ(sasl->mechanisms.size(), 1u) << "a plain connection must not offer SCRAM-PLUS";
  EXPECT_EQ(sasl->mechanisms.front(), "SCRAM-SHA-256");
  protocol::Bytes bytes;
  protocol::encode(protocol::SaslInitialResponse{mechanism, pgw::as_bytes(first)}, bytes);
  if (!client->send(bytes)) return {"<send>", ""};
  std::string message;
  auto sqlstate = client->read_until_ready_or_error(&message);
  EXPECT_TRUE(client->wait_closed(5s));
  return {sqlstate, message};
}

TEST_F(ClientTls, ChannelBindingOnAPlainConnectionIsRefused) {
  start_tls_proxy();
  auto plus = plain_sasl_attempt(proxy_->port(), "SCRAM-SHA-256-PLUS",
                                 "p=tls-server-end-point,,n=,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(plus.first, "28000");
  EXPECT_EQ(plus.second, "client selected SCRAM-SHA-256-PLUS on a connection without TLS");
  auto flag = plain_sasl_attempt(proxy_->port(), "SCRAM-SHA-256",
                                 "p=tls-server-end-point,,n=,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(flag.first, "28000");
  EXPECT_EQ(flag.second,
            "the client selected SCRAM-SHA-256 without channel binding, but the SCRAM message "
            "includes channel binding data");
  PgConnection still_serving(app_conninfo("sslmode=disable"));
  EXPECT_TRUE(still_serving.ok()) << still_serving.error();
}

TEST(TlsSandbox, UpServesTlsAndDownCleansUp) {
  std::string dir = "/tmp/pgwarden-tls-sandbox-" + std::to_string(::getpid());
  auto started = std::chrono::steady_clock::now();
  auto up = run_command(
      {pgwarden_binary(), "sandbox", "up", "--dir", dir, "--port", "0", "--standbys", "0"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  std::cout << "sandbox up took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";
  std::smatch found;
  ASSERT_TRUE(std::regex_search(
      up.output, found,
      std::regex("PGPASSWORD='([^']+)' psql 'host=localhost port=([0-9]+) user=app dbname=app "
                 "sslmode=verify-full sslrootcert=([^' ]+)'")))
      << up.output;
  const std::string password = found[1];
  const std::string port = found[2];
  const std::string root_cert = found[3];
  EXPECT_EQ(root_cert, dir + "/proxy/ca.crt");
  const std::string base =
      "port=" + port + " user=app dbname=app password=" + password + " connect_timeout=10 ";

  {
    PgConnection require(base + "host=127.0.0.1 sslmode=require");
    ASSERT_TRUE(require.ok()) << require.error();
    EXPECT_EQ(PQsslInUse(require.raw()), 1);
    PgConnection full(base + "host=localhost sslmode=verify-full sslrootcert=" + root_cert);
    ASSERT_TRUE(full.ok()) << full.error();
    EXPECT_EQ(PQsslInUse(full.raw()), 1);
    EXPECT_EQ(full.exec("SELECT current_user").value(), "app");
  }  // closed before `down`, which would otherwise wait for them to end

  auto down = run_command({pgwarden_binary(), "sandbox", "down", "--dir", dir});
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_FALSE(fs::exists(dir));
  PgConnection after(base + "host=127.0.0.1 sslmode=prefer");
  EXPECT_FALSE(after.ok()) << "the proxy still answers after sandbox down";
}

// ---------------------------------------------------------------------------------------------
// Server TLS

/// pgwarden's server connections, checked on the server: pg_stat_ssl of the backend that runs
/// the query (a query through pgwarden runs on pgwarden's own server connection).
std::string server_side_ssl(ConfiguredProxy& proxy, const testbed::LocalCluster& cluster) {
  PgConnection conn(proxy.conninfo(cluster) + " sslmode=disable");
  if (!conn.ok()) return "<connect: " + conn.error() + ">";
  auto result = conn.exec("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  return result.ok ? result.value() : "<query: " + result.error + ">";
}

/// A cluster whose nodes serve TLS with certificates of the cluster's CA.
class ServerTls : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    testbed::ClusterOptions options;
    options.standbys = 0;
    options.ssl = true;
    auto created = testbed::LocalCluster::create(options);
    ASSERT_TRUE(created) << created.error().message;
    cluster_ = std::move(*created).release();
  }
};

/// One run per backend tls mode: its [[backends]] lines and whether connections are encrypted.
struct ModeCase {
  std::string mode;
  bool encrypted;
};
const std::vector<ModeCase> kModes = {{"disable", false},
                                      {"prefer", true},
                                      {"require", true},
                                      {"verify-ca", true},
                                      {"verify-full", true}};

std::string mode_lines(const ModeCase& c, const std::string& ca_file) {
  std::string lines = "tls = \"" + c.mode + "\"\n";
  if (c.mode.starts_with("verify")) lines += "tls_ca_file = \"" + ca_file + "\"\n";
  return lines;
}

TEST_F(ServerTls, SessionServerConnectionsAreEncryptedAsConfigured) {
  ASSERT_FALSE(cluster_->tls_ca_file().empty());
  for (const auto& c : kModes) {
    auto proxy = ConfiguredProxy::start(
        *cluster_,
        backend_table("node0", cluster_->primary().port(), mode_lines(c, cluster_->tls_ca_file())));
    ASSERT_TRUE(proxy) << c.mode << ": " << proxy.error().message;
    auto ssl = server_side_ssl(**proxy, *cluster_);
    EXPECT_EQ(ssl, c.encrypted ? "t" : "f") << c.mode << "\n" << (*proxy)->log_text();
    std::cout << "tls = \"" << c.mode << "\": session's server connection ssl = " << ssl << "\n";
  }
}

TEST_F(ServerTls, MonitorAndHealthCheckConnectionsAreEncryptedAsConfigured) {
  // [[backends]] tls applies to every connection pgwarden opens to the server
  // (docs: "the monitor's too"); these are found on the server by application_name.
  for (const auto& c : kModes) {
    auto proxy = ConfiguredProxy::start(
        *cluster_,
        backend_table("node0", cluster_->primary().port(), mode_lines(c, cluster_->tls_ca_file())));
    ASSERT_TRUE(proxy) << c.mode << ": " << proxy.error().message;
    for (const std::string application : {"pgwarden monitor", "pgwarden health check"}) {
      std::string seen;
      bool as_configured = wait_until(
          [&] {
            auto ssl = cluster_->primary().query_value(
                "SELECT coalesce(string_agg(DISTINCT s.ssl::text, ','), 'none') FROM pg_stat_ssl "
                "s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = " +
                testbed::sql_literal(application));
            seen = ssl ? *ssl : ssl.error().message;
            return seen == (c.encrypted ? "true" : "false");
          },
          5s);
      EXPECT_TRUE(as_configured) << "tls = \"" << c.mode << "\": connections of \"" << application
                                 << "\" have ssl = " << seen;
    }
  }
}

/// The monitor cannot log in either, so no primary is known and a client waits for one:
/// briefly, so that the refusal comes within the login's deadline.
const std::vector<std::pair<std::string, std::string>> kShortClientWait = {
    {"failover", "client_wait = \"1s\""}};

/// A client's login through `proxy` to a server pgwarden must refuse: "" when refused as
/// expected, else what happened. The refusal comes from the session's own server login
/// (08001, `reason` in the message) or, if the monitor found no primary it could use, 57P03.
std::string expect_refused(ConfiguredProxy& proxy, const testbed::LocalCluster& cluster,
                           const std::string& reason) {
  auto raw = RawClient::connect_tcp(proxy.port());
  if (!raw) return "cannot connect to pgwarden";
  std::string message;
  auto sqlstate = raw->login("app", "app", cluster.app_password(), &message);
  if (sqlstate == "08001" && contains(message, reason)) return "";
  if (sqlstate == "57P03" && message == "no primary server is available") return "";
  return "login gave \"" + sqlstate + "\" \"" + message + "\"";
}

TEST_F(ServerTls, VerifyFullWithAnotherCaIsRefused) {
  auto dir = testbed::make_temp_dir("pgwarden-tls-", testbed::Owner{});
  ASSERT_TRUE(dir);
  auto foreign = CertificateAuthority::create("not the cluster's CA");
  ASSERT_TRUE(foreign);
  const std::string ca_file = *dir + "/foreign-ca.crt";
  ASSERT_TRUE(testbed::write_file(ca_file, foreign->certificate_pem(), testbed::Owner{}));
  auto proxy = ConfiguredProxy::start(
      *cluster_,
      backend_table("node0", cluster_->primary().port(),
                    "tls = \"verify-full\"\ntls_ca_file = \"" + ca_file + "\"\n"),
      kShortClientWait);
  ASSERT_TRUE(proxy) << proxy.error().message;
  const std::string reason =
      "TLS with server node0 (127.0.0.1:" + std::to_string(cluster_->primary().port()) +
      ") failed: TLS handshake failed: ";
  EXPECT_EQ(expect_refused(**proxy, *cluster_, reason), "");
  EXPECT_TRUE(wait_until(
      [&] {
        auto log = (*proxy)->log_text();
        return contains(log, reason + "self-signed certificate in certificate chain");
      },
      5s))
      << (*proxy)->log_text();
  std::error_code ec;
  fs::remove_all(*dir, ec);
}

class ServerWithoutTls : public ProxyFixture {};

TEST_F(ServerWithoutTls, RequireIsRefusedAndPreferFallsBackToPlain) {
  {
    auto proxy = ConfiguredProxy::start(
        *cluster_, backend_table("node0", cluster_->primary().port(), "tls = \"prefer\"\n"));
    ASSERT_TRUE(proxy) << proxy.error().message;
    EXPECT_EQ(server_side_ssl(**proxy, *cluster_), "f") << (*proxy)->log_text();
  }
  auto proxy = ConfiguredProxy::start(
      *cluster_, backend_table("node0", cluster_->primary().port(), "tls = \"require\"\n"),
      kShortClientWait);
  ASSERT_TRUE(proxy) << proxy.error().message;
  const std::string reason =
      "server node0 (127.0.0.1:" + std::to_string(cluster_->primary().port()) +
      ") does not support TLS, which its tls setting requires";
  EXPECT_EQ(expect_refused(**proxy, *cluster_, reason), "");
  EXPECT_TRUE(wait_until([&] { return contains((*proxy)->log_text(), reason); }, 5s))
      << (*proxy)->log_text();
}

// ---------------------------------------------------------------------------------------------
// A server that answers the SSLRequest wrongly

/// Reads exactly `size` bytes unless `stop_fd` becomes readable or the peer closes first.
bool read_exact(int fd, int stop_fd, std::uint8_t* into, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) return false;
    auto n = ::recv(fd, into + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool send_all(int fd, const std::uint8_t* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    auto n = ::send(fd, data + done, size - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Copies bytes both ways until one side closes or `stop_fd` becomes readable.
void relay(int a, int b, int stop_fd) {
  std::uint8_t buffer[16384];
  for (;;) {
    pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0 || (fds[2].revents & POLLIN) != 0) return;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0 || !send_all(fds[1 - i].fd, buffer, static_cast<std::size_t>(n))) return;
    }
  }
}

/// A fake PostgreSQL server on loopback, configured as pgwarden's only backend. Until armed,
/// it answers each connection's SSLRequest 'N' itself and relays the rest to a real server, so
/// that the replication monitor (whose connection stays open) finds a primary through it.
/// Armed, it answers the SSLRequest of every new connection with the given bytes, in one
/// write, and then only waits for pgwarden to hang up.
class FakeServer {
 public:
  explicit FakeServer(int real_port) : real_port_(real_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length) != 0 ||
        ::pipe2(stop_, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "cannot set up the fake server: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FakeServer() {
    if (stop_[1] >= 0) {
      std::uint8_t byte = 1;
      [[maybe_unused]] auto n = ::write(stop_[1], &byte, 1);
    }
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& thread : connections_)
      thread.join();
    ::close(listener_);
    for (int fd : stop_) {
      if (fd >= 0) ::close(fd);
    }
  }

  int port() const { return port_; }
  void arm(protocol::Bytes reply) {
    std::lock_guard lock(mutex_);
    reply_ = std::move(reply);
  }
  /// Connections that got the armed reply and were then closed by pgwarden.
  int hung_up_after_reply() const { return hung_up_.load(); }
  /// Bytes pgwarden sent after the armed reply, before it hung up (must be none).
  std::size_t bytes_after_reply() const { return bytes_after_.load(); }

 private:
  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) return;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, fd, reply = reply_] {
        serve(fd, reply);
        ::close(fd);
      });
    }
  }

  void serve(int fd, const protocol::Bytes& reply) {
    std::uint8_t request[8];
    if (!read_exact(fd, stop_[0], request, sizeof request)) return;
    const std::uint8_t kSslRequest[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    bool is_ssl_request = std::equal(request, request + 8, kSslRequest);
    if (!reply.empty()) {
      if (!is_ssl_request || !send_all(fd, reply.data(), reply.size())) return;
      std::uint8_t byte = 0;
      while (read_exact(fd, stop_[0], &byte, 1))
        ++bytes_after_;
      ++hung_up_;
      return;
    }
    int upstream = connect_loopback(real_port_);
    if (upstream < 0) return;
    const std::uint8_t kNo = 'N';
    bool ok = is_ssl_request ? send_all(fd, &kNo, 1) : send_all(upstream, request, 8);
    if (ok) relay(fd, upstream, stop_[0]);
    ::close(upstream);
  }

  int real_port_;
  int listener_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::mutex mutex_;
  protocol::Bytes reply_;
  std::thread acceptor_;
  std::vector<std::thread> connections_;
  std::atomic<int> hung_up_{0};
  std::atomic<std::size_t> bytes_after_{0};
};

constexpr std::string_view kInjected = "INJECTED BY THE FAKE SERVER";

class HostileServer : public ProxyFixture {
 protected:
  /// pgwarden in front of the fake server (tls = "prefer": it asks every time and would use
  /// plain text if told 'N'), with the monitor already connected through it; then armed. (A
  /// health-check connection opened after arming would get the hostile answer too and count
  /// the node as failed after its retries, but only well after the client below has logged
  /// in to the fake.)
  void start_behind_fake(protocol::Bytes reply) {
    fake_ = std::make_unique<FakeServer>(cluster_->primary().port());
    auto proxy = ConfiguredProxy::start(*cluster_,
                                        backend_table("fake", fake_->port(), "tls = \"prefer\"\n"));
    ASSERT_TRUE(proxy) << proxy.error().message;
    configured_ = std::move(*proxy);
    ASSERT_TRUE(
        wait_until([&] { return contains(configured_->log_text(), "primary is fake"); }, 10s))
        << configured_->log_text();
    fake_->arm(std::move(reply));
  }

  /// A client's login through pgwarden, which then logs in to the (armed) fake: every byte
  /// the client receives, and the SQLSTATE and message of the error among them.
  void expect_pgwarden_refuses(const std::string& reason) {
    auto client = RawClient::connect_tcp(configured_->port());
    ASSERT_NE(client, nullptr);
    std::string message;
    auto sqlstate = client->login("app", "app", cluster_->app_password(), &message);
    EXPECT_EQ(sqlstate, "08P01");
    EXPECT_EQ(message, "server fake (127.0.0.1:" + std::to_string(fake_->port()) + ") " + reason);
    EXPECT_FALSE(contains(message, std::string(kInjected)));
    // Nothing follows the error: no injected message, no ReadyForQuery.
    std::string after;
    while (auto more = client->read_message(5s))
      after += std::string(1, more->type) + std::string(more->body.begin(), more->body.end());
    EXPECT_TRUE(client->eof()) << "pgwarden kept the client connection open";
    EXPECT_EQ(after, "") << "relayed after the error";
    EXPECT_TRUE(wait_until([&] { return fake_->hung_up_after_reply() >= 1; }, 5s))
        << "pgwarden did not drop the server";
    EXPECT_EQ(fake_->bytes_after_reply(), 0u) << "pgwarden went on talking to the server";
    EXPECT_TRUE(wait_until([&] { return contains(configured_->log_text(), reason); }, 5s))
        << configured_->log_text();
  }

  void TearDown() override {
    if (HasFailure() && configured_) {
      std::cerr << "--- pgwarden log ---\n" << configured_->log_text();
    }
    configured_.reset();
    fake_.reset();
  }

  std::unique_ptr<FakeServer> fake_;
  std::unique_ptr<ConfiguredProxy> configured_;
};

/// What a man in the middle would slip in: an error and a ReadyForQuery in plain text.
protocol::Bytes injected_messages() {
  protocol::Bytes bytes;
  protocol::ErrorBuilder(protocol::Severity::kFatal, "28P01", std::string(kInjected))
      .encode_error(bytes);
  protocol::encode(protocol::ReadyForQuery{}, bytes);
  return bytes;
}

TEST_F(HostileServer, BytesAfterItsSslYesAreNeverRelayed) {
  protocol::Bytes reply = {'S'};
  auto injected = injected_messages();
  reply.insert(reply.end(), injected.begin(), injected.end());
  start_behind_fake(std::move(reply));
  expect_pgwarden_refuses("sent unencrypted data after agreeing to TLS; dropped it");
}

TEST_F(HostileServer, AnErrorResponseToTheSslRequestIsNeverRelayed) {
  start_behind_fake(injected_messages());
  expect_pgwarden_refuses("answered the SSL request with something other than S or N; dropped it");
}

}  // namespace
}  // namespace pgw::testing
