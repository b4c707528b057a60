#include <gtest/gtest.h>

#include "auth/hba.hpp"

namespace pgw::auth {
namespace {

HbaRules rules(std::string_view text) {
  auto parsed = HbaRules::parse(text, "pg_hba.conf");
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().to_string());
  return parsed ? std::move(parsed).value() : HbaRules{};
}

ClientInfo tcp(std::string_view address, std::string_view db, std::string_view user,
               bool ssl = false) {
  return ClientInfo{false, ssl, IpAddress::parse(address), db, user};
}

ClientInfo unix_socket(std::string_view db, std::string_view user) {
  return ClientInfo{true, false, std::nullopt, db, user};
}

// The line of the matching rule, 0 when none matches.
int matched_line(const HbaRules& r, const ClientInfo& client) {
  const HbaRule* rule = r.match(client);
  return rule == nullptr ? 0 : rule->line;
}

TEST(HbaMatch, FirstMatchWins) {
  auto r = rules(
      "host all alice 10.0.0.0/8 reject\n"
      "host all all   10.0.0.0/8 scram-sha-256\n"
      "host all all   0.0.0.0/0  md5\n");
  EXPECT_EQ(matched_line(r, tcp("10.1.1.1", "db", "alice")), 1);
  EXPECT_EQ(r.match(tcp("10.1.1.1", "db", "alice"))->method, AuthMethod::kReject);
  EXPECT_EQ(matched_line(r, tcp("10.1.1.1", "db", "bob")), 2);
  EXPECT_EQ(matched_line(r, tcp("192.0.2.1", "db", "alice")), 3);
  EXPECT_EQ(matched_line(r, tcp("::1", "db", "alice")), 0);  // no IPv6 rule
}

TEST(HbaMatch, ConnectionTypes) {
  auto r = rules(
      "local     all all     trust\n"
      "hostssl   all all all scram-sha-256\n"
      "hostnossl all all all md5\n");
  EXPECT_EQ(matched_line(r, unix_socket("db", "u")), 1);
  EXPECT_EQ(matched_line(r, tcp("10.0.0.1", "db", "u", true)), 2);
  EXPECT_EQ(matched_line(r, tcp("10.0.0.1", "db", "u", false)), 3);

  auto host_only = rules("host all all all trust\n");
  EXPECT_EQ(matched_line(host_only, tcp("10.0.0.1", "db", "u", true)), 1);
  EXPECT_EQ(matched_line(host_only, tcp("10.0.0.1", "db", "u", false)), 1);
  EXPECT_EQ(matched_line(host_only, unix_socket("db", "u")), 0);

  auto local_only = rules("local all all trust\n");
  EXPECT_EQ(matched_line(local_only, tcp("127.0.0.1", "db", "u")), 0);
}

TEST(HbaMatch, Databases) {
  auto ok = rules(
      "local sameuser all trust\n"
      "local \"Sales\",hr all md5\n"
      "local replication all password\n"
      "local \"replication\" all scram-sha-256\n");
  EXPECT_EQ(matched_line(ok, unix_socket("alice", "alice")), 1);
  EXPECT_EQ(matched_line(ok, unix_socket("Sales", "alice")), 2);
  EXPECT_EQ(matched_line(ok, unix_socket("sales", "alice")), 0);  // case-sensitive
  EXPECT_EQ(matched_line(ok, unix_socket("hr", "bob")), 2);
  // The keyword never matches (no replication connections through pgwarden); the quoted name
  // matches a database called "replication".
  EXPECT_EQ(matched_line(ok, unix_socket("replication", "bob")), 4);
  EXPECT_EQ(matched_line(ok, unix_socket("other", "bob")), 0);
}

TEST(HbaMatch, Users) {
  auto r = rules(
      "local all alice,\"Bob\" trust\n"
      "local all \"+plus\"     md5\n");
  EXPECT_EQ(matched_line(r, unix_socket("db", "alice")), 1);
  EXPECT_EQ(matched_line(r, unix_socket("db", "Bob")), 1);
  EXPECT_EQ(matched_line(r, unix_socket("db", "bob")), 0);
  EXPECT_EQ(matched_line(r, unix_socket("db", "+plus")), 2);
}

TEST(HbaMatch, Ipv4Ipv6AndMasks) {
  auto r = rules(
      "host all all 192.168.1.0 255.255.255.0 trust\n"
      "host all all 2001:db8::/32               md5\n"
      "host all all ::1/128                      password\n"
      "host all all 127.0.0.1/32                 scram-sha-256\n");
  EXPECT_EQ(matched_line(r, tcp("192.168.1.200", "d", "u")), 1);
  EXPECT_EQ(matched_line(r, tcp("192.168.2.1", "d", "u")), 0);
  EXPECT_EQ(matched_line(r, tcp("2001:db8:1::5", "d", "u")), 2);
  EXPECT_EQ(matched_line(r, tcp("2001:db9::5", "d", "u")), 0);
  EXPECT_EQ(matched_line(r, tcp("::1", "d", "u")), 3);
  EXPECT_EQ(matched_line(r, tcp("127.0.0.1", "d", "u")), 4);
  EXPECT_EQ(matched_line(r, tcp("127.0.0.2", "d", "u")), 0);
}

TEST(HbaMatch, MappedAddressesMatchIpv4Rules) {
  auto r = rules("host all all 10.0.0.0/8 trust\n");
  EXPECT_EQ(matched_line(r, tcp("::ffff:10.2.3.4", "d", "u")), 1);
  EXPECT_EQ(matched_line(r, tcp("::ffff:11.2.3.4", "d", "u")), 0);
  auto mapped_rule = rules("host all all ::ffff:10.0.0.0/104 trust\n");
  EXPECT_EQ(matched_line(mapped_rule, tcp("10.2.3.4", "d", "u")), 1);
}

TEST(HbaMatch, TcpClientWithoutAddressOnlyMatchesAll) {
  auto r = rules(
      "host all all 10.0.0.0/8 trust\n"
      "host all all all md5\n");
  ClientInfo client{false, false, std::nullopt, "d", "u"};
  EXPECT_EQ(matched_line(r, client), 2);
}

TEST(HbaMatch, NoMatchReturnsNull) {
  auto r = rules("host db1 u1 10.0.0.0/8 trust\n");
  EXPECT_EQ(r.match(tcp("10.0.0.1", "db2", "u1")), nullptr);
  EXPECT_EQ(r.match(tcp("10.0.0.1", "db1", "u2")), nullptr);
  EXPECT_EQ(r.match(tcp("11.0.0.1", "db1", "u1")), nullptr);
  EXPECT_NE(r.match(tcp("10.0.0.1", "db1", "u1")), nullptr);
}

}  // namespace
}  // namespace pgw::auth
