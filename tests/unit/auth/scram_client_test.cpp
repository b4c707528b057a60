#include "auth/scram_client.hpp"

#include <gtest/gtest.h>

#include "auth/scram_secret.hpp"
#include "common/base64.hpp"
#include "pg_vectors.hpp"
#include "test_random.hpp"

namespace pgw::auth {
namespace {

using testing::CountingRandom;

ScramClientExchange rfc_client(RandomSource& random) {
  ScramClientOptions options;
  options.sasl_user = "user";
  options.fixed_nonce = std::string(testing::kRfcClientNonce);
  return ScramClientExchange::with_password("pencil", random, std::move(options));
}

TEST(ScramClient, Rfc7677Vector) {
  CountingRandom random;
  auto client = rfc_client(random);
  EXPECT_EQ(client.mechanism(), "SCRAM-SHA-256");
  EXPECT_EQ(client.client_first_message(), testing::kRfcClientFirst);
  EXPECT_EQ(client.client_first_message(), testing::kRfcClientFirst);  // idempotent
  auto final_message = client.on_server_first(testing::kRfcServerFirst);
  ASSERT_TRUE(final_message) << final_message.error().message;
  EXPECT_EQ(*final_message, testing::kRfcClientFinal);
  EXPECT_FALSE(client.succeeded());
  auto done = client.on_server_final(testing::kRfcServerFinal);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_TRUE(client.succeeded());
}

TEST(ScramClient, Rfc7677VectorWithRecoveredKeys) {
  CountingRandom random;
  ScramClientOptions options;
  options.sasl_user = "user";
  options.fixed_nonce = std::string(testing::kRfcClientNonce);
  auto secret = ScramSecret::parse(testing::kRfcSecret);
  ASSERT_TRUE(secret);
  Key32 client_key{};
  auto decoded = base64_decode(testing::kRfcClientKey);
  std::copy(decoded->begin(), decoded->end(), client_key.begin());
  auto client = ScramClientExchange::with_keys(client_key, secret->server_key, random, options);
  EXPECT_EQ(client.client_first_message(), testing::kRfcClientFirst);
  auto final_message = client.on_server_first(testing::kRfcServerFirst);
  ASSERT_TRUE(final_message);
  EXPECT_EQ(*final_message, testing::kRfcClientFinal);
  EXPECT_TRUE(client.on_server_final(testing::kRfcServerFinal));
}

TEST(ScramClient, FirstMessageLikeLibpq) {
  CountingRandom random;
  auto client = ScramClientExchange::with_password("pw", random);
  std::array<std::uint8_t, 24> nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(client.client_first_message(), "n,,n=,r=" + base64_encode(nonce));
}

// A client that has sent its first message with nonce "abc".
ScramClientExchange started_client(RandomSource& random) {
  ScramClientOptions options;
  options.fixed_nonce = "abc";
  auto client = ScramClientExchange::with_password("pencil", random, std::move(options));
  client.client_first_message();
  return client;
}

TEST(ScramClient, RefusesHostileServerFirstMessages) {
  const std::string long_nonce = "abc" + std::string(254, 'x');  // 257 characters
  const std::string cases[] = {
      "r=abcdef,s=QUJD,i=2147483648",  // 2^31: refused before any hashing
      "r=abcdef,s=QUJD,i=4294967296",
      "r=abcdef,s=QUJD,i=99999999999999999999",
      "r=abcdef,s=QUJD,i=1000001",  // above the default bound
      "r=abcdef,s=QUJD,i=0",
      "r=abcdef,s=QUJD,i=-1",
      "r=abcdef,s=QUJD,i=+5",
      "r=abcdef,s=QUJD,i=",
      "r=abcdef,s=QUJD,i=12x",
      "r=xyzdef,s=QUJD,i=4096",  // nonce not starting with ours
      "r=ab,s=QUJD,i=4096",      // shorter than ours
      long_nonce + ",s=QUJD,i=4096",
      "r=abc\x7Fxyz,s=QUJD,i=4096",  // non-printable
      "r=abcdef,i=4096",             // missing salt
      "r=abcdef,s=,i=4096",          // empty salt
      "r=abcdef,s=QUJ,i=4096",       // salt not base64
      "r=abcdef,s=QUJD",             // missing iterations
      "s=QUJD,r=abcdef,i=4096",      // wrong order
      "r=abcdef,s=QUJD,i=4096,1=x",
      "",
      "garbage",
  };
  for (std::string_view message : cases) {
    CountingRandom random;
    auto client = started_client(random);
    auto result = client.on_server_first(message);
    ASSERT_FALSE(result) << message;
    EXPECT_EQ(result.error().kind, ScramFailureKind::kMalformed) << message;
    EXPECT_FALSE(client.on_server_final("v=AAAA"));  // the exchange is over
  }
}

TEST(ScramClient, HostileIterationCountMessageIsClear) {
  CountingRandom random;
  auto client = started_client(random);
  auto result = client.on_server_first("r=abcdef,s=QUJD,i=2147483648");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("invalid iteration count \"2147483648\""),
            std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("1..1000000"), std::string::npos);
}

TEST(ScramClient, IterationBoundIsAdjustable) {
  CountingRandom random;
  auto low = started_client(random);
  EXPECT_FALSE(low.on_server_first("r=abcdef,s=QUJD,i=4096", 4095));
  auto exact = started_client(random);
  EXPECT_TRUE(exact.on_server_first("r=abcdef,s=QUJD,i=4096", 4096));
}

TEST(ScramClient, AcceptsLimitsAndExtensions) {
  CountingRandom random;
  auto longest = started_client(random);
  EXPECT_TRUE(longest.on_server_first("r=abc" + std::string(253, 'x') + ",s=QUJD,i=1"));
  auto same_nonce = started_client(random);  // libpq accepts an empty server part too
  EXPECT_TRUE(same_nonce.on_server_first("r=abc,s=QUJD,i=1"));
  auto extensions = started_client(random);
  EXPECT_TRUE(extensions.on_server_first("r=abcd,s=QUJD,i=1,x=whatever"));
}

TEST(ScramClient, RefusesServerFirstBeforeClientFirst) {
  CountingRandom random;
  auto client = ScramClientExchange::with_password("pencil", random);
  auto result = client.on_server_first("r=abcdef,s=QUJD,i=4096");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ScramFailureKind::kMalformed);
}

TEST(ScramClient, ServerFinalErrors) {
  const std::pair<std::string_view, ScramFailureKind> cases[] = {
      {"e=invalid-proof", ScramFailureKind::kWrongPassword},
      {"e=channel-bindings-dont-match", ScramFailureKind::kChannelBinding},
      {"e=other-error", ScramFailureKind::kUnsupported},
      {"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", ScramFailureKind::kWrongPassword},
      {"v=AAAA", ScramFailureKind::kMalformed},
      {"v=not base64", ScramFailureKind::kMalformed},
      {"x=1", ScramFailureKind::kMalformed},
      {"", ScramFailureKind::kMalformed},
  };
  for (const auto& [message, kind] : cases) {
    CountingRandom random;
    auto client = rfc_client(random);
    client.client_first_message();
    ASSERT_TRUE(client.on_server_first(testing::kRfcServerFirst));
    auto result = client.on_server_final(message);
    ASSERT_FALSE(result) << message;
    EXPECT_EQ(result.error().kind, kind) << message << ": " << result.error().message;
    EXPECT_FALSE(client.succeeded());
  }
}

TEST(ScramClient, ServerErrorTextIsSanitized) {
  CountingRandom random;
  auto client = rfc_client(random);
  client.client_first_message();
  ASSERT_TRUE(client.on_server_first(testing::kRfcServerFirst));
  auto result = client.on_server_final("e=bad\x1b[31m");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.find('\x1b'), std::string::npos);
}

TEST(ScramClient, AcceptsServerFinalExtensionsOnce) {
  CountingRandom random;
  auto client = rfc_client(random);
  client.client_first_message();
  ASSERT_TRUE(client.on_server_first(testing::kRfcServerFirst));
  EXPECT_TRUE(client.on_server_final(std::string(testing::kRfcServerFinal) + ",x=1"));
  EXPECT_FALSE(client.on_server_final(testing::kRfcServerFinal));  // no second final
}

}  // namespace
}  // namespace pgw::auth
