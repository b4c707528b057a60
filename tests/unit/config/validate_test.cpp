#include "config/validate.hpp"

#include <gtest/gtest.h>

namespace pgw::config::detail {
namespace {

TEST(Validate, IpAddresses) {
  EXPECT_TRUE(is_ip_address("127.0.0.1"));
  EXPECT_TRUE(is_ip_address("::1"));
  EXPECT_TRUE(is_ip_address("fe80::1:2"));
  EXPECT_FALSE(is_ip_address("localhost"));
  EXPECT_FALSE(is_ip_address("256.0.0.1"));
  EXPECT_FALSE(is_ip_address(""));
  EXPECT_FALSE(is_ip_address(std::string_view("1.2.3.4\0x", 9)));
}

TEST(Validate, HostNames) {
  EXPECT_TRUE(is_host_name("db-1.example.com"));
  EXPECT_TRUE(is_host_name("10.0.0.1"));
  EXPECT_FALSE(is_host_name(""));
  EXPECT_FALSE(is_host_name("-db"));
  EXPECT_FALSE(is_host_name("db host"));
  EXPECT_FALSE(is_host_name(std::string(254, 'a')));
}

TEST(Validate, Ports) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_FALSE(parse_port("0"));
  EXPECT_FALSE(parse_port("65536"));
  EXPECT_FALSE(parse_port("+80"));
  EXPECT_FALSE(parse_port(""));
  EXPECT_FALSE(parse_port("123456"));
}

TEST(Validate, HostAndPort) {
  EXPECT_TRUE(is_host_and_port("db1:7000"));
  EXPECT_TRUE(is_host_and_port("10.0.0.1:7000"));
  EXPECT_TRUE(is_host_and_port("[::1]:7000"));
  EXPECT_FALSE(is_host_and_port("::1:7000"));  // an IPv6 address needs brackets
  EXPECT_FALSE(is_host_and_port("db1"));
  EXPECT_FALSE(is_host_and_port(":7000"));
  EXPECT_FALSE(is_host_and_port("db1:"));
  EXPECT_FALSE(is_host_and_port("[db1]:7000"));
}

TEST(Validate, BackendNames) {
  EXPECT_TRUE(is_backend_name("pg-1.a_B"));
  EXPECT_TRUE(is_backend_name(std::string(63, 'n')));
  EXPECT_FALSE(is_backend_name(std::string(64, 'n')));
  EXPECT_FALSE(is_backend_name(""));
  EXPECT_FALSE(is_backend_name("pg 1"));
  EXPECT_FALSE(is_backend_name("pg/1"));
}

TEST(Validate, OctalModes) {
  EXPECT_EQ(parse_octal_mode("0777"), 0777u);
  EXPECT_EQ(parse_octal_mode("660"), 0660u);
  EXPECT_EQ(parse_octal_mode("0000"), 0u);
  EXPECT_FALSE(parse_octal_mode("0789"));
  EXPECT_FALSE(parse_octal_mode("77"));
  EXPECT_FALSE(parse_octal_mode("04777"));
  EXPECT_FALSE(parse_octal_mode(""));
}

}  // namespace
}  // namespace pgw::config::detail
