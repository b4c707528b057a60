#include "sql/normalize.hpp"

#include <string>

#include <gtest/gtest.h>

namespace pgw::sql {
namespace {

/// The normalized text with the placeholders written as N (number) and S (string).
std::string shown(std::string_view sql) {
  auto key = normalize_for_cache(sql);
  if (!key) return "<exact>";
  for (char& c : *key) {
    if (c == kNumberPlaceholder) c = 'N';
    if (c == kStringPlaceholder) c = 'S';
  }
  return *key;
}

TEST(NormalizeForCache, ReplacesLiteralsAndCollapsesWhitespace) {
  EXPECT_EQ(shown("SELECT * FROM t WHERE a = 1"), "SELECT * FROM t WHERE a = N");
  EXPECT_EQ(shown("  SELECT\n\t*   FROM t  "), "SELECT * FROM t");
  EXPECT_EQ(shown("SELECT 'abc', 'it''s', ''"), "SELECT S, S, S");
  EXPECT_EQ(shown("SELECT 'a;b' FROM t WHERE x = 'y'"), "SELECT S FROM t WHERE x = S");
  EXPECT_EQ(shown("SELECT 'line\nbreak'"), "SELECT S");
  EXPECT_EQ(shown(""), "");
  EXPECT_EQ(shown("   "), "");
}

TEST(NormalizeForCache, RemovesComments) {
  EXPECT_EQ(shown("SELECT /* c */ 1 -- x"), "SELECT N");
  EXPECT_EQ(shown("/* lead */SELECT 1"), "SELECT N");
  EXPECT_EQ(shown("SELECT 1/**/FROM t"), "SELECT N FROM t");
  EXPECT_EQ(shown("select 1 --comment\n"), "select N");
  EXPECT_EQ(shown("SELECT a--b\nFROM t"), "SELECT a FROM t");
  EXPECT_EQ(shown("/* only */"), "");
  EXPECT_EQ(shown("SELECT '/* not a comment */'"), "SELECT S");
}

TEST(NormalizeForCache, Numbers) {
  EXPECT_EQ(shown("SELECT 1e10, 1.5e-3, 2E+4, .5, 5., 3.25"), "SELECT N, N, N, N, N, N");
  EXPECT_EQ(shown("SELECT 99999999999999999999999"), "SELECT N");
  EXPECT_EQ(shown("SELECT -5, a-1, 2*-3"), "SELECT -N, a-N, N*-N");
  EXPECT_EQ(shown("SELECT a[1:2]"), "SELECT a[N:N]");
  EXPECT_EQ(shown("SELECT t.5"), "SELECT tN");
  EXPECT_EQ(shown("SELECT 1::int"), "SELECT N::int");
  // Trailing junk is a syntax error in PostgreSQL 15 (hexadecimal arrives in 16): exact key.
  EXPECT_EQ(shown("SELECT 0x1F"), "<exact>");
  EXPECT_EQ(shown("SELECT 1_000"), "<exact>");
  EXPECT_EQ(shown("SELECT 1e"), "<exact>");
  EXPECT_EQ(shown("SELECT 1e+"), "<exact>");
  EXPECT_EQ(shown("SELECT 1abc"), "<exact>");
  EXPECT_EQ(shown("SELECT 1..2"), "<exact>");
}

TEST(NormalizeForCache, IdentifiersAndParametersStay) {
  EXPECT_EQ(shown("SELECT c1, t1.c2 FROM t1"), "SELECT c1, t1.c2 FROM t1");
  EXPECT_EQ(shown("SELECT a$1, _x9, é1 FROM t"), "SELECT a$1, _x9, é1 FROM t");
  EXPECT_EQ(shown("SELECT * FROM t WHERE id = $1 AND b = $22"),
            "SELECT * FROM t WHERE id = $1 AND b = $22");
  EXPECT_EQ(shown("SELECT \"a  1\", \"x\"\"y\" FROM \"T 2\""),
            "SELECT \"a  1\", \"x\"\"y\" FROM \"T 2\"");
  EXPECT_EQ(shown("SELECT explained, explain_x FROM t"), "SELECT explained, explain_x FROM t");
  EXPECT_EQ(shown("SELECT U&\"d\\0061t\" FROM t"), "SELECT U&\"d\\0061t\" FROM t");
}

TEST(NormalizeForCache, UnsafeTextsKeepTheirExactText) {
  for (const char* sql : {
           "SELECT $$x$$",
           "SELECT $tag$x$tag$",
           "SELECT $x",
           "SELECT $1abc",
           "SELECT E'\\n'",
           "SELECT e'abc'",
           "SELECT 'a\\b'",
           "SELECT U&'d\\0061t'",
           "SELECT U&'x'",
           "SELECT B'101'",
           "SELECT X'1F'",
           "SELECT N'abc'",
           "SELECT date'2020-01-01'",
           "SELECT 'abc",
           "SELECT \"abc",
           "SELECT 1 /* x",
           "SELECT /* a /* nested */ b */ 1",
           "SELECT 'a' 'b'",
           "SELECT 'a'\n'b'",
           "SELECT 'a' /* c */ 'b'",
           "EXPLAIN SELECT 1",
           "explain (analyze 0) select 1",
           "SELECT \x01",
           "SELECT \x02",
           "SELECT \"a\x01\" FROM t",
       }) {
    EXPECT_EQ(shown(sql), "<exact>") << sql;
  }
  EXPECT_EQ(shown(std::string("SELECT 1\0", 9)), "<exact>");
  EXPECT_EQ(shown(std::string("SELECT '\0'", 10)), "<exact>");
}

TEST(NormalizeForCache, SameShapeSameKeyDifferentShapeDifferentKey) {
  EXPECT_EQ(normalize_for_cache("SELECT abalance FROM pgbench_accounts WHERE aid = 1"),
            normalize_for_cache("SELECT abalance FROM pgbench_accounts WHERE aid =  734521"));
  EXPECT_EQ(normalize_for_cache("SELECT * FROM t WHERE name = 'bob'"),
            normalize_for_cache("SELECT * FROM t WHERE name = 'alice' -- hi"));
  EXPECT_NE(normalize_for_cache("SELECT * FROM t WHERE a = 1"),
            normalize_for_cache("SELECT * FROM t WHERE a = '1'"));
  EXPECT_NE(normalize_for_cache("SELECT * FROM t1"), normalize_for_cache("SELECT * FROM t2"));
  EXPECT_NE(normalize_for_cache("SELECT a.5"), normalize_for_cache("SELECT a 5"));
  EXPECT_NE(normalize_for_cache("SELECT 1"), normalize_for_cache("SELECT $1"));
}

TEST(NormalizeForCache, IntoReusesTheBuffer) {
  std::string out;
  ASSERT_TRUE(normalize_into("SELECT * FROM accounts WHERE aid = 123456789", out));
  const auto* data = out.data();
  const auto capacity = out.capacity();
  ASSERT_TRUE(normalize_into("SELECT * FROM accounts WHERE aid = 42", out));
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
  EXPECT_FALSE(normalize_into("SELECT $$", out));
}

}  // namespace
}  // namespace pgw::sql
