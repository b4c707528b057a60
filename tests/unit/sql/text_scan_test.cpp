// The quick text scans, and the promise that keeps libpg_query's recursion safe: the parse
// tree is never much deeper than nesting_score() says.

#include "sql/text_scan.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sql/parse_tree.hpp"

namespace pgw::sql::detail {
namespace {

TEST(NoLoadBalanceHint, LeadingCommentsOnly) {
  EXPECT_TRUE(has_no_load_balance_hint("/*NO LOAD BALANCE*/ SELECT 1"));
  EXPECT_TRUE(has_no_load_balance_hint("\n /* no load balance */SELECT 1"));
  EXPECT_TRUE(has_no_load_balance_hint("/* x */ -- also: No Load Balance\nSELECT 1"));
  EXPECT_TRUE(has_no_load_balance_hint("/* NO LOAD BALANCE"));  // unterminated still counts
  EXPECT_FALSE(has_no_load_balance_hint("SELECT 1 /*NO LOAD BALANCE*/"));
  EXPECT_FALSE(has_no_load_balance_hint("SELECT '/*NO LOAD BALANCE*/'"));
  EXPECT_FALSE(has_no_load_balance_hint("/* NO LOAD */ BALANCE"));
  EXPECT_FALSE(has_no_load_balance_hint(""));
  EXPECT_FALSE(has_no_load_balance_hint("/"));
  EXPECT_FALSE(has_no_load_balance_hint("/*"));
  EXPECT_FALSE(has_no_load_balance_hint("-"));
}

TEST(NestingScore, SkipsLiteralsAndComments) {
  EXPECT_EQ(nesting_score("SELECT a FROM t WHERE b = 1 AND c < 2 OR d <> 3"), 0u);
  EXPECT_EQ(nesting_score("SELECT '+-*/::((((', \"(((\", $$ NOT NOT $$ -- + + +\n"), 0u);
  EXPECT_EQ(nesting_score("SELECT E'\\' + + +' /* ((( */"), 0u);
  EXPECT_EQ(nesting_score("SELECT 1 + 2"), 1u);
  EXPECT_EQ(nesting_score("SELECT a::int"), 2u);
  EXPECT_EQ(nesting_score("SELECT f((1))"), 2 * 4u);
  EXPECT_EQ(nesting_score("SELECT a IS NOT NULL"), 2u);
  // E'...' honours backslashes, '...' does not: the rest is code in both cases.
  EXPECT_EQ(nesting_score("SELECT E'\\'' + 1"), 1u);
  EXPECT_EQ(nesting_score("SELECT 'a\\' + 1"), 1u);
}

struct Family {
  const char* prefix;
  const char* unit;
  const char* suffix;
};

// Every construct that can nest without limit in PostgreSQL 15's grammar that we know of.
const std::vector<Family> kFamilies = {
    {"SELECT a", " IS NULL", ""},
    {"SELECT a", " AND a", ""},
    {"SELECT * FROM t", " JOIN t ON true", ""},
    {"SELECT * FROM t", " CROSS JOIN t", ""},
    {"SELECT * FROM t", " NATURAL LEFT JOIN t", ""},
    {"SELECT 1", " UNION SELECT 1", ""},
    {"SELECT 1", " INTERSECT SELECT 1 EXCEPT SELECT 1", ""},
    {"SELECT a", " AT TIME ZONE 'x'", ""},
    {"VALUES (1)", ",(1)", ""},
    {"SELECT a", "::int", ""},
    {"SELECT a", " COLLATE c", ""},
    {"SELECT", " NOT", " true"},
    {"SELECT", " CASE WHEN a THEN", " 1 END"},
    {"SELECT", " -", " 1"},
    {"SELECT", " + ", "1"},
    {"SELECT a", " || a", ""},
    {"SELECT a", " IN (1)", ""},
    {"SELECT a", " ISNULL", ""},
    {"SELECT a", " NOTNULL", ""},
    {"SELECT a", " IS TRUE", ""},
    {"SELECT a", " IS NORMALIZED", ""},
    {"SELECT a", " OPERATOR(pg_catalog.+) a", ""},
    {"SELECT a", " = ANY (b)", ""},
    {"SELECT a", " < ALL (b)", ""},
    {"SELECT a", " = SOME (SELECT 1)", ""},
    {"SELECT a", " ->> 'x'", ""},
    {"SELECT", " (SELECT", " )"},
    {"SELECT", " f(", ")"},
    {"SELECT", " ARRAY[", "]"},
    {"SELECT", " ROW(", ")"},
    {"SELECT", " EXISTS (SELECT", " )"},
    {"SELECT", " -(", "1)"},
    {"SELECT", " CASE WHEN true THEN 1 ELSE", " 1 END"},
    {"SELECT", " CASE", " WHEN true THEN 1 END"},
    {"SELECT", " a[", "1]"},
    {"WITH a AS (", "WITH a AS (", "SELECT 1) SELECT 1) SELECT 1"},
    {"SELECT", " COALESCE(", "1)"},
    {"SELECT * FROM", " (t JOIN", " t ON true)"},
    {"SELECT", " CAST(", "1 AS int)"},
    {"SELECT a FROM t WHERE", " a IN (SELECT a FROM t WHERE", " true)"},
    {"SELECT * FROM t", " JOIN (t JOIN t ON true) ON true", ""},
    {"SELECT a", " + a", ""},
};

TEST(NestingScore, BoundsTheTreeDepth) {
  for (const auto& family : kFamilies) {
    for (int n : {1, 3, 10, 40, 120}) {
      std::string sql = family.prefix;
      for (int i = 0; i < n; ++i) {
        sql += family.unit;
      }
      for (int i = 0; i < n; ++i) {
        sql += family.suffix;
      }
      const std::size_t score = nesting_score(sql);
      const std::size_t bound = kDepthPerScore * score + kDepthSlack;
      const auto tree = ParseTree::parse(sql.c_str(), bound);
      EXPECT_NE(tree.status(), ParseStatus::kTooDeep)
          << sql.substr(0, 80) << "... n=" << n << " score=" << score;
    }
  }
}

TEST(ParseTree, RefusesDeepTreesBeforeUnpacking) {
  std::string sql = "SELECT 1";
  for (int i = 0; i < 600; ++i) {
    sql += "+1";
  }
  const auto shallow = ParseTree::parse("SELECT 1", 100);
  ASSERT_EQ(shallow.status(), ParseStatus::kOk);
  EXPECT_NE(shallow.result(), nullptr);
  const auto deep = ParseTree::parse(sql.c_str(), 100);
  EXPECT_EQ(deep.status(), ParseStatus::kTooDeep);
  EXPECT_EQ(deep.result(), nullptr);
  const auto allowed = ParseTree::parse(sql.c_str(), 2000);
  EXPECT_EQ(allowed.status(), ParseStatus::kOk);
  EXPECT_GT(allowed.depth(), 1200u);
  EXPECT_EQ(ParseTree::parse("SELEC", 100).status(), ParseStatus::kSyntaxError);
}

}  // namespace
}  // namespace pgw::sql::detail
