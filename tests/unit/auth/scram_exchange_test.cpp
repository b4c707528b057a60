// ScramClientExchange against ScramServerExchange: full exchanges with passwords, with the
// secrets PostgreSQL generated, pass-through with recovered keys, and channel binding.

#include <gtest/gtest.h>

#include "auth/scram.hpp"
#include "pg_vectors.hpp"
#include "test_random.hpp"

namespace pgw::auth {
namespace {

using testing::CountingRandom;

struct Outcome {
  bool ok = false;
  ScramFailureKind kind = ScramFailureKind::kMalformed;
  std::optional<Key32> client_key;
};

// Runs the whole exchange; stops at the first failure on either side.
Outcome run(ScramClientExchange& client, ScramServerExchange& server) {
  auto server_first = server.on_client_first(client.mechanism(), client.client_first_message());
  if (!server_first) return {false, server_first.error().kind, {}};
  auto client_final = client.on_server_first(*server_first);
  if (!client_final) return {false, client_final.error().kind, {}};
  auto server_final = server.on_client_final(*client_final);
  if (!server_final) return {false, server_final.error().kind, {}};
  auto done = client.on_server_final(*server_final);
  if (!done) return {false, done.error().kind, {}};
  EXPECT_TRUE(server.authenticated());
  EXPECT_TRUE(client.succeeded());
  return {true, ScramFailureKind::kMalformed, server.client_key()};
}

TEST(ScramExchange, PostgresSecretsWithRightAndWrongPasswords) {
  for (const auto& v : testing::kPgScram) {
    auto secret = ScramSecret::parse(v.secret);
    ASSERT_TRUE(secret) << v.role;
    CountingRandom random;
    auto good = ScramClientExchange::with_password(std::string(v.password), random);
    ScramServerExchange server(secret, std::string(v.role), random);
    EXPECT_TRUE(run(good, server).ok) << v.role;

    auto bad = ScramClientExchange::with_password(std::string(v.password) + "x", random);
    ScramServerExchange server2(secret, std::string(v.role), random);
    auto outcome = run(bad, server2);
    EXPECT_FALSE(outcome.ok) << v.role;
    EXPECT_EQ(outcome.kind, ScramFailureKind::kWrongPassword) << v.role;
  }
}

TEST(ScramExchange, SaslprepEquivalentSpellingsAuthenticate) {
  // PostgreSQL hashed "pass word" for U&'pass\00a0word'; a client typing either logs in.
  auto secret = ScramSecret::parse(testing::kPgScram[3].secret);
  ASSERT_TRUE(secret);
  CountingRandom random;
  auto client = ScramClientExchange::with_password("pass word", random);
  ScramServerExchange server(secret, "s_nbsp", random);
  EXPECT_TRUE(run(client, server).ok);
}

TEST(ScramExchange, UnknownUserFailsLikeWrongPassword) {
  CountingRandom random;
  auto client = ScramClientExchange::with_password("anything", random);
  ScramServerExchange server(std::nullopt, "nobody", random);
  auto outcome = run(client, server);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.kind, ScramFailureKind::kWrongPassword);
  EXPECT_FALSE(server.client_key());
}

TEST(ScramExchange, PassThroughWithRecoveredKeys) {
  CountingRandom random;
  auto secret = ScramSecret::generate("s3cret", random);
  // 1. A client authenticates to the proxy.
  auto app = ScramClientExchange::with_password("s3cret", random);
  ScramServerExchange proxy_server(secret, "alice", random);
  auto first = run(app, proxy_server);
  ASSERT_TRUE(first.ok);
  ASSERT_TRUE(first.client_key);
  // 2. The proxy authenticates to a PostgreSQL server holding the same secret, without the
  //    password; twice, to show the keys are reusable across exchanges.
  for (int i = 0; i < 2; ++i) {
    auto proxy_client =
        ScramClientExchange::with_keys(*first.client_key, secret.server_key, random);
    ScramServerExchange postgres(secret, "alice", random);
    EXPECT_TRUE(run(proxy_client, postgres).ok);
  }
  // Keys recovered from another secret do not work.
  auto other = ScramSecret::generate("s3cret", random);
  auto proxy_client = ScramClientExchange::with_keys(*first.client_key, secret.server_key, random);
  ScramServerExchange postgres(other, "alice", random);
  auto outcome = run(proxy_client, postgres);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.kind, ScramFailureKind::kWrongPassword);
}

TEST(ScramExchange, ClientDetectsServerNotKnowingThePassword) {
  // A server that claims success with a different ServerKey (an impostor with a stolen
  // StoredKey, say): the client refuses its signature.
  CountingRandom random;
  auto secret = ScramSecret::generate("pw", random);
  auto forged = secret;
  forged.server_key[0] ^= 1;
  auto client = ScramClientExchange::with_password("pw", random);
  ScramServerExchange server(forged, "u", random);
  auto outcome = run(client, server);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.kind, ScramFailureKind::kWrongPassword);
  EXPECT_TRUE(server.authenticated());  // the server side did accept the proof
  EXPECT_FALSE(client.succeeded());
}

const std::vector<std::uint8_t> kCertHash(32, 0xAB);

ScramServerExchange tls_server(RandomSource& random, const ScramSecret& secret,
                               std::vector<std::uint8_t> end_point = kCertHash) {
  return ScramServerExchange(secret, "u", random, std::move(end_point));
}

TEST(ScramExchange, ChannelBindingSucceedsWithTheSameCertificate) {
  CountingRandom random;
  auto secret = ScramSecret::generate("pw", random);
  ScramClientOptions options;
  options.tls_end_point = kCertHash;
  auto client = ScramClientExchange::with_password("pw", random, options);
  EXPECT_EQ(client.mechanism(), "SCRAM-SHA-256-PLUS");
  EXPECT_TRUE(client.client_first_message().starts_with("p=tls-server-end-point,,n=,r="));
  auto server = tls_server(random, secret);
  EXPECT_TRUE(run(client, server).ok);
}

TEST(ScramExchange, ChannelBindingFailsWithAnotherCertificate) {
  // A man in the middle terminates TLS with its own certificate: hashes differ.
  CountingRandom random;
  auto secret = ScramSecret::generate("pw", random);
  ScramClientOptions options;
  options.tls_end_point = std::vector<std::uint8_t>(32, 0xCD);
  auto client = ScramClientExchange::with_password("pw", random, options);
  auto server = tls_server(random, secret);
  auto outcome = run(client, server);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.kind, ScramFailureKind::kChannelBinding);
}

TEST(ScramExchange, PlainScramOverTlsWithoutBindingSucceeds) {
  // libpq with channel_binding=disable, or a client without support: "n" is fine over TLS.
  CountingRandom random;
  auto secret = ScramSecret::generate("pw", random);
  auto client = ScramClientExchange::with_password("pw", random);
  auto server = tls_server(random, secret);
  EXPECT_TRUE(run(client, server).ok);
}

struct FirstCase {
  bool tls;
  std::string_view mechanism;
  std::string_view message;
  std::optional<ScramFailureKind> failure;
};

TEST(ScramExchange, ChannelBindingNegotiationRules) {
  const FirstCase cases[] = {
      {false, "SCRAM-SHA-256", "n,,n=,r=abc", std::nullopt},
      {false, "SCRAM-SHA-256", "y,,n=,r=abc", std::nullopt},  // right: we offer no binding
      {false, "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc",
       ScramFailureKind::kChannelBinding},
      {false, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abc",
       ScramFailureKind::kChannelBinding},
      {true, "SCRAM-SHA-256", "n,,n=,r=abc", std::nullopt},
      {true, "SCRAM-SHA-256", "y,,n=,r=abc", ScramFailureKind::kChannelBinding},  // downgrade
      {true, "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc",
       ScramFailureKind::kChannelBinding},
      {true, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abc", std::nullopt},
      {true, "SCRAM-SHA-256-PLUS", "n,,n=,r=abc", ScramFailureKind::kChannelBinding},
      {true, "SCRAM-SHA-256-PLUS", "y,,n=,r=abc", ScramFailureKind::kChannelBinding},
      {true, "SCRAM-SHA-256-PLUS", "p=tls-unique,,n=,r=abc", ScramFailureKind::kChannelBinding},
      {true, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,a=x,n=,r=abc",
       ScramFailureKind::kUnsupported},
      {true, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point", ScramFailureKind::kMalformed},
      {true, "SCRAM-SHA-256-PLUS", "p,,n=,r=abc", ScramFailureKind::kMalformed},
  };
  for (const auto& c : cases) {
    CountingRandom random;
    auto secret = ScramSecret::generate("pw", random, 1);
    ScramServerExchange server(secret, "u", random,
                               c.tls ? kCertHash : std::vector<std::uint8_t>{});
    auto result = server.on_client_first(c.mechanism, c.message);
    std::string label = std::string(c.tls ? "tls " : "plain ") + std::string(c.mechanism) + " " +
                        std::string(c.message);
    if (!c.failure) {
      EXPECT_TRUE(result) << label << ": " << result.error().message;
    } else {
      ASSERT_FALSE(result) << label;
      EXPECT_EQ(result.error().kind, *c.failure) << label << ": " << result.error().message;
    }
  }
}

TEST(ScramExchange, FlagMustBeRepeatedInClientFinal) {
  // "y" in client-first must come back as c=eSws ("y,,"), not c=biws, and vice versa.
  CountingRandom random;
  auto secret = ScramSecret::generate("pw", random, 1);
  ScramServerExchange server(secret, "u", random);
  auto first = server.on_client_first("SCRAM-SHA-256", "y,,n=,r=abc");
  ASSERT_TRUE(first);
  auto nonce = first->substr(2, first->find(',') - 2);
  auto result = server.on_client_final("c=biws,r=" + nonce + ",p=" + std::string(44, 'A'));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ScramFailureKind::kChannelBinding);
}

}  // namespace
}  // namespace pgw::auth
