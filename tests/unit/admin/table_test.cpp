#include "admin/table.hpp"

#include <gtest/gtest.h>

namespace pgw::admin {
namespace {

// Expected texts were taken from psql 15's own output for the same result.
TEST(FormatTableTest, LikePsql) {
  Table table;
  table.columns = {"node_id", "hostname", "x", "bb"};
  table.rows = {{"0", "localhost", std::nullopt, "ab"}, {"10", "h", "\xC3\xA9", "abcdef"}};
  EXPECT_EQ(format_table(table),
            " node_id | hostname  | x |   bb   \n"
            "---------+-----------+---+--------\n"
            " 0       | localhost |   | ab\n"
            " 10      | h         | \xC3\xA9 | abcdef\n"
            "(2 rows)\n");
}

TEST(FormatTableTest, OneRowAndNoRows) {
  Table table;
  table.columns = {"abc"};
  table.rows = {{"x"}};
  EXPECT_EQ(format_table(table), " abc \n-----\n x\n(1 row)\n");
  table.columns = {"a"};
  table.rows.clear();
  EXPECT_EQ(format_table(table), " a \n---\n(0 rows)\n");
}

TEST(FormatTableTest, HeaderCentredWithTheExtraSpaceOnTheRight) {
  Table table;
  table.columns = {"ab", "c"};
  table.rows = {{"abcde", "xy"}};
  EXPECT_EQ(format_table(table),
            "  ab   | c  \n"
            "-------+----\n"
            " abcde | xy\n"
            "(1 row)\n");
}

}  // namespace
}  // namespace pgw::admin
