#include "cluster/function_volatility.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgw::cluster {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Answer = std::vector<std::pair<std::string, char>>;

TEST(FunctionVolatility, QuotesLiteralsWhateverStandardConformingStringsIs) {
  EXPECT_EQ(quote_literal("abc"), "E'abc'");
  EXPECT_EQ(quote_literal("it's"), "E'it''s'");
  EXPECT_EQ(quote_literal("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(quote_literal(""), "E''");
}

TEST(FunctionVolatility, SplitsSchemaQualifiedNames) {
  auto sql = volatility_query({"now", "public.f", "x.y.z", "o'neil"});
  EXPECT_THAT(sql, HasSubstr("(E'now'::text, NULL::text, E'now'::text)"));
  EXPECT_THAT(sql, HasSubstr("(E'public.f'::text, E'public'::text, E'f'::text)"));
  EXPECT_THAT(sql, HasSubstr("(E'x.y.z'::text, E'x'::text, E'y.z'::text)"));
  EXPECT_THAT(sql, HasSubstr("(E'o''neil'::text, NULL::text, E'o''neil'::text)"));
  EXPECT_THAT(sql, HasSubstr("max(p.provolatile::text COLLATE \"C\")"));
}

TEST(FunctionVolatility, LeavesOutNamesWithNulBytes) {
  auto sql = volatility_query({std::string("a\0b", 3), "ok"});
  EXPECT_THAT(sql, Not(HasSubstr(std::string("a\0b", 3))));
  EXPECT_THAT(sql, HasSubstr("E'ok'"));
  EXPECT_EQ(volatility_query({std::string(1, '\0')}).find('\0'), std::string::npos);
}

pgclient::QueryResult answer(std::vector<pgclient::Row> rows) {
  pgclient::QueryResult result;
  result.columns = {"name", "max"};
  result.rows = std::move(rows);
  return result;
}

TEST(FunctionVolatility, ReportsEveryNameAskedInOrderMissingOnesAsM) {
  std::vector<std::string> names = {"random", "abs", "public.gone", "now", "unknown_fn"};
  auto parsed = parse_volatility_result(
      answer({{"abs", "i"}, {"random", "v"}, {"public.gone", std::nullopt}, {"now", "s"}}), names);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, (Answer{{"random", kVolatile},
                             {"abs", kImmutable},
                             {"public.gone", kMissing},
                             {"now", kStable},
                             {"unknown_fn", kMissing}}));
}

TEST(FunctionVolatility, RefusesAnswersOfAnotherShape) {
  EXPECT_FALSE(parse_volatility_result(answer({{"f", "x"}}), {"f"}));
  EXPECT_FALSE(parse_volatility_result(answer({{"f", "vv"}}), {"f"}));
  EXPECT_FALSE(parse_volatility_result(answer({{"f"}}), {"f"}));
  auto three_columns = answer({});
  three_columns.columns.push_back("extra");
  EXPECT_FALSE(parse_volatility_result(three_columns, {"f"}));
}

}  // namespace
}  // namespace pgw::cluster
