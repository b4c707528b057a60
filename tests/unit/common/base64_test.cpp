#include "common/base64.hpp"

#include <gtest/gtest.h>

namespace pgw {
namespace {

std::string decoded(std::string_view text) {
  auto bytes = base64_decode(text);
  if (!bytes) return "<invalid>";
  return {bytes->begin(), bytes->end()};
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(decoded("Zg=="), "f");
  EXPECT_EQ(decoded("Zm8="), "fo");
  EXPECT_EQ(decoded("Zm9vYmFy"), "foobar");
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_EQ(decoded("Zg="), "<invalid>");
  EXPECT_EQ(decoded("Z==="), "<invalid>");
  EXPECT_EQ(decoded("Zm9v!A=="), "<invalid>");
  EXPECT_EQ(decoded("Zg==Zg=="), "<invalid>");
  EXPECT_EQ(decoded("=Zg="), "<invalid>");
}

}  // namespace
}  // namespace pgw
