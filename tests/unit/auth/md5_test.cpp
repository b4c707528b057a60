#include "auth/md5.hpp"

#include <gtest/gtest.h>

#include "pg_vectors.hpp"

namespace pgw::auth {
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Md5, Rfc1321Vectors) {
  EXPECT_EQ(md5_hex(bytes("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex(bytes("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex(bytes("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST(Md5, PasswordSecretMatchesPostgres) {
  for (const auto& v : testing::kPgMd5) {
    EXPECT_EQ(md5_password_secret(v.role, v.password), v.secret) << v.role;
    EXPECT_TRUE(is_md5_secret(v.secret));
    EXPECT_TRUE(md5_verify_password(v.secret, v.role, v.password));
    EXPECT_FALSE(md5_verify_password(v.secret, v.role, "wrong"));
    EXPECT_FALSE(md5_verify_password(v.secret, "other_role", v.password));  // salted by user
  }
}

TEST(Md5, SaltedResponseAsLibpqComputesIt) {
  // libpq: "md5" + md5(md5(password + user) hex + salt); computed independently with Python:
  // hashlib.md5(b"bd961b303edc68f8ead17b1595ab1e01" + bytes([1, 2, 3, 4])).hexdigest()
  const std::array<std::uint8_t, 4> salt = {1, 2, 3, 4};
  const std::string_view secret = testing::kPgMd5[0].secret;
  EXPECT_EQ(md5_salted_response(secret, salt), "md56b96b9ca075a1a9e58057247b3529331");
}

TEST(Md5, VerifyResponse) {
  const std::array<std::uint8_t, 4> salt = {9, 8, 7, 6};
  const std::string_view secret = testing::kPgMd5[1].secret;
  auto response = md5_salted_response(secret, salt);
  EXPECT_TRUE(md5_verify_response(secret, salt, response));
  EXPECT_FALSE(md5_verify_response(secret, {9, 8, 7, 7}, response));  // other salt
  EXPECT_FALSE(md5_verify_response(secret, salt, response.substr(0, 34)));
  EXPECT_FALSE(md5_verify_response(secret, salt, ""));
  EXPECT_FALSE(md5_verify_response(secret, salt, secret));  // the secret itself is no answer
  EXPECT_FALSE(md5_verify_response("plaintext", salt, md5_salted_response("plaintext", salt)));
}

TEST(Md5, RecognizesOnlyPostgresStoredForm) {
  EXPECT_TRUE(is_md5_secret("md5" + std::string(32, 'a')));
  EXPECT_FALSE(is_md5_secret("md5" + std::string(32, 'A')));  // PostgreSQL: lowercase only
  EXPECT_FALSE(is_md5_secret("md5" + std::string(31, 'a')));
  EXPECT_FALSE(is_md5_secret("md5" + std::string(33, 'a')));
  EXPECT_FALSE(is_md5_secret("MD5" + std::string(32, 'a')));
  EXPECT_FALSE(is_md5_secret("md5" + std::string(31, 'a') + "g"));
  EXPECT_EQ(md5_salted_response("not a secret", {0, 0, 0, 0}), "");
}

}  // namespace
}  // namespace pgw::auth
