#include "protocol/frontend.hpp"

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

const auto kDecode = [](char type, ByteView body) { return decode_frontend(type, body); };

// Decoded messages view the bytes they came from: the fixture keeps every encoding alive
// until the test ends (a deque never moves its elements).
class FrontendRoundTrip : public ::testing::Test {
 protected:
  template <class Message>
  Message round_trip(const Message& original) {
    return testing::round_trip(original, buffers_.emplace_back(), kDecode);
  }

 private:
  std::deque<Bytes> buffers_;
};

TEST_F(FrontendRoundTrip, SimpleQueryAndEmptyMessages) {
  EXPECT_EQ(round_trip(Query{"SELECT 1"}).sql, "SELECT 1");
  EXPECT_EQ(round_trip(Query{""}).sql, "");
  round_trip(Sync{});
  round_trip(Flush{});
  round_trip(Terminate{});
  round_trip(CopyDone{});
}

TEST_F(FrontendRoundTrip, Parse) {
  const auto msg = round_trip(Parse{"s1", "SELECT $1, $2", {23, 0}});
  EXPECT_EQ(msg.name, "s1");
  EXPECT_EQ(msg.sql, "SELECT $1, $2");
  EXPECT_EQ(msg.param_types, (std::vector<std::uint32_t>{23, 0}));
  EXPECT_TRUE(round_trip(Parse{"", "SELECT 1", {}}).param_types.empty());
  // OIDs are unsigned 32-bit.
  EXPECT_EQ(round_trip(Parse{"", "x", {0xfffffff0U}}).param_types[0], 0xfffffff0U);
}

TEST_F(FrontendRoundTrip, Bind) {
  const Bytes value = wire("\0\0\0\x2a"sv);
  Bind bind{"portal", "stmt", {1}, {ByteView(value), std::nullopt, as_bytes("")}, {0, 1}};
  const auto msg = round_trip(bind);
  EXPECT_EQ(msg.portal, "portal");
  EXPECT_EQ(msg.statement, "stmt");
  EXPECT_EQ(msg.param_formats, (std::vector<std::int16_t>{1}));
  ASSERT_EQ(msg.params.size(), 3U);
  ASSERT_TRUE(msg.params[0]);
  EXPECT_EQ(text(*msg.params[0]), text(value));
  EXPECT_FALSE(msg.params[1]);
  ASSERT_TRUE(msg.params[2]);
  EXPECT_TRUE(msg.params[2]->empty());
  EXPECT_EQ(msg.result_formats, (std::vector<std::int16_t>{0, 1}));
  EXPECT_TRUE(round_trip(Bind{}).params.empty());
}

TEST_F(FrontendRoundTrip, DescribeExecuteClose) {
  const auto describe = round_trip(Describe{'P', "cursor"});
  EXPECT_EQ(describe.kind, 'P');
  EXPECT_EQ(describe.name, "cursor");
  const auto execute = round_trip(Execute{"", 100});
  EXPECT_EQ(execute.portal, "");
  EXPECT_EQ(execute.max_rows, 100);
  const auto close = round_trip(Close{'S', "s1"});
  EXPECT_EQ(close.kind, 'S');
  EXPECT_EQ(close.name, "s1");
}

TEST_F(FrontendRoundTrip, CopyMessages) {
  const Bytes data = wire("1\tone\n\0binary"sv);
  EXPECT_EQ(text(round_trip(CopyData{data}).data), text(data));
  EXPECT_TRUE(round_trip(CopyData{}).data.empty());
  EXPECT_EQ(round_trip(CopyFail{"aborted by user"}).message, "aborted by user");
}

TEST_F(FrontendRoundTrip, FunctionCall) {
  const auto msg = round_trip(FunctionCall{1598, {0, 1}, {as_bytes("x"), std::nullopt}, 1});
  EXPECT_EQ(msg.function_oid, 1598U);
  EXPECT_EQ(msg.arg_formats, (std::vector<std::int16_t>{0, 1}));
  ASSERT_EQ(msg.args.size(), 2U);
  EXPECT_EQ(text(msg.args[0].value()), "x");
  EXPECT_FALSE(msg.args[1]);
  EXPECT_EQ(msg.result_format, 1);
}

TEST_F(FrontendRoundTrip, EncodeFrontendVisitsTheVariant) {
  Bytes direct;
  encode(Execute{"p", 5}, direct);
  Bytes visited;
  encode_frontend(FrontendMessage{Execute{"p", 5}}, visited);
  EXPECT_EQ(visited, direct);
}

TEST(FrontendDecode, ViewsPointIntoTheBody) {
  const Bytes body = wire("SELECT 1\0"sv);
  const auto decoded = decode_frontend('Q', body);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(static_cast<const void*>(std::get<Query>(*decoded).sql.data()),
            static_cast<const void*>(body.data()));
}

struct MalformedCase {
  char type;
  std::string_view body;
  std::string_view error_part;
};

class FrontendMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(FrontendMalformed, IsRejected) {
  const MalformedCase& c = GetParam();
  const std::string error = error_of(kDecode, c.type, wire(c.body));
  EXPECT_NE(error.find(c.error_part), std::string::npos)
      << "type " << c.type << ": got \"" << error << "\"";
}

// Body bytes are written as ""sv literals so that embedded NULs count.
INSTANTIATE_TEST_SUITE_P(
    Cases, FrontendMalformed,
    ::testing::Values(
        MalformedCase{'Q', ""sv, "malformed Query message: query string is not NUL-terminated"},
        MalformedCase{'Q', "SELECT 1"sv, "query string is not NUL-terminated"},
        MalformedCase{'Q', "SELECT 1\0x"sv, "Query message: unexpected data after the last"},
        MalformedCase{'P', "s\0"sv, "Parse message: query string is not NUL-terminated"},
        MalformedCase{'P', "s\0q\0"sv, "Parse message: parameter type count is truncated"},
        MalformedCase{'P', "s\0q\0\0\x02\0\0\0\x17"sv, "Parse message: parameter type count 2"},
        MalformedCase{'P', "s\0q\0\xff\xff\0\0\0\x17"sv, "parameter type count 65535 exceeds"},
        MalformedCase{'P', "s\0q\0\0\x01\0\0\0\x17\0"sv, "Parse message: unexpected data"},
        MalformedCase{'B', "\0"sv, "Bind message: statement name is not NUL-terminated"},
        MalformedCase{'B', "\0\0"sv, "Bind message: parameter format is truncated"},
        MalformedCase{'B', "\0\0\0\x01\0"sv, "Bind message: parameter format 1 exceeds"},
        MalformedCase{'B', "\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"sv, "parameter value has negative"},
        MalformedCase{'B',
                      "\0\0\0\0\0\x01\0\0\0\x07"
                      "abcd\0\0"sv,
                      "parameter value is truncated"},
        MalformedCase{'B', "\0\0\0\0\x7f\xff\0\0\0\0"sv, "parameter value 32767 exceeds"},
        MalformedCase{'B', "\0\0\0\0\0\x01\0\0\0\0"sv, "Bind message: result format is truncated"},
        MalformedCase{'B', "\0\0\0\x02\0\0\0\0\0\x01\xff\xff\xff\xff\0\0"sv,
                      "Bind message: 2 format codes for 1 values"},
        MalformedCase{'B', "\0\0\0\0\0\0\0\0\0"sv, "Bind message: unexpected data"},
        MalformedCase{'D', ""sv, "Describe message: kind is truncated"},
        MalformedCase{'D', "X\0"sv, "Describe message: kind 'X' is not 'S' or 'P'"},
        MalformedCase{'D', "Sname"sv, "Describe message: name is not NUL-terminated"},
        MalformedCase{'C', "p\0"sv, "Close message: kind 'p' is not 'S' or 'P'"},
        MalformedCase{'C', "P\0\0"sv, "Close message: unexpected data"},
        MalformedCase{'E', "\0\0\0\0"sv, "Execute message: row limit is truncated"},
        MalformedCase{'E', "\0\0\0\0\0\0"sv, "Execute message: unexpected data"},
        MalformedCase{'S', "\0"sv, "malformed Sync message: unexpected data"},
        MalformedCase{'H', "x"sv, "malformed Flush message"},
        MalformedCase{'X', "x"sv, "malformed Terminate message"},
        MalformedCase{'c', "x"sv, "malformed CopyDone message"},
        MalformedCase{'f', "oops"sv, "CopyFail message: error message is not NUL-terminated"},
        MalformedCase{'F', "\0\0\x06\x3e\0\0\0\0"sv, "FunctionCall message: result format is"},
        MalformedCase{'F', "\0\0\x06\x3e\0\x02\0\0\0\0\0\x01\xff\xff\xff\xff\0\0"sv,
                      "FunctionCall message: 2 format codes for 1 values"},
        MalformedCase{'F', "\0\0\x06\x3e\0\0\0\x01\0\0\0\x09\0\0"sv, "argument value is trunc"},
        MalformedCase{'F', "\0\0\x06"sv, "FunctionCall message: function oid is truncated"},
        MalformedCase{'p', "secret\0"sv, "unexpected authentication message 'p'"},
        MalformedCase{'z', ""sv, "invalid frontend message type 'z'"},
        MalformedCase{'\x01', ""sv, "invalid frontend message type 0x01"}));

TEST(FrontendDecode, BindAcceptsOneFormatForManyValues) {
  const Bytes body = wire(
      "\0\0\0\x01\0\x01\0\x02\xff\xff\xff\xff"
      "\0\0\0\0\0\0"sv);
  const auto decoded = decode_frontend('B', body);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(std::get<Bind>(*decoded).params.size(), 2U);
}

TEST(PasswordMessages, RoundTrip) {
  Bytes bytes;
  encode(PasswordMessage{"md5abc"}, bytes);
  EXPECT_EQ(bytes, wire("p\0\0\0\x0bmd5abc\0"sv));
  const auto password = decode_password_message(testing::only_frame(bytes).body);
  ASSERT_TRUE(password);
  EXPECT_EQ(password->password, "md5abc");

  bytes.clear();
  encode(SaslInitialResponse{"SCRAM-SHA-256", as_bytes("n,,n=,r=abc")}, bytes);
  auto initial = decode_sasl_initial_response(testing::only_frame(bytes).body);
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(text(initial->data.value()), "n,,n=,r=abc");

  bytes.clear();
  encode(SaslInitialResponse{"SCRAM-SHA-256", std::nullopt}, bytes);
  EXPECT_EQ(bytes, wire("p\0\0\0\x16SCRAM-SHA-256\0\xff\xff\xff\xff"sv));
  initial = decode_sasl_initial_response(testing::only_frame(bytes).body);
  ASSERT_TRUE(initial);
  EXPECT_FALSE(initial->data);

  bytes.clear();
  encode(SaslResponse{as_bytes("c=biws,r=abc,p=xyz")}, bytes);
  const auto response = decode_sasl_response(testing::only_frame(bytes).body);
  ASSERT_TRUE(response);
  EXPECT_EQ(text(response->data), "c=biws,r=abc,p=xyz");
}

TEST(PasswordMessages, RejectMalformedBodies) {
  const auto password_error = [](std::string_view body) {
    const auto decoded = decode_password_message(wire(body));
    return decoded ? std::string("<decoded>") : decoded.error().message;
  };
  EXPECT_EQ(password_error("secret"sv),
            "malformed PasswordMessage message: password is not NUL-terminated");
  EXPECT_EQ(password_error("secret\0\0"sv),
            "malformed PasswordMessage message: unexpected data after the last field");

  const auto sasl_error = [](std::string_view body) {
    const auto decoded = decode_sasl_initial_response(wire(body));
    return decoded ? std::string("<decoded>") : decoded.error().message;
  };
  EXPECT_EQ(sasl_error("SCRAM-SHA-256"sv),
            "malformed SASLInitialResponse message: mechanism is not NUL-terminated");
  EXPECT_EQ(sasl_error("SCRAM-SHA-256\0\0\0"sv),
            "malformed SASLInitialResponse message: data is truncated");
  EXPECT_EQ(sasl_error("SCRAM-SHA-256\0\xff\xff\xff\xfe"sv),
            "malformed SASLInitialResponse message: data has negative length");
  EXPECT_EQ(sasl_error("SCRAM-SHA-256\0\0\0\0\x05"
                       "abc"sv),
            "malformed SASLInitialResponse message: data is truncated");
  EXPECT_EQ(sasl_error("SCRAM-SHA-256\0\0\0\0\x01"
                       "ab"sv),
            "malformed SASLInitialResponse message: unexpected data after the last field");
}

}  // namespace
}  // namespace pgw::protocol
