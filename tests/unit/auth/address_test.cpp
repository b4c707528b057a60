#include "auth/address.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace pgw::auth {
namespace {

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

IpNetwork net(std::string_view cidr) {
  auto n = IpNetwork::parse(cidr);
  EXPECT_TRUE(n) << cidr;
  return n.value_or(IpNetwork{});
}

TEST(IpAddress, ParsesNumericAddresses) {
  EXPECT_EQ(ip("10.1.2.3").family, AF_INET);
  EXPECT_EQ(ip("10.1.2.3"), IpAddress::v4({10, 1, 2, 3}));
  EXPECT_EQ(ip("::1").family, AF_INET6);
  EXPECT_EQ(ip("::1").bytes[15], 1);
  EXPECT_EQ(ip("2001:db8::1").to_string(), "2001:db8::1");
  EXPECT_EQ(ip("2001:DB8:0:0::1").to_string(), "2001:db8::1");
  EXPECT_EQ(ip("10.1.2.3").to_string(), "10.1.2.3");
  EXPECT_EQ(ip("::ffff:10.1.2.3").to_string(), "::ffff:10.1.2.3");
}

TEST(IpAddress, RejectsEverythingElse) {
  for (std::string_view bad :
       {"", "localhost", "10.1.2", "10.1.2.3.4", "256.1.1.1", "10.1.2.3/8", "fe80::1%eth0", "::g",
        " 10.1.2.3", "10.1.2.3 ", "1:2:3:4:5:6:7:8:9"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, MappedAddresses) {
  EXPECT_TRUE(ip("::ffff:10.1.2.3").is_v4_mapped());
  EXPECT_EQ(ip("::ffff:10.1.2.3").unmapped(), ip("10.1.2.3"));
  EXPECT_FALSE(ip("::1").is_v4_mapped());
  EXPECT_FALSE(ip("10.1.2.3").is_v4_mapped());
  EXPECT_EQ(ip("::1").unmapped(), ip("::1"));
}

TEST(IpNetwork, ParsesCidr) {
  EXPECT_EQ(net("10.0.0.0/8").prefix_length, 8);
  EXPECT_EQ(net("0.0.0.0/0").prefix_length, 0);
  EXPECT_EQ(net("10.1.2.3/32").prefix_length, 32);
  EXPECT_EQ(net("::/0").prefix_length, 0);
  EXPECT_EQ(net("2001:db8::/32").to_string(), "2001:db8::/32");
  EXPECT_EQ(net("::1/128").prefix_length, 128);
  for (std::string_view bad :
       {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/+8",
        "::/129", "host/8", "/8", "10.0.0.0/8/8", "10.0.0.0/0008"}) {
    EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
  }
}

TEST(IpNetwork, FromAddressAndMask) {
  auto n = IpNetwork::from_address_and_mask("10.0.0.0", "255.0.0.0");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, net("10.0.0.0/8"));
  EXPECT_EQ(IpNetwork::from_address_and_mask("10.1.2.3", "255.255.255.255")->prefix_length, 32);
  EXPECT_EQ(IpNetwork::from_address_and_mask("10.1.2.3", "0.0.0.0")->prefix_length, 0);
  EXPECT_EQ(IpNetwork::from_address_and_mask("192.168.0.0", "255.255.252.0")->prefix_length, 22);
  EXPECT_EQ(IpNetwork::from_address_and_mask("2001:db8::", "ffff:ffff::")->prefix_length, 32);
  EXPECT_FALSE(IpNetwork::from_address_and_mask("10.0.0.0", "255.0.255.0"));  // non-contiguous
  EXPECT_FALSE(IpNetwork::from_address_and_mask("10.0.0.0", "ffff::"));       // other family
  EXPECT_FALSE(IpNetwork::from_address_and_mask("10.0.0.0", "8"));
  EXPECT_FALSE(IpNetwork::from_address_and_mask("host", "255.0.0.0"));
}

TEST(IpNetwork, ContainsIpv4) {
  auto n = net("192.168.1.0/24");
  EXPECT_TRUE(n.contains(ip("192.168.1.0")));
  EXPECT_TRUE(n.contains(ip("192.168.1.255")));
  EXPECT_FALSE(n.contains(ip("192.168.2.1")));
  EXPECT_FALSE(n.contains(ip("192.168.0.255")));
  EXPECT_TRUE(net("192.168.1.77/24").contains(ip("192.168.1.1")));  // host bits ignored
  EXPECT_TRUE(net("10.0.0.0/9").contains(ip("10.127.255.255")));
  EXPECT_FALSE(net("10.0.0.0/9").contains(ip("10.128.0.0")));
  EXPECT_TRUE(net("0.0.0.0/0").contains(ip("203.0.113.9")));
  EXPECT_TRUE(net("10.1.2.3/32").contains(ip("10.1.2.3")));
  EXPECT_FALSE(net("10.1.2.3/32").contains(ip("10.1.2.4")));
}

TEST(IpNetwork, ContainsIpv6) {
  auto n = net("2001:db8::/32");
  EXPECT_TRUE(n.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(n.contains(ip("2001:db9::1")));
  EXPECT_TRUE(net("fe80::/10").contains(ip("febf::1")));
  EXPECT_FALSE(net("fe80::/10").contains(ip("fec0::1")));
  EXPECT_TRUE(net("::1/128").contains(ip("::1")));
  EXPECT_FALSE(net("::1/128").contains(ip("::2")));
}

TEST(IpNetwork, FamiliesDoNotMix) {
  EXPECT_FALSE(net("0.0.0.0/0").contains(ip("::1")));
  EXPECT_FALSE(net("::/0").contains(ip("10.0.0.1")));
}

TEST(IpNetwork, MappedAddressesCompareAsIpv4) {
  EXPECT_TRUE(net("10.0.0.0/8").contains(ip("::ffff:10.9.8.7")));
  EXPECT_FALSE(net("10.0.0.0/8").contains(ip("::ffff:11.9.8.7")));
  EXPECT_TRUE(net("::ffff:10.0.0.0/104").contains(ip("10.9.8.7")));
  EXPECT_FALSE(net("::ffff:10.0.0.0/104").contains(ip("11.9.8.7")));
  EXPECT_TRUE(net("::ffff:10.0.0.0/104").contains(ip("::ffff:10.1.1.1")));
  EXPECT_TRUE(net("::ffff:0.0.0.0/96").contains(ip("1.2.3.4")));
}

}  // namespace
}  // namespace pgw::auth
