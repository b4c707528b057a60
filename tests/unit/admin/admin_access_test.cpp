#include "admin/admin_access.hpp"

#include <gtest/gtest.h>

namespace pgw::admin {
namespace {

TEST(BearerTokenTest, Forms) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_EQ(bearer_token("BEARER   abc  "), "abc");
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer "), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer    "), std::nullopt);
  EXPECT_EQ(bearer_token("Bearerabc"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer\tabc"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer a b"), std::nullopt);
  EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
  EXPECT_EQ(bearer_token("abc"), std::nullopt);
  EXPECT_EQ(bearer_token(""), std::nullopt);
}

TEST(TokenEqualTest, Cases) {
  EXPECT_TRUE(token_equal("secret-token", "secret-token"));
  EXPECT_FALSE(token_equal("secret-tokeN", "secret-token"));
  EXPECT_FALSE(token_equal("Secret-token", "secret-token"));
  EXPECT_FALSE(token_equal("secret-token-", "secret-token"));
  EXPECT_FALSE(token_equal("secret-toke", "secret-token"));
  // `expected` repeated: a presented value that is the token twice is not equal.
  EXPECT_FALSE(token_equal("abcabc", "abc"));
  EXPECT_FALSE(token_equal("", "abc"));
  EXPECT_FALSE(token_equal("", ""));
  EXPECT_FALSE(token_equal("abc", ""));
}

TEST(ParseTokenTest, Accepted) {
  EXPECT_EQ(parse_token("0123456789abcdef").value_or("?"), "0123456789abcdef");
  EXPECT_EQ(parse_token("0123456789abcdef\n").value_or("?"), "0123456789abcdef");
  EXPECT_EQ(parse_token("  \r\n0123456789abcdef\r\n\n").value_or("?"), "0123456789abcdef");
  EXPECT_EQ(parse_token("A-Za-z0-9._~+/=!#$%&'*^`|").value_or("?"), "A-Za-z0-9._~+/=!#$%&'*^`|");
}

TEST(ParseTokenTest, Refused) {
  EXPECT_EQ(parse_token("").error().message, "the token file is empty");
  EXPECT_EQ(parse_token(" \n\n").error().message, "the token file is empty");
  EXPECT_EQ(parse_token("short\n").error().message,
            "the token is too short (5 characters; at least 16: make one with `openssl rand "
            "-hex 32`)");
  const std::string one_line =
      "the token file must hold one token, on one line, of printable ASCII characters without "
      "spaces";
  EXPECT_EQ(parse_token("0123456789abcdef\n0123456789abcdef").error().message, one_line);
  EXPECT_EQ(parse_token("0123456789 abcdef").error().message, one_line);
  EXPECT_EQ(parse_token("0123456789abcdef\x01").error().message, one_line);
  EXPECT_EQ(parse_token("0123456789abcdef\xc3\xa9").error().message, one_line);
  // No message quotes the content.
  EXPECT_EQ(parse_token("secret secret secret").error().message.find("secret"), std::string::npos);
}

TEST(CheckAccessTest, LoopbackReadsAreFree) {
  HttpRequest request;
  request.peer_is_loopback = true;
  AdminAccess access;
  EXPECT_FALSE(check_access(request, AccessKind::kRead, access).has_value());
  request.peer_is_loopback = false;
  EXPECT_EQ(check_access(request, AccessKind::kRead, access)->status, 403);
  access.allow_remote_reads = true;
  EXPECT_FALSE(check_access(request, AccessKind::kRead, access).has_value());
  // A change needs the token whatever allow_remote_reads says.
  EXPECT_EQ(check_access(request, AccessKind::kChange, access)->status, 401);
}

}  // namespace
}  // namespace pgw::admin
