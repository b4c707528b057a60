#include "auth/scram_server.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "pg_vectors.hpp"
#include "test_random.hpp"

namespace pgw::auth {
namespace {

using testing::CountingRandom;

ScramSecret rfc_secret() {
  return *ScramSecret::parse(testing::kRfcSecret);
}

ScramServerExchange rfc_server(RandomSource& random, std::optional<ScramSecret> secret) {
  ScramServerOptions options;
  options.fixed_nonce = std::string(testing::kRfcServerNonce);
  return ScramServerExchange(std::move(secret), "user", random, std::move(options));
}

TEST(ScramServer, Rfc7677Vector) {
  CountingRandom random;
  auto server = rfc_server(random, rfc_secret());
  auto first = server.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, testing::kRfcServerFirst);
  EXPECT_FALSE(server.authenticated());
  EXPECT_FALSE(server.client_key());
  auto final_message = server.on_client_final(testing::kRfcClientFinal);
  ASSERT_TRUE(final_message) << final_message.error().message;
  EXPECT_EQ(*final_message, testing::kRfcServerFinal);
  EXPECT_TRUE(server.authenticated());
  ASSERT_TRUE(server.client_key());
  EXPECT_EQ(base64_encode(*server.client_key()), testing::kRfcClientKey);
}

TEST(ScramServer, WrongProofFailsAsWrongPassword) {
  CountingRandom random;
  auto other =
      ScramSecret::from_password("not pencil", *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  auto server = rfc_server(random, other);
  ASSERT_TRUE(server.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst));
  auto result = server.on_client_final(testing::kRfcClientFinal);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ScramFailureKind::kWrongPassword);
  EXPECT_FALSE(server.authenticated());
  EXPECT_FALSE(server.client_key());
}

TEST(ScramServer, ServerNonceIsEighteenRandomBytes) {
  CountingRandom random;
  ScramServerExchange server(rfc_secret(), "user", random);
  auto first = server.on_client_first("SCRAM-SHA-256", "n,,n=,r=abc");
  ASSERT_TRUE(first);
  std::array<std::uint8_t, 18> expected{};
  for (std::size_t i = 0; i < expected.size(); ++i)
    expected[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(*first, "r=abc" + base64_encode(expected) + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
}

TEST(ScramServer, Mechanisms) {
  EXPECT_EQ(ScramServerExchange::mechanisms(false), std::vector<std::string>{"SCRAM-SHA-256"});
  EXPECT_EQ(ScramServerExchange::mechanisms(true),
            (std::vector<std::string>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}));
}

TEST(ScramServer, UnknownUserGetsStableFakeSaltAndFailsAtTheEnd) {
  CountingRandom random;
  Key32 key{};
  key.fill(7);
  ScramServerOptions options;
  options.mock_salt_key = key;
  options.fixed_nonce = std::string(testing::kRfcServerNonce);
  ScramServerExchange server(std::nullopt, "ghost", random, options);
  auto first = server.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst);
  ASSERT_TRUE(first);
  auto salt = ScramServerExchange::mock_salt("ghost", key);
  EXPECT_EQ(salt.size(), 16u);
  EXPECT_EQ(*first, "r=" + std::string(testing::kRfcClientNonce) +
                        std::string(testing::kRfcServerNonce) + ",s=" + base64_encode(salt) +
                        ",i=4096");
  EXPECT_NE(ScramServerExchange::mock_salt("ghost2", key), salt);
  Key32 other_key{};
  EXPECT_NE(ScramServerExchange::mock_salt("ghost", other_key), salt);
  // Same shape as a real exchange until the very end.
  std::string final_message = "c=biws,r=" + std::string(testing::kRfcClientNonce) +
                              std::string(testing::kRfcServerNonce) +
                              ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  auto result = server.on_client_final(final_message);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ScramFailureKind::kWrongPassword);
}

TEST(ScramServer, DefaultMockSaltKeyIsStableWithinTheProcess) {
  CountingRandom random;
  ScramServerExchange a(std::nullopt, "ghost", random);
  ScramServerExchange b(std::nullopt, "ghost", random);
  auto salt_of = [](std::string_view first) {
    auto s = first.find(",s=");
    return std::string(first.substr(s, first.find(",i=") - s));
  };
  auto fa = a.on_client_first("SCRAM-SHA-256", "n,,n=,r=x");
  auto fb = b.on_client_first("SCRAM-SHA-256", "n,,n=,r=y");
  ASSERT_TRUE(fa && fb);
  EXPECT_EQ(salt_of(*fa), salt_of(*fb));
}

struct BadClientFirst {
  std::string_view mechanism;
  std::string_view message;
  ScramFailureKind kind;
};

TEST(ScramServer, RejectsBadClientFirstMessages) {
  const BadClientFirst cases[] = {
      {"SCRAM-SHA-1", "n,,n=,r=abc", ScramFailureKind::kUnsupported},
      {"SCRAM-SHA-256", "", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "garbage", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", std::string_view("n,,n=,r=a\0b", 11), ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "x,,n=,r=abc", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,a=admin,n=,r=abc", ScramFailureKind::kUnsupported},
      {"SCRAM-SHA-256", "n,x,n=,r=abc", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,m=ext,n=,r=abc", ScramFailureKind::kUnsupported},
      {"SCRAM-SHA-256", "n,,r=abc", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,n=", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,n=,x=abc", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,n=,r", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,n=,r=a b", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256",
       "n,,n=,r=\x01"
       "b",
       ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,n=,r=abc,1=x", ScramFailureKind::kMalformed},
      {"SCRAM-SHA-256", "n,,n=,r=abc,z", ScramFailureKind::kMalformed},
  };
  for (const auto& c : cases) {
    CountingRandom random;
    ScramServerExchange server(rfc_secret(), "user", random);
    auto result = server.on_client_first(c.mechanism, c.message);
    ASSERT_FALSE(result) << c.message;
    EXPECT_EQ(result.error().kind, c.kind) << c.message << ": " << result.error().message;
    // A failed exchange stays failed.
    auto again = server.on_client_first("SCRAM-SHA-256", "n,,n=,r=abc");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ScramFailureKind::kMalformed);
  }
}

TEST(ScramServer, AcceptsAndIgnoresExtensionsAndSaslUser) {
  for (std::string_view message : {"n,,n=someone,r=abc,x=1,Y=2", "n,,n=,r=abc,", "n,,n=,r="}) {
    CountingRandom random;
    ScramServerExchange server(rfc_secret(), "user", random);
    EXPECT_TRUE(server.on_client_first("SCRAM-SHA-256", message)) << message;
  }
}

// A client-final-message for the RFC exchange with `c`, `r` and `p` replaced.
std::string client_final(std::string_view c, std::string_view extra = "",
                         std::string_view proof = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") {
  return "c=" + std::string(c) + ",r=" + std::string(testing::kRfcClientNonce) +
         std::string(testing::kRfcServerNonce) + std::string(extra) + ",p=" + std::string(proof);
}

TEST(ScramServer, RejectsBadClientFinalMessages) {
  const std::string nonce =
      std::string(testing::kRfcClientNonce) + std::string(testing::kRfcServerNonce);
  const std::pair<std::string, ScramFailureKind> cases[] = {
      {"", ScramFailureKind::kMalformed},
      {"garbage", ScramFailureKind::kMalformed},
      {"r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
       ScramFailureKind::kMalformed},
      {"c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", ScramFailureKind::kMalformed},
      {"c=biws,r=" + nonce, ScramFailureKind::kMalformed},  // no proof
      {"c=biws,r=" + nonce + ",", ScramFailureKind::kMalformed},
      {client_final("eSws"), ScramFailureKind::kChannelBinding},  // "y,," after "n,,"
      {client_final("cD10bHMtc2VydmVyLWVuZC1wb2ludCwsAAAA"), ScramFailureKind::kChannelBinding},
      {client_final("biws", "", "AAAA"), ScramFailureKind::kMalformed},  // short proof
      {client_final("biws", "", "not base64!"), ScramFailureKind::kMalformed},
      {client_final("biws") + ",x=1", ScramFailureKind::kMalformed},  // after the proof
      {"c=biws,r=" + nonce + "X,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
       ScramFailureKind::kMalformed},  // nonce echo altered
      {"c=biws,r=" + std::string(testing::kRfcClientNonce) +
           ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
       ScramFailureKind::kMalformed},  // server part missing
      {client_final("biws", "", "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVA="),
       ScramFailureKind::kWrongPassword},  // one bit off
  };
  for (const auto& [message, kind] : cases) {
    CountingRandom random;
    auto server = rfc_server(random, rfc_secret());
    ASSERT_TRUE(server.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst));
    auto result = server.on_client_final(message);
    ASSERT_FALSE(result) << message;
    EXPECT_EQ(result.error().kind, kind) << message << ": " << result.error().message;
    EXPECT_FALSE(server.authenticated());
  }
}

TEST(ScramServer, IgnoresExtensionsBeforeTheProofButSignsThem) {
  CountingRandom random;
  auto server = rfc_server(random, rfc_secret());
  ASSERT_TRUE(server.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst));
  // The extension is part of client-final-message-without-proof, so the RFC proof is now wrong:
  // parsing succeeds and the proof check fails.
  auto result = server.on_client_final(client_final("biws", ",x=ext"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ScramFailureKind::kWrongPassword);
}

TEST(ScramServer, RejectsMessagesOutOfOrderAndReplays) {
  CountingRandom random;
  auto server = rfc_server(random, rfc_secret());
  auto early = server.on_client_final(testing::kRfcClientFinal);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, ScramFailureKind::kMalformed);

  auto fresh = rfc_server(random, rfc_secret());
  ASSERT_TRUE(fresh.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst));
  ASSERT_TRUE(fresh.on_client_final(testing::kRfcClientFinal));
  auto replay = fresh.on_client_final(testing::kRfcClientFinal);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().kind, ScramFailureKind::kMalformed);
  EXPECT_FALSE(fresh.authenticated());  // the exchange is over, and failed
  auto restart = fresh.on_client_first("SCRAM-SHA-256", testing::kRfcClientFirst);
  EXPECT_FALSE(restart);
}

}  // namespace
}  // namespace pgw::auth
