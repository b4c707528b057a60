// Byte-exact checks against hand-written wire bytes, as PostgreSQL 15 and libpq send them.
#include <string_view>

#include <gtest/gtest.h>

#include "protocol/backend.hpp"
#include "protocol/error_fields.hpp"
#include "protocol/frontend.hpp"
#include "protocol/sqlstate.hpp"
#include "test_util.hpp"

namespace pgw::protocol {
namespace {

using namespace std::literals;
using testing::only_frame;
using testing::text;
using testing::wire;

template <class Message>
Bytes encoded(const Message& message) {
  Bytes out;
  encode(message, out);
  return out;
}

TEST(WireBytes, Query) {
  const Bytes bytes = wire("Q\0\0\0\x0dSELECT 1\0"sv);
  EXPECT_EQ(encoded(Query{"SELECT 1"}), bytes);
  const Frame frame = only_frame(bytes);
  const auto decoded = decode_frontend(frame.type, frame.body);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<Query>(*decoded).sql, "SELECT 1");
}

TEST(WireBytes, LibpqExtendedQuery) {
  // PQexecParams(conn, "SELECT $1", 1, NULL, {"42"}, NULL, NULL, 0).
  const Bytes parse = wire("P\0\0\0\x11\0SELECT $1\0\0\0"sv);
  const Bytes bind = wire(
      "B\0\0\0\x14\0\0\0\0\0\x01\0\0\0\x02"
      "42\0\x01\0\0"sv);
  EXPECT_EQ(encoded(Parse{"", "SELECT $1", {}}), parse);
  const auto decoded = decode_frontend('B', only_frame(bind).body);
  ASSERT_TRUE(decoded) << decoded.error().message;
  const Bind& msg = std::get<Bind>(*decoded);
  EXPECT_TRUE(msg.param_formats.empty());
  ASSERT_EQ(msg.params.size(), 1U);
  EXPECT_EQ(text(msg.params[0].value()), "42");
  EXPECT_EQ(msg.result_formats, (std::vector<std::int16_t>{0}));
  EXPECT_EQ(encoded(msg), bind);
  EXPECT_EQ(encoded(Describe{'P', ""}), wire("D\0\0\0\x06P\0"sv));
  EXPECT_EQ(encoded(Execute{"", 0}), wire("E\0\0\0\x09\0\0\0\0\0"sv));
  EXPECT_EQ(encoded(Sync{}), wire("S\0\0\0\x04"sv));
  EXPECT_EQ(encoded(Terminate{}), wire("X\0\0\0\x04"sv));
}

TEST(WireBytes, ReadyForQueryIdle) {
  const Bytes bytes = wire("Z\0\0\0\x05I"sv);
  EXPECT_EQ(encoded(ReadyForQuery{TransactionStatus::kIdle}), bytes);
  const auto decoded = decode_backend('Z', only_frame(bytes).body);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<ReadyForQuery>(*decoded).status, TransactionStatus::kIdle);
  EXPECT_EQ(encoded(ReadyForQuery{TransactionStatus::kFailed}), wire("Z\0\0\0\x05"
                                                                     "E"sv));
}

TEST(WireBytes, SelectOneResult) {
  EXPECT_EQ(encoded(RowDescription{{{"?column?", 0, 0, 23, 4, -1, 0}}}),
            wire("T\0\0\0\x21\0\x01?column?\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0"sv));
  EXPECT_EQ(encoded(DataRow{{as_bytes("1"), std::nullopt}}), wire("D\0\0\0\x0f\0\x02\0\0\0\x01"
                                                                  "1\xff\xff\xff\xff"sv));
  EXPECT_EQ(encoded(CommandComplete{"SELECT 1"}), wire("C\0\0\0\x0dSELECT 1\0"sv));
}

TEST(WireBytes, SessionStart) {
  EXPECT_EQ(encoded(AuthenticationSasl{{"SCRAM-SHA-256"}}),
            wire("R\0\0\0\x17\0\0\0\x0aSCRAM-SHA-256\0\0"sv));
  EXPECT_EQ(encoded(AuthenticationMd5Password{{0xde, 0xad, 0xbe, 0xef}}),
            wire("R\0\0\0\x0c\0\0\0\x05\xde\xad\xbe\xef"sv));
  EXPECT_EQ(encoded(AuthenticationOk{}), wire("R\0\0\0\x08\0\0\0\0"sv));
  EXPECT_EQ(encoded(ParameterStatus{"client_encoding", "UTF8"}), wire("S\0\0\0\x19"
                                                                      "client_encoding\0UTF8\0"sv));
  EXPECT_EQ(encoded(BackendKeyData{0x1234, -1}), wire("K\0\0\0\x0c\0\0\x12\x34\xff\xff\xff\xff"sv));
}

TEST(WireBytes, ErrorResponseFromPostgres) {
  const Bytes bytes = wire(
      "E\0\0\0\x63SFATAL\0VFATAL\0C28P01\0"
      "Mpassword authentication failed for user \"bob\"\0Fauth.c\0L335\0Rauth_failed\0\0"sv);
  const auto decoded = decode_backend('E', only_frame(bytes).body);
  ASSERT_TRUE(decoded) << decoded.error().message;
  const ErrorFields& fields = std::get<ErrorResponse>(*decoded).fields;
  EXPECT_EQ(fields.severity(), "FATAL");
  EXPECT_EQ(fields.sqlstate(), sqlstate::kInvalidPassword);
  EXPECT_EQ(fields.message(), "password authentication failed for user \"bob\"");
  EXPECT_EQ(fields.get('L'), "335");
  EXPECT_EQ(fields.get('R'), "auth_failed");
  EXPECT_EQ(fields.get('D'), "");
}

TEST(WireBytes, ErrorBuilderWritesWhatPostgresWrites) {
  Bytes out;
  ErrorBuilder(Severity::kFatal, sqlstate::kInvalidPassword,
               "password authentication failed for user \"bob\"")
      .encode_error(out);
  EXPECT_EQ(out, wire("E\0\0\0\x49SFATAL\0VFATAL\0C28P01\0"
                      "Mpassword authentication failed for user \"bob\"\0\0"sv));
}

TEST(WireBytes, NoticeWithDetailAndHint) {
  Bytes out;
  ErrorBuilder(Severity::kNotice, "00000", "hi").detail("d").hint("h").encode_notice(out);
  EXPECT_EQ(out, wire("N\0\0\0\x26SNOTICE\0VNOTICE\0C00000\0Mhi\0"
                      "Dd\0Hh\0\0"sv));
}

}  // namespace
}  // namespace pgw::protocol
