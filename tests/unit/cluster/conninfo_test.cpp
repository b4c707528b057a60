#include "cluster/conninfo.hpp"

#include <gtest/gtest.h>

namespace pgw::cluster {
namespace {

struct ParseCase {
  std::string name;
  std::string text;
  ConninfoPairs pairs;
};

TEST(ParseConninfo, Table) {
  const std::vector<ParseCase> cases = {
      {"empty", "", {}},
      {"blanks only", " \t\n ", {}},
      {"two pairs", "host=a port=5432", {{"host", "a"}, {"port", "5432"}}},
      {"blanks around the equals sign",
       "  host = a\tport=\n5432  ",
       {{"host", "a"}, {"port", "5432"}}},
      {"quoted value with spaces", "user='x y' host=h", {{"user", "x y"}, {"host", "h"}}},
      {"escaped quote and backslash in quotes",
       R"(password='it\'s a \\ here')",
       {{"password", R"(it's a \ here)"}}},
      {"empty quoted value",
       "application_name='' host=h",
       {{"application_name", ""}, {"host", "h"}}},
      {"escapes in an unquoted value", R"(password=a\ b\\c\')", {{"password", R"(a b\c')"}}},
      {"equals signs inside a value",
       "options='-c search_path=x' k=v=w",
       {{"options", "-c search_path=x"}, {"k", "v=w"}}},
      {"a pair right after a closing quote", "a='x'b=c", {{"a", "x"}, {"b", "c"}}},
      {"multiple hosts", "host=a,b port=1,2", {{"host", "a,b"}, {"port", "1,2"}}},
      {"keys keep their order and repeats",
       "host=a user=u host=b",
       {{"host", "a"}, {"user", "u"}, {"host", "b"}}},
      {"empty unquoted value at the end", "host=a port=", {{"host", "a"}, {"port", ""}}},
  };
  for (const auto& c : cases) {
    auto pairs = parse_conninfo(c.text);
    ASSERT_TRUE(pairs) << c.name << ": " << pairs.error().message;
    EXPECT_EQ(*pairs, c.pairs) << c.name;
  }
}

struct ErrorCase {
  std::string name;
  std::string text;
  std::string message;
};

TEST(ParseConninfo, MalformedInputIsAnError) {
  const std::vector<ErrorCase> cases = {
      {"keyword alone", "host", "missing \"=\" after \"host\" in connection string"},
      {"keyword then a blank", "host localhost",
       "missing \"=\" after \"host\" in connection string"},
      {"second keyword alone", "host=a port", "missing \"=\" after \"port\" in connection string"},
      {"unterminated quote", "host=a user='x y", "unterminated quoted value for \"user\""},
      {"escaped closing quote", R"(password='abc\')", "unterminated quoted value for \"password\""},
      {"backslash at the very end of a quote", R"(password='abc\)",
       "unterminated quoted value for \"password\""},
      {"equals sign without a keyword", "=x host=a",
       "missing keyword before \"=\" in connection string"},
      {"a URI is not a keyword/value string", "postgresql://rep@h:5432/db",
       "missing \"=\" after \"postgresql://rep@h:5432/db\" in connection string"},
  };
  for (const auto& c : cases) {
    auto pairs = parse_conninfo(c.text);
    ASSERT_FALSE(pairs) << c.name;
    EXPECT_EQ(pairs.error().message, c.message) << c.name;
  }
}

TEST(FormatConninfo, QuotesEveryValueAndEscapes) {
  EXPECT_EQ(format_conninfo({}), "");
  ConninfoPairs pairs = {{"host", "h"}, {"password", R"(it's \ x)"}, {"application_name", ""}};
  EXPECT_EQ(format_conninfo(pairs), R"(host='h' password='it\'s \\ x' application_name='')");
}

TEST(FormatConninfo, RoundTrips) {
  const std::vector<ConninfoPairs> cases = {
      {{"host", "a b"}},
      {{"password", R"('\'\\)"}, {"user", " lead"}, {"x", "trail "}},
      {{"options", "-c a=b -c 'c=d'"}, {"empty", ""}},
      {{"tab", "a\tb"}, {"newline", "a\nb"}},
  };
  for (const auto& pairs : cases) {
    auto text = format_conninfo(pairs);
    auto back = parse_conninfo(text);
    ASSERT_TRUE(back) << text << ": " << back.error().message;
    EXPECT_EQ(*back, pairs) << text;
  }
}

struct RewriteCase {
  std::string name;
  std::string text;
  std::string rewritten;
};

TEST(RewriteConninfoTarget, Table) {
  const std::vector<RewriteCase> cases = {
      {"host and port replaced in place", "host=old port=5432 user=rep application_name=node1",
       "host='new' port='6000' user='rep' application_name='node1'"},
      {"hostaddr dropped", "hostaddr=10.0.0.1 host=old port=5432 user=rep",
       "host='new' port='6000' user='rep'"},
      {"host and port added when missing", "user=rep sslmode=require",
       "user='rep' sslmode='require' host='new' port='6000'"},
      {"port added when missing", "host=old user=rep", "host='new' user='rep' port='6000'"},
      {"host added when only hostaddr was there", "hostaddr=10.0.0.1 port=1",
       "port='6000' host='new'"},
      {"quoted values kept and re-escaped",
       R"(user='rep user' password='p\'w \\ d' host=old port=1)",
       R"(user='rep user' password='p\'w \\ d' host='new' port='6000')"},
      {"every host entry replaced", "host=a port=1 host=b", "host='new' port='6000' host='new'"},
      {"empty", "", "host='new' port='6000'"},
  };
  for (const auto& c : cases) {
    auto rewritten = rewrite_conninfo_target(c.text, "new", 6000);
    ASSERT_TRUE(rewritten) << c.name << ": " << rewritten.error().message;
    EXPECT_EQ(*rewritten, c.rewritten) << c.name;
  }
}

TEST(RewriteConninfoTarget, HostNeedingQuotes) {
  auto rewritten = rewrite_conninfo_target("host=old", "/var/run/post gres", 5432);
  ASSERT_TRUE(rewritten);
  EXPECT_EQ(*rewritten, "host='/var/run/post gres' port='5432'");
}

TEST(RewriteConninfoTarget, MalformedInputIsAnError) {
  auto rewritten = rewrite_conninfo_target("host='old port=1", "new", 6000);
  ASSERT_FALSE(rewritten);
  EXPECT_EQ(rewritten.error().message, "unterminated quoted value for \"host\"");
  EXPECT_FALSE(rewrite_conninfo_target("user", "new", 6000));
}

}  // namespace
}  // namespace pgw::cluster
