#include "protocol/backend.hpp"

#include <deque>
#include <string_view>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace pgw::protocol {
namespace {

using namespace std::literals;
using testing::error_of;
using testing::text;
using testing::wire;

const auto kDecode = [](char type, ByteView body) { return decode_backend(type, body); };

// Decoded messages view the bytes they came from: the fixture keeps every encoding alive
// until the test ends (a deque never moves its elements).
class BackendRoundTrip : public ::testing::Test {
 protected:
  template <class Message>
  Message round_trip(const Message& original) {
    return testing::round_trip(original, buffers_.emplace_back(), kDecode);
  }

 private:
  std::deque<Bytes> buffers_;
};

TEST_F(BackendRoundTrip, Authentication) {
  round_trip(AuthenticationOk{});
  round_trip(AuthenticationCleartextPassword{});
  EXPECT_EQ(round_trip(AuthenticationMd5Password{{1, 2, 0xfe, 0xff}}).salt,
            (std::array<std::uint8_t, 4>{1, 2, 0xfe, 0xff}));
  const auto sasl = round_trip(AuthenticationSasl{{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}});
  EXPECT_EQ(sasl.mechanisms,
            (std::vector<std::string_view>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}));
  EXPECT_EQ(text(round_trip(AuthenticationSaslContinue{as_bytes("r=abc,s=c2FsdA==,i=4096")}).data),
            "r=abc,s=c2FsdA==,i=4096");
  EXPECT_EQ(text(round_trip(AuthenticationSaslFinal{as_bytes("v=xyz")}).data), "v=xyz");
  for (const std::int32_t code : {2, 6, 7, 8, 9, 42}) {
    EXPECT_EQ(round_trip(AuthenticationOther{code}).code, code);
  }
}

TEST_F(BackendRoundTrip, SessionSetup) {
  const auto status = round_trip(ParameterStatus{"server_version", "15.6"});
  EXPECT_EQ(status.name, "server_version");
  EXPECT_EQ(status.value, "15.6");
  const auto key = round_trip(BackendKeyData{4242, -123456});
  EXPECT_EQ(key.process_id, 4242);
  EXPECT_EQ(key.secret_key, -123456);
  for (const auto s :
       {TransactionStatus::kIdle, TransactionStatus::kInTransaction, TransactionStatus::kFailed}) {
    EXPECT_EQ(round_trip(ReadyForQuery{s}).status, s);
  }
  const auto negotiate = round_trip(NegotiateProtocolVersion{0, {"_pq_.a", "_pq_.b"}});
  EXPECT_EQ(negotiate.newest_minor, 0);
  EXPECT_EQ(negotiate.unrecognized_options, (std::vector<std::string_view>{"_pq_.a", "_pq_.b"}));
  EXPECT_TRUE(round_trip(NegotiateProtocolVersion{2, {}}).unrecognized_options.empty());
}

TEST_F(BackendRoundTrip, QueryResults) {
  RowDescription description;
  description.fields = {{"id", 16384, 1, 23, 4, -1, 0}, {"?column?", 0, 0, 25, -1, -1, 1}};
  const auto decoded = round_trip(description);
  ASSERT_EQ(decoded.fields.size(), 2U);
  EXPECT_EQ(decoded.fields[0].name, "id");
  EXPECT_EQ(decoded.fields[0].table_oid, 16384U);
  EXPECT_EQ(decoded.fields[0].column, 1);
  EXPECT_EQ(decoded.fields[1].type_oid, 25U);
  EXPECT_EQ(decoded.fields[1].type_size, -1);
  EXPECT_EQ(decoded.fields[1].type_modifier, -1);
  EXPECT_EQ(decoded.fields[1].format, 1);

  const auto row = round_trip(DataRow{{as_bytes("42"), std::nullopt, as_bytes("")}});
  ASSERT_EQ(row.columns.size(), 3U);
  EXPECT_EQ(text(row.columns[0].value()), "42");
  EXPECT_FALSE(row.columns[1]);
  EXPECT_TRUE(row.columns[2].value().empty());

  EXPECT_EQ(round_trip(CommandComplete{"INSERT 0 1"}).tag, "INSERT 0 1");
  round_trip(EmptyQueryResponse{});
  round_trip(ParseComplete{});
  round_trip(BindComplete{});
  round_trip(CloseComplete{});
  round_trip(NoData{});
  round_trip(PortalSuspended{});
  EXPECT_EQ(round_trip(ParameterDescription{{23, 25, 0xffffffffU}}).type_oids,
            (std::vector<std::uint32_t>{23, 25, 0xffffffffU}));
}

TEST_F(BackendRoundTrip, ErrorsNoticesNotifications) {
  ErrorFields fields;
  fields.fields = {{'S', "ERROR"}, {'V', "ERROR"},
                   {'C', "42P01"}, {'M', "relation \"x\" does not exist"},
                   {'P', "15"},    {'F', "parse_relation.c"},
                   {'L', "1392"}};
  const auto error = round_trip(ErrorResponse{fields});
  EXPECT_EQ(error.fields.sqlstate(), "42P01");
  EXPECT_EQ(error.fields.get('P'), "15");
  EXPECT_EQ(error.fields.fields.size(), 7U);
  EXPECT_EQ(round_trip(NoticeResponse{fields}).fields.message(), "relation \"x\" does not exist");
  EXPECT_TRUE(round_trip(ErrorResponse{}).fields.fields.empty());

  const auto notification = round_trip(NotificationResponse{77, "jobs", "{\"id\":1}"});
  EXPECT_EQ(notification.process_id, 77);
  EXPECT_EQ(notification.channel, "jobs");
  EXPECT_EQ(notification.payload, "{\"id\":1}");
}

TEST_F(BackendRoundTrip, CopyAndFunctionCall) {
  const auto in = round_trip(CopyInResponse{1, {1, 1}});
  EXPECT_EQ(in.format, 1);
  EXPECT_EQ(in.column_formats, (std::vector<std::int16_t>{1, 1}));
  EXPECT_EQ(round_trip(CopyOutResponse{0, {0, 0, 0}}).column_formats.size(), 3U);
  EXPECT_EQ(round_trip(CopyBothResponse{0, {}}).format, 0);
  EXPECT_EQ(text(round_trip(CopyData{as_bytes("row\n")}).data), "row\n");
  round_trip(CopyDone{});
  EXPECT_EQ(text(round_trip(FunctionCallResponse{as_bytes("t")}).value.value()), "t");
  EXPECT_FALSE(round_trip(FunctionCallResponse{std::nullopt}).value);
}

TEST(BackendDecode, AuthenticationOtherKeepsOnlyTheCode) {
  // AuthenticationGSSContinue carries data; an unknown code is passed up for a clear refusal.
  auto gss = decode_backend('R', wire("\0\0\0\x08token"sv));
  ASSERT_TRUE(gss) << gss.error().message;
  EXPECT_EQ(std::get<AuthenticationOther>(*gss).code, 8);
  auto unknown = decode_backend('R', wire("\0\0\0\x63"sv));
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_EQ(std::get<AuthenticationOther>(*unknown).code, 99);
}

TEST(BackendDecode, EncodeBackendVisitsTheVariant) {
  Bytes direct;
  encode(CommandComplete{"SELECT 3"}, direct);
  Bytes visited;
  encode_backend(BackendMessage{CommandComplete{"SELECT 3"}}, visited);
  EXPECT_EQ(visited, direct);
}

struct MalformedCase {
  char type;
  std::string_view body;
  std::string_view error_part;
};

class BackendMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(BackendMalformed, IsRejected) {
  const MalformedCase& c = GetParam();
  const std::string error = error_of(kDecode, c.type, wire(c.body));
  EXPECT_NE(error.find(c.error_part), std::string::npos)
      << "type " << c.type << ": got \"" << error << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BackendMalformed,
    ::testing::Values(
        MalformedCase{'R', ""sv, "malformed Authentication message: no request code"},
        MalformedCase{'R', "\0\0\0"sv, "no request code"},
        MalformedCase{'R', "\0\0\0\0\0"sv, "malformed AuthenticationOk message: unexpected data"},
        MalformedCase{'R', "\0\0\0\x03x"sv, "AuthenticationCleartextPassword message: unexpected"},
        MalformedCase{'R', "\0\0\0\x05\x01\x02\x03"sv, "AuthenticationMD5Password message: salt"},
        MalformedCase{'R', "\0\0\0\x05\x01\x02\x03\x04\x05"sv, "MD5Password message: unexpected"},
        MalformedCase{'R', "\0\0\0\x0aSCRAM-SHA-256\0"sv, "AuthenticationSASL message: mechanism"},
        MalformedCase{'R', "\0\0\0\x0aSCRAM"sv,
                      "AuthenticationSASL message: mechanism list is not"},
        MalformedCase{'R', "\0\0\0\x0aSCRAM-SHA-256\0\0x"sv, "AuthenticationSASL message: unexp"},
        MalformedCase{'R', "\0\0\0\x07\0"sv, "malformed Authentication message: unexpected data"},
        MalformedCase{'S', "name\0"sv, "ParameterStatus message: value is not NUL-terminated"},
        MalformedCase{'S', "name\0value\0\0"sv, "ParameterStatus message: unexpected data"},
        MalformedCase{'K', "\0\0\0\x01\0\0\0"sv, "BackendKeyData message: secret key is truncated"},
        MalformedCase{'K', "\0\0\0\x01\0\0\0\x02\0"sv, "BackendKeyData message: unexpected data"},
        MalformedCase{'Z', ""sv, "ReadyForQuery message: status is truncated"},
        MalformedCase{'Z', "X"sv, "ReadyForQuery message: status 'X' is not 'I', 'T' or 'E'"},
        MalformedCase{'Z', "II"sv, "ReadyForQuery message: unexpected data"},
        MalformedCase{'T', "\0\x01id\0\0\0\0\0\0\x01\0\0\0\x17\0\x04\xff\xff"sv,
                      "RowDescription message: field count 1 exceeds"},
        MalformedCase{'T', "\0\x01id\0\0\0\0\0\0\x01\0\0\0\x17\0\x04\xff\xff\xff\xff\0"sv,
                      "RowDescription message: format is truncated"},
        MalformedCase{'T', "\0\x01id\0\0\0\0\0\0\x01\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0\0"sv,
                      "RowDescription message: unexpected data"},
        MalformedCase{'T', "\xff\xff"sv, "field count 65535 exceeds"},
        MalformedCase{'T',
                      "\0\x01"
                      "abcdefghijklmnopqrstu"sv,
                      "field name is not NUL-terminated"},
        MalformedCase{'D', "\0\x01\xff\xff\xff\xfe"sv, "DataRow message: column has negative"},
        MalformedCase{'D',
                      "\0\x01\0\0\0\x03"
                      "ab"sv,
                      "DataRow message: column is truncated"},
        MalformedCase{'D', "\0\x02\0\0\0\x01x"sv, "DataRow message: column count 2 exceeds"},
        MalformedCase{'D', "\0\x01\0\0\0\x01xy"sv, "DataRow message: unexpected data"},
        MalformedCase{'D', "\x80\0"sv, "DataRow message: column count 32768 exceeds"},
        MalformedCase{'C', "SELECT 1"sv, "CommandComplete message: command tag is not NUL"},
        MalformedCase{'E', ""sv, "ErrorResponse message: field list terminator is truncated"},
        MalformedCase{'E', "SERROR\0"sv, "ErrorResponse message: field list terminator is trunc"},
        MalformedCase{'E', "SERROR"sv, "ErrorResponse message: field value is not NUL-term"},
        MalformedCase{'E', "SERROR\0\0x"sv, "ErrorResponse message: unexpected data"},
        MalformedCase{'N', "M"sv, "NoticeResponse message: field value is not NUL-terminated"},
        MalformedCase{'A',
                      "\0\0\0\x01"
                      "chan\0"sv,
                      "NotificationResponse message: payload"},
        MalformedCase{'A', "\0\0"sv, "NotificationResponse message: process id is truncated"},
        MalformedCase{'t', "\0\x02\0\0\0\x17"sv, "ParameterDescription message: parameter count"},
        MalformedCase{'t', "\0\x01\0\0\0\x17\0"sv, "ParameterDescription message: unexpected"},
        MalformedCase{'G', ""sv, "CopyInResponse message: format is truncated"},
        MalformedCase{'G', "\0\0\x02\0\0"sv, "CopyInResponse message: column count 2 exceeds"},
        MalformedCase{'H', "\0\0"sv, "CopyOutResponse message: column count is truncated"},
        MalformedCase{'W', "\0\0\0\0"sv, "CopyBothResponse message: unexpected data"},
        MalformedCase{'V', "\xff\xff\xff\xfd"sv, "FunctionCallResponse message: result value has"},
        MalformedCase{'V', "\0\0\0\x02x"sv, "FunctionCallResponse message: result value is trunc"},
        MalformedCase{'V', "\xff\xff\xff\xff\0"sv, "FunctionCallResponse message: unexpected"},
        MalformedCase{'v', "\0\0\0\0\xff\xff\xff\xff"sv, "option count is negative"},
        MalformedCase{'v', "\0\0\0\0\0\0\0\x03x\0"sv, "option count 3 exceeds"},
        MalformedCase{'v', "\0\0\0\0\0\0\0\x01x"sv, "option name is not NUL-terminated"},
        MalformedCase{'v', "\0\0\0\0\0\0\0\x01x\0y"sv, "NegotiateProtocolVersion message: unexp"},
        MalformedCase{'1', "x"sv, "malformed ParseComplete message"},
        MalformedCase{'2', "x"sv, "malformed BindComplete message"},
        MalformedCase{'3', "x"sv, "malformed CloseComplete message"},
        MalformedCase{'n', "x"sv, "malformed NoData message"},
        MalformedCase{'s', "x"sv, "malformed PortalSuspended message"},
        MalformedCase{'I', "x"sv, "malformed EmptyQueryResponse message"},
        MalformedCase{'c', "x"sv, "malformed CopyDone message"},
        MalformedCase{'Q', ""sv, "invalid backend message type 'Q'"}));

}  // namespace
}  // namespace pgw::protocol
