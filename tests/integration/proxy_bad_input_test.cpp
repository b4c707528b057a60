// Bad input from clients: each gets a closed connection or an ErrorResponse, pgwarden logs a
// line, and a pgbench running at the same time sees no failed transaction.

#include <future>
#include <random>

#include "protocol/startup.hpp"
#include "proxy_fixture.hpp"
#include "raw_client.hpp"

namespace pgw::testing {
namespace {

class ProxyBadInput : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    ProxyFixture::SetUpTestSuite();
    auto init = run_command({pg_bin("pgbench"), "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p",
                             std::to_string(cluster_->primary().port()), "-U", cluster_->app_user(),
                             cluster_->app_database()},
                            {{"PGPASSWORD", cluster_->app_password()}});
    ASSERT_EQ(init.exit_code, 0) << init.output;
  }

  void SetUp() override {
    start_proxy({.settings = {{"limits",
                               "authentication_timeout = \"1s\"\n"
                               "max_message_size = \"1MB\""},
                              {"pool", "pool_size = 8"}}});
    std::vector<std::string> argv = {pg_bin("pgbench"),
                                     "-n",
                                     "-S",
                                     "-c",
                                     "4",
                                     "-T",
                                     "2",
                                     "-h",
                                     "127.0.0.1",
                                     "-p",
                                     std::to_string(proxy_->port()),
                                     "-U",
                                     cluster_->app_user(),
                                     cluster_->app_database()};
    bench_ = std::async(std::launch::async,
                        [argv, env = client_env()] { return run_command(argv, env); });
  }

  /// After the bad input: the concurrent pgbench finished cleanly and the log has `needle`.
  void expect_others_unaffected_and_logged(const std::string& needle) {
    auto out = bench_.get();
    EXPECT_EQ(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("number of failed transactions: 0 "), std::string::npos)
        << out.output;
    if (!needle.empty()) {
      EXPECT_TRUE(wait_until([&] { return proxy_->log_text().find(needle) != std::string::npos; },
                             std::chrono::seconds(5)))
          << "log lacks \"" << needle << "\":\n"
          << proxy_->log_text();
    }
    // The proxy still serves new clients.
    PgConnection conn(app_conninfo());
    ASSERT_TRUE(conn.ok()) << conn.error();
    EXPECT_EQ(conn.exec("SELECT 'still serving'").value(), "still serving");
  }

  /// Reads what the proxy answers: the SQLSTATE of an ErrorResponse, or "<closed>".
  static std::string answer(RawClient& client) {
    auto message = client.read_message(std::chrono::seconds(5));
    if (!message) return client.eof() ? "<closed>" : "<timeout>";
    if (message->type == 'E') {
      EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5))) << "not closed after FATAL";
      return error_sqlstate(message->body);
    }
    return std::string("<unexpected ") + message->type + ">";
  }

  static protocol::Bytes be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  }

  std::future<CommandOutput> bench_;
};

TEST_F(ProxyBadInput, StartupPacketOver10000Bytes) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  protocol::Bytes packet = be32(20'000);
  packet.resize(20'000, 'a');
  client->send(packet);
  EXPECT_EQ(answer(*client), "08P01");
  expect_others_unaffected_and_logged("invalid startup packet");
}

TEST_F(ProxyBadInput, StartupPacketShorterThan8Bytes) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  client->send(be32(4));
  EXPECT_EQ(answer(*client), "08P01");
  expect_others_unaffected_and_logged("invalid startup packet");
}

TEST_F(ProxyBadInput, UnknownProtocolVersion) {
  for (std::uint32_t version : {0x00020000u, 0x00090009u, 0x12345678u}) {
    auto client = RawClient::connect_tcp(proxy_->port());
    ASSERT_TRUE(client);
    auto packet = be32(8);
    auto v = be32(version);
    packet.insert(packet.end(), v.begin(), v.end());
    client->send(packet);
    EXPECT_EQ(answer(*client), "08P01") << std::hex << version;
  }
  expect_others_unaffected_and_logged("unsupported frontend protocol");
}

TEST_F(ProxyBadInput, RandomGarbage) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    auto client = RawClient::connect_tcp(proxy_->port());
    ASSERT_TRUE(client);
    protocol::Bytes garbage(1 + rng() % 300);
    for (auto& b : garbage)
      b = static_cast<std::uint8_t>(rng());
    client->send(garbage);
    auto result = answer(*client);
    EXPECT_TRUE(result == "08P01" || result == "<closed>" || result == "<timeout>") << result;
  }
  auto http = RawClient::connect_tcp(proxy_->port());
  http->send_text("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(answer(*http), "08P01");
  expect_others_unaffected_and_logged("invalid startup packet");
}

TEST_F(ProxyBadInput, NegativeMessageLengthAfterLogin) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  ASSERT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
            "");
  protocol::Bytes message = {'Q'};
  auto length = be32(0xFFFFFFF0u);
  message.insert(message.end(), length.begin(), length.end());
  client->send(message);
  EXPECT_EQ(answer(*client), "08P01");
  expect_others_unaffected_and_logged("invalid message from client");
}

TEST_F(ProxyBadInput, MessageAboveTheConfiguredMaximum) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  ASSERT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
            "");
  protocol::Bytes message = {'Q'};
  auto length = be32(2 * 1024 * 1024);
  message.insert(message.end(), length.begin(), length.end());
  message.resize(message.size() + 1000, 'x');
  client->send(message);
  EXPECT_EQ(answer(*client), "08P01");
  expect_others_unaffected_and_logged("maximum message size");
}

TEST_F(ProxyBadInput, SilentClientIsClosedAfterTheAuthenticationTimeout) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  auto started = std::chrono::steady_clock::now();
  auto result = answer(*client);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(result == "08P01" || result == "<closed>") << result;
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::seconds(4));
  expect_others_unaffected_and_logged("authentication timeout");
}

TEST_F(ProxyBadInput, BytesSentRightAfterAnSslRequest) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  protocol::Bytes bytes;
  protocol::encode(protocol::SslRequest{}, bytes);
  protocol::StartupMessage startup;
  startup.parameters = {{"user", cluster_->app_user()}, {"database", cluster_->app_database()}};
  protocol::encode(startup, bytes);
  client->send(bytes);
  EXPECT_EQ(answer(*client), "08P01");
  expect_others_unaffected_and_logged("received unencrypted data after SSL request");
}

TEST_F(ProxyBadInput, SslAndGssRequestsAreAnsweredNo) {
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_TRUE(client);
  protocol::Bytes gss;
  protocol::encode(protocol::GssEncRequest{}, gss);
  client->send(gss);
  EXPECT_EQ(client->read_byte(), 'N');
  protocol::Bytes ssl;
  protocol::encode(protocol::SslRequest{}, ssl);
  client->send(ssl);
  EXPECT_EQ(client->read_byte(), 'N');
  EXPECT_EQ(client->login(cluster_->app_user(), cluster_->app_database(), cluster_->app_password()),
            "");
  expect_others_unaffected_and_logged("");
}

}  // namespace
}  // namespace pgw::testing
