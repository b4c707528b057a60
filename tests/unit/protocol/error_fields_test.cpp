#include "protocol/error_fields.hpp"

#include <gtest/gtest.h>

#include "protocol/backend.hpp"
#include "protocol/sqlstate.hpp"
#include "test_util.hpp"

namespace pgw::protocol {
namespace {

TEST(ErrorFields, GetReturnsTheFirstFieldOrEmpty) {
  ErrorFields fields;
  fields.fields = {{'M', "first"}, {'C', "57014"}, {'M', "second"}};
  EXPECT_EQ(fields.get('M'), "first");
  EXPECT_EQ(fields.message(), "first");
  EXPECT_EQ(fields.sqlstate(), sqlstate::kQueryCanceled);
  EXPECT_EQ(fields.get('H'), "");
  EXPECT_TRUE(fields.get('H').empty());
}

TEST(ErrorFields, SeverityPrefersTheNonLocalizedField) {
  ErrorFields localized;
  localized.fields = {{'S', "FEHLER"}, {'V', "ERROR"}};
  EXPECT_EQ(localized.severity(), "ERROR");
  ErrorFields old_server;
  old_server.fields = {{'S', "ERROR"}};
  EXPECT_EQ(old_server.severity(), "ERROR");
  EXPECT_EQ(ErrorFields{}.severity(), "");
}

TEST(Severity, NamesRoundTrip) {
  for (const Severity s : {Severity::kError, Severity::kFatal, Severity::kPanic, Severity::kWarning,
                           Severity::kNotice, Severity::kDebug, Severity::kInfo, Severity::kLog}) {
    EXPECT_EQ(parse_severity(severity_name(s)), s);
  }
  EXPECT_EQ(severity_name(Severity::kWarning), "WARNING");
  EXPECT_EQ(parse_severity("error"), std::nullopt);
  EXPECT_EQ(parse_severity("DEBUG1"), std::nullopt);
}

TEST(ErrorBuilder, FieldsInPostgresOrder) {
  ErrorBuilder builder(Severity::kError, sqlstate::kTooManyConnections, "too many clients");
  builder.hint("Try later.").detail("Pool \"app\" is full.");
  const ErrorFields fields = builder.fields();
  std::string codes;
  for (const auto& field : fields.fields) {
    codes += field.first;
  }
  EXPECT_EQ(codes, "SVCMDH");
  EXPECT_EQ(fields.get('S'), "ERROR");
  EXPECT_EQ(fields.get('C'), "53300");
  EXPECT_EQ(fields.get('D'), "Pool \"app\" is full.");
  EXPECT_EQ(fields.get('H'), "Try later.");
}

TEST(ErrorBuilder, OmitsUnsetDetailAndHint) {
  std::string codes;
  for (const auto& field : ErrorBuilder(Severity::kLog, "00000", "x").fields().fields) {
    codes += field.first;
  }
  EXPECT_EQ(codes, "SVCM");
}

TEST(ErrorBuilder, ErrorAndNoticeDecodeBack) {
  ErrorBuilder builder(Severity::kWarning, "01000", "careful");
  Bytes error;
  builder.encode_error(error);
  Bytes notice;
  builder.encode_notice(notice);
  EXPECT_EQ(error[0], 'E');
  EXPECT_EQ(notice[0], 'N');
  const auto decoded = decode_backend('N', testing::only_frame(notice).body);
  ASSERT_TRUE(decoded);
  const ErrorFields& fields = std::get<NoticeResponse>(*decoded).fields;
  EXPECT_EQ(fields.severity(), "WARNING");
  EXPECT_EQ(fields.message(), "careful");
  // Same body, different type byte.
  EXPECT_TRUE(std::equal(error.begin() + 1, error.end(), notice.begin() + 1, notice.end()));
}

}  // namespace
}  // namespace pgw::protocol
