#include "pgclient/result_assembler.hpp"

#include <gtest/gtest.h>

namespace pgw::pgclient {
namespace {

using protocol::BackendMessage;
using Step = ResultAssembler::Step;

BackendMessage description(std::vector<std::string_view> names) {
  protocol::RowDescription message;
  for (auto name : names) {
    protocol::FieldDescription field;
    field.name = name;
    message.fields.push_back(field);
  }
  return message;
}

BackendMessage data_row(std::vector<std::optional<std::string_view>> values) {
  protocol::DataRow message;
  for (auto value : values) {
    if (value) {
      message.columns.emplace_back(protocol::as_bytes(*value));
    } else {
      message.columns.emplace_back(std::nullopt);
    }
  }
  return message;
}

BackendMessage complete(std::string_view tag) {
  return protocol::CommandComplete{tag};
}

BackendMessage ready(protocol::TransactionStatus status = protocol::TransactionStatus::kIdle) {
  return protocol::ReadyForQuery{status};
}

BackendMessage error(std::string_view severity, std::string_view sqlstate,
                     std::string_view message) {
  protocol::ErrorResponse response;
  response.fields.fields = {{'S', severity}, {'V', severity}, {'C', sqlstate}, {'M', message}};
  return response;
}

/// Feeds every message but the last expecting kContinue, and returns the last step.
Step feed(ResultAssembler& assembler, const std::vector<BackendMessage>& messages) {
  for (std::size_t i = 0; i + 1 < messages.size(); ++i) {
    auto step = assembler.on_message(messages[i]);
    EXPECT_EQ(step, Step::kContinue) << "message " << i;
    if (step != Step::kContinue) return step;
  }
  return assembler.on_message(messages.back());
}

TEST(ResultAssembler, CollectsRowsAsTextWithNulls) {
  ResultAssembler assembler;
  ASSERT_EQ(feed(assembler, {description({"a", "b"}), data_row({"1", std::nullopt}),
                             data_row({"", "x y"}), complete("SELECT 2"), ready()}),
            Step::kDone);
  auto result = assembler.take();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_EQ(result->rows[0], (Row{"1", std::nullopt}));
  EXPECT_EQ(result->rows[1], (Row{"", "x y"}));
  EXPECT_EQ(result->command_tag, "SELECT 2");
  EXPECT_EQ(assembler.transaction_status(), protocol::TransactionStatus::kIdle);
}

TEST(ResultAssembler, KeepsTheLastStatementsResult) {
  ResultAssembler rows_last;
  ASSERT_EQ(feed(rows_last, {complete("CREATE TABLE"), description({"n"}), data_row({"7"}),
                             complete("SELECT 1"), ready()}),
            Step::kDone);
  auto result = rows_last.take();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->columns, (std::vector<std::string>{"n"}));
  EXPECT_EQ(result->rows, (std::vector<Row>{{"7"}}));
  EXPECT_EQ(result->command_tag, "SELECT 1");

  ResultAssembler command_last;
  ASSERT_EQ(feed(command_last, {description({"n"}), data_row({"7"}), complete("SELECT 1"),
                                complete("INSERT 0 1"), ready()}),
            Step::kDone);
  result = command_last.take();
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->columns.empty());
  EXPECT_TRUE(result->rows.empty());
  EXPECT_EQ(result->command_tag, "INSERT 0 1");
}

TEST(ResultAssembler, AnEmptyQueryHasAnEmptyTag) {
  ResultAssembler assembler;
  ASSERT_EQ(feed(assembler, {protocol::EmptyQueryResponse{}, ready()}), Step::kDone);
  auto result = assembler.take();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->command_tag, "");
  EXPECT_TRUE(result->rows.empty());
}

TEST(ResultAssembler, ReportsTheServersErrorAfterReadyForQuery) {
  ResultAssembler assembler;
  ASSERT_EQ(feed(assembler,
                 {description({"a"}), data_row({"1"}), error("ERROR", "22012", "division by zero"),
                  ready(protocol::TransactionStatus::kFailed)}),
            Step::kDone);
  EXPECT_EQ(assembler.transaction_status(), protocol::TransactionStatus::kFailed);
  auto result = assembler.take();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, QueryError::Kind::kServer);
  EXPECT_EQ(result.error().sqlstate, "22012");
  EXPECT_EQ(result.error().message, "division by zero");
}

TEST(ResultAssembler, ExposesAFatalErrorBeforeTheServerCloses) {
  ResultAssembler assembler;
  EXPECT_EQ(assembler.on_message(error("FATAL", "57P01", "terminating connection")),
            Step::kContinue);
  ASSERT_TRUE(assembler.server_error());
  EXPECT_EQ(assembler.server_error()->sqlstate, "57P01");
}

TEST(ResultAssembler, IgnoresAsynchronousMessages) {
  protocol::NoticeResponse notice;
  notice.fields.fields = {{'S', "NOTICE"}, {'C', "00000"}, {'M', "hello"}};
  ResultAssembler assembler;
  ASSERT_EQ(
      feed(assembler, {notice, description({"a"}), protocol::ParameterStatus{"TimeZone", "UTC"},
                       data_row({"1"}), protocol::NotificationResponse{1, "ch", "p"},
                       complete("SELECT 1"), ready(protocol::TransactionStatus::kInTransaction)}),
      Step::kDone);
  auto result = assembler.take();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->rows, (std::vector<Row>{{"1"}}));
  EXPECT_EQ(assembler.transaction_status(), protocol::TransactionStatus::kInTransaction);
}

void expect_broken(const std::vector<BackendMessage>& messages, std::string_view why,
                   std::size_t max_bytes = ResultAssembler::kDefaultMaxResultBytes) {
  ResultAssembler assembler(max_bytes);
  EXPECT_EQ(feed(assembler, messages), Step::kBroken) << why;
  auto result = assembler.take();
  ASSERT_FALSE(result) << why;
  EXPECT_EQ(result.error().kind, QueryError::Kind::kProtocol) << why;
  EXPECT_EQ(result.error().sqlstate, "08P01") << why;
}

TEST(ResultAssembler, RefusesRepliesItCannotUnderstand) {
  expect_broken({data_row({"1"})}, "DataRow first");
  expect_broken({description({"a"}), data_row({"1"}), complete("SELECT 1"), data_row({"2"})},
                "DataRow after CommandComplete");
  expect_broken({description({"a", "b"}), data_row({"1"})}, "too few columns");
  expect_broken({description({"a"}), data_row({"1", "2"})}, "too many columns");
  expect_broken({protocol::CopyInResponse{}}, "COPY FROM STDIN");
  expect_broken({protocol::CopyOutResponse{}}, "COPY TO STDOUT");
  expect_broken({protocol::ParseComplete{}}, "extended-protocol message");
  expect_broken({protocol::AuthenticationOk{}}, "authentication message");
}

TEST(ResultAssembler, BoundsTheResultSize) {
  expect_broken({description({"a"}), data_row({"12345"}), data_row({"67890"})}, "over 8 bytes", 8);
  ResultAssembler assembler(10);
  ASSERT_EQ(feed(assembler, {description({"a"}), data_row({"12345"}), data_row({"67890"}),
                             complete("SELECT 2"), description({"b"}), data_row({"1234567890"}),
                             complete("SELECT 1"), ready()}),
            Step::kDone)
      << "the bound is per statement";
}

}  // namespace
}  // namespace pgw::pgclient
