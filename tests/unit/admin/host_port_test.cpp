#include "admin/host_port.hpp"

#include <gtest/gtest.h>

namespace pgw::admin {
namespace {

TEST(HostPortTest, Parses) {
  const auto v4 = parse_host_port("127.0.0.1:6433");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 6433);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:6433");
  const auto v6 = parse_host_port("[::1]:0");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->to_string(), "[::1]:0");
  const auto name = parse_host_port("admin.example:65535");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->host, "admin.example");
  EXPECT_EQ(name->port, 65535);
}

TEST(HostPortTest, Rejects) {
  for (const char* text : {"", "host", ":80", "h:", "h:65536", "h:8x", "h:-1", "::1:80", "[::1]80",
                           "[]:80", "[::1]:"}) {
    EXPECT_FALSE(parse_host_port(text).has_value()) << text;
  }
  EXPECT_EQ(parse_host_port("h:99999").error().message,
            "'h:99999': the port must be a number from 0 to 65535");
}

}  // namespace
}  // namespace pgw::admin
