#include "protocol/startup.hpp"

#include <string_view>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace pgw::protocol {
namespace {

using namespace std::literals;
using testing::wire;

// The body of a startup packet: the version word, then `parameters` as written.
Bytes startup_body(std::string_view version, std::string_view parameters) {
  return wire(std::string(version) + std::string(parameters));
}

std::string decode_error(const Bytes& body) {
  const auto decoded = decode_startup_packet(body);
  return decoded ? "<decoded>" : decoded.error().message;
}

StartupMessage decode_startup_message(const Bytes& body) {
  auto decoded = decode_startup_packet(body);
  EXPECT_TRUE(decoded) << (decoded ? "" : decoded.error().message);
  if (!decoded || !std::holds_alternative<StartupMessage>(*decoded)) return {};
  return std::get<StartupMessage>(*decoded);
}

TEST(StartupPacket, DecodesParametersInOrder) {
  const auto msg = decode_startup_message(startup_body(
      "\0\x03\0\0"sv, "user\0bob\0database\0db1\0_pq_.compress\0on\0options\0-c x=1\0\0"sv));
  EXPECT_EQ(msg.major_version, 3);
  EXPECT_EQ(msg.minor_version, 0);
  ASSERT_EQ(msg.parameters.size(), 4U);
  EXPECT_EQ(msg.parameters[0], (std::pair<std::string, std::string>{"user", "bob"}));
  EXPECT_EQ(msg.parameters[2].first, "_pq_.compress");
  EXPECT_EQ(msg.parameters[3].second, "-c x=1");
  ASSERT_NE(msg.find("database"), nullptr);
  EXPECT_EQ(*msg.find("database"), "db1");
  EXPECT_EQ(msg.find("application_name"), nullptr);
}

TEST(StartupPacket, LastRepeatedParameterWins) {
  const auto msg = decode_startup_message(startup_body("\0\x03\0\0"sv, "user\0a\0user\0b\0\0"sv));
  ASSERT_NE(msg.find("user"), nullptr);
  EXPECT_EQ(*msg.find("user"), "b");
}

TEST(StartupPacket, AcceptsANewerMinorVersion) {
  const auto msg = decode_startup_message(startup_body("\0\x03\0\x02"sv, "user\0bob\0\0"sv));
  EXPECT_EQ(msg.major_version, 3);
  EXPECT_EQ(msg.minor_version, 2);
}

TEST(StartupPacket, RejectsOtherMajorVersions) {
  EXPECT_EQ(decode_error(startup_body("\0\x02\0\0"sv, "user\0bob\0\0"sv)),
            "unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
  EXPECT_EQ(decode_error(startup_body("\0\x04\0\x01"sv, "user\0bob\0\0"sv)),
            "unsupported frontend protocol 4.1: server supports 3.0 to 3.0");
  // 1234.5681 is not one of the special request codes.
  EXPECT_EQ(decode_error(wire("\x04\xd2\x16\x31"sv)),
            "unsupported frontend protocol 1234.5681: server supports 3.0 to 3.0");
}

TEST(StartupPacket, RejectsBadLayouts) {
  const auto v3 = "\0\x03\0\0"sv;
  const auto terminator = "invalid startup packet layout: expected terminator as last byte"s;
  EXPECT_EQ(decode_error(startup_body(v3, ""sv)), terminator);
  EXPECT_EQ(decode_error(startup_body(v3, "user\0bob\0"sv)), terminator);
  EXPECT_EQ(decode_error(startup_body(v3, "user\0bob\0data"sv)), terminator);
  EXPECT_EQ(decode_error(startup_body(v3, "user\0bob\0database\0"sv)),
            "invalid startup packet layout: parameter \"database\" has no value");
  EXPECT_EQ(decode_error(startup_body(v3, "user\0bob\0\0x\0y\0\0"sv)),
            "invalid startup packet layout: empty parameter name");
  EXPECT_EQ(decode_error(startup_body(v3, "user\0bob\0\0\0"sv)),
            "invalid startup packet layout: empty parameter name");
  EXPECT_EQ(decode_error(wire("\0\x03\0"sv)), "invalid length of startup packet");
}

TEST(StartupPacket, RequiresAUser) {
  const auto v3 = "\0\x03\0\0"sv;
  const auto no_user = "no PostgreSQL user name specified in startup packet"s;
  EXPECT_EQ(decode_error(startup_body(v3, "\0"sv)), no_user);
  EXPECT_EQ(decode_error(startup_body(v3, "database\0db\0\0"sv)), no_user);
  EXPECT_EQ(decode_error(startup_body(v3, "user\0\0\0"sv)), no_user);
}

TEST(StartupPacket, DecodesSpecialRequests) {
  auto ssl = decode_startup_packet(wire("\x04\xd2\x16\x2f"sv));
  ASSERT_TRUE(ssl);
  EXPECT_TRUE(std::holds_alternative<SslRequest>(*ssl));
  auto gss = decode_startup_packet(wire("\x04\xd2\x16\x30"sv));
  ASSERT_TRUE(gss);
  EXPECT_TRUE(std::holds_alternative<GssEncRequest>(*gss));
  auto cancel = decode_startup_packet(wire("\x04\xd2\x16\x2e\0\0\x30\x39\xde\xad\xbe\xef"sv));
  ASSERT_TRUE(cancel);
  ASSERT_TRUE(std::holds_alternative<CancelRequest>(*cancel));
  EXPECT_EQ(std::get<CancelRequest>(*cancel).process_id, 12345);
  EXPECT_EQ(std::get<CancelRequest>(*cancel).secret_key, static_cast<std::int32_t>(0xdeadbeef));
}

TEST(StartupPacket, RejectsSpecialRequestsOfTheWrongLength) {
  EXPECT_EQ(decode_error(wire("\x04\xd2\x16\x2f\0"sv)), "invalid length of SSL request packet");
  EXPECT_EQ(decode_error(wire("\x04\xd2\x16\x30\0\0\0\0"sv)),
            "invalid length of GSSAPI encryption request");
  EXPECT_EQ(decode_error(wire("\x04\xd2\x16\x2e\0\0\0\x01"sv)),
            "invalid length of cancel request packet");
  EXPECT_EQ(decode_error(wire("\x04\xd2\x16\x2e\0\0\0\x01\0\0\0\x02\0"sv)),
            "invalid length of cancel request packet");
}

template <class Packet>
Packet startup_round_trip(const Packet& original, Bytes& bytes) {
  encode(original, bytes);
  const auto frame = next_startup_frame(bytes, kMaxStartupPacketSize);
  EXPECT_EQ(frame.status, FrameStatus::kComplete) << frame.error;
  EXPECT_EQ(frame.frame.size, bytes.size());
  auto decoded = decode_startup_packet(frame.frame.body);
  EXPECT_TRUE(decoded) << (decoded ? "" : decoded.error().message);
  if (!decoded || !std::holds_alternative<Packet>(*decoded)) return {};
  return std::get<Packet>(*decoded);
}

TEST(StartupPacket, RoundTripsEveryPacket) {
  StartupMessage startup;
  startup.minor_version = 2;
  startup.parameters = {{"user", "alice"}, {"database", "app"}, {"application_name", ""}};
  Bytes bytes;
  const auto decoded = startup_round_trip(startup, bytes);
  EXPECT_EQ(decoded.minor_version, 2);
  EXPECT_EQ(decoded.parameters, startup.parameters);

  Bytes ssl;
  startup_round_trip(SslRequest{}, ssl);
  EXPECT_EQ(ssl, wire("\0\0\0\x08\x04\xd2\x16\x2f"sv));
  Bytes gss;
  startup_round_trip(GssEncRequest{}, gss);
  EXPECT_EQ(gss, wire("\0\0\0\x08\x04\xd2\x16\x30"sv));
  Bytes cancel;
  const auto key = startup_round_trip(CancelRequest{-7, 99}, cancel);
  EXPECT_EQ(key.process_id, -7);
  EXPECT_EQ(key.secret_key, 99);
  EXPECT_EQ(cancel, wire("\0\0\0\x10\x04\xd2\x16\x2e\xff\xff\xff\xf9\0\0\0\x63"sv));
}

TEST(StartupPacket, EncodesLikeLibpq) {
  StartupMessage startup;
  startup.parameters = {{"user", "bob"}, {"database", "db"}};
  Bytes bytes;
  encode(startup, bytes);
  EXPECT_EQ(bytes, wire("\0\0\0\x1e\0\x03\0\0user\0bob\0database\0db\0\0"sv));
}

}  // namespace
}  // namespace pgw::protocol
