#include "auth/scram_secret.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "pg_vectors.hpp"
#include "test_random.hpp"

namespace pgw::auth {
namespace {

using testing::kPgScram;

TEST(ScramSecret, ParsesEverySecretPostgresGenerated) {
  for (const auto& v : kPgScram) {
    auto secret = ScramSecret::parse(v.secret);
    ASSERT_TRUE(secret) << v.role;
    EXPECT_EQ(secret->iterations, 4096u) << v.role;
    EXPECT_EQ(secret->salt.size(), 16u) << v.role;
    EXPECT_EQ(secret->to_string(), v.secret) << v.role;
  }
}

TEST(ScramSecret, FromPasswordReproducesPostgresExactly) {
  for (const auto& v : kPgScram) {
    auto pg = ScramSecret::parse(v.secret);
    ASSERT_TRUE(pg) << v.role;
    auto ours = ScramSecret::from_password(v.password, pg->salt, pg->iterations);
    EXPECT_EQ(ours.to_string(), v.secret) << v.role;
  }
}

TEST(ScramSecret, CombiningMarkIsAKnownNormalizationGap) {
  // PostgreSQL composes "a" + U+0308 to "ä" before hashing; we hash the raw bytes (saslprep.hpp).
  // If this starts to match, NFKC composition was implemented: move the vector to kPgScram.
  const auto& v = testing::kPgScramCombining;
  auto pg = ScramSecret::parse(v.secret);
  ASSERT_TRUE(pg);
  EXPECT_NE(ScramSecret::from_password(v.password, pg->salt, pg->iterations).to_string(), v.secret);
  // The precomposed spelling is what PostgreSQL hashed.
  EXPECT_EQ(ScramSecret::from_password("p\xC3\xA4ss", pg->salt, pg->iterations).to_string(),
            v.secret);
}

TEST(ScramSecret, Rfc7677Secret) {
  auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt);
  EXPECT_EQ(ScramSecret::from_password("pencil", *salt, 4096).to_string(), testing::kRfcSecret);
}

TEST(ScramSecret, RoundTripsThroughText) {
  testing::CountingRandom random;
  auto secret = ScramSecret::generate("hunter2", random, 1000);
  auto parsed = ScramSecret::parse(secret.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, secret);
}

TEST(ScramSecret, GenerateUsesSixteenRandomSaltBytes) {
  testing::CountingRandom random(0x10);
  auto secret = ScramSecret::generate("hunter2", random);
  std::vector<std::uint8_t> expected(16);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    expected[i] = static_cast<std::uint8_t>(0x10 + i);
  }
  EXPECT_EQ(secret.salt, expected);
  EXPECT_EQ(secret.iterations, kScramDefaultIterations);
  EXPECT_EQ(secret, ScramSecret::from_password("hunter2", expected, 4096));
  EXPECT_NE(ScramSecret::generate("hunter2", random).salt, secret.salt);
}

TEST(ScramSecret, VerifiesPlainPassword) {
  auto secret = ScramSecret::parse(kPgScram[0].secret);
  ASSERT_TRUE(secret);
  EXPECT_TRUE(secret->verify_plain_password("secret123"));
  EXPECT_FALSE(secret->verify_plain_password("secret124"));
  EXPECT_FALSE(secret->verify_plain_password(""));
}

TEST(ScramSecret, RejectsMalformedText) {
  const std::string good(kPgScram[0].secret);
  auto key = good.substr(good.rfind(':') + 1);  // a valid 32-byte key in base64
  const std::string tail = "$" + key + ":" + key;
  for (const std::string& bad : {
           std::string(""), std::string("SCRAM-SHA-256"),
           "scram-sha-256$4096:QUJD" + tail,        // scheme is case-sensitive
           "SCRAM-SHA-1$4096:QUJD" + tail,          // other scheme
           "SCRAM-SHA-256$0:QUJD" + tail,           // zero iterations
           "SCRAM-SHA-256$-1:QUJD" + tail,          // negative
           "SCRAM-SHA-256$+5:QUJD" + tail,          // sign
           "SCRAM-SHA-256$2147483648:QUJD" + tail,  // above INT_MAX
           "SCRAM-SHA-256$99999999999:QUJD" + tail,
           "SCRAM-SHA-256$40x6:QUJD" + tail,            // not a number
           "SCRAM-SHA-256$4096:" + tail,                // empty salt
           "SCRAM-SHA-256$4096:QUJ" + tail,             // salt not base64
           "SCRAM-SHA-256$4096QUJD" + tail,             // missing ':'
           "SCRAM-SHA-256$4096:QUJD$" + key,            // one key
           "SCRAM-SHA-256$4096:QUJD$" + key + ":QUJD",  // short server key
           "SCRAM-SHA-256$4096:QUJD$QUJD:" + key,       // short stored key
           "SCRAM-SHA-256$4096:QUJD" + tail + "x",      // trailing garbage
           std::string(good).append(":").append(key),   // extra field
       }) {
    EXPECT_FALSE(ScramSecret::parse(bad)) << bad;
  }
  EXPECT_TRUE(ScramSecret::parse("SCRAM-SHA-256$4096:QUJD" + tail));
  EXPECT_TRUE(ScramSecret::parse("SCRAM-SHA-256$2147483647:QUJD" + tail));
}

}  // namespace
}  // namespace pgw::auth
