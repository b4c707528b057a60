#include "cluster/lsn.hpp"

#include <gtest/gtest.h>

namespace pgw::cluster {
namespace {

TEST(Lsn, ParsesPostgresText) {
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_EQ(parse_lsn("16/B374D848"), 0x16'B374D848u);
  EXPECT_EQ(parse_lsn("16/b374d848"), 0x16'B374D848u);
  EXPECT_EQ(parse_lsn("0/3000148"), 0x3000148u);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), 0xFFFFFFFF'FFFFFFFFu);
  EXPECT_EQ(parse_lsn("00000001/00000002"), 0x1'00000002u);
}

TEST(Lsn, RefusesAnythingElse) {
  for (const char* text :
       {"", "/", "0/", "/0", "0", "0//0", "1/2/3", "G/0", "0/G", "-1/0", "0/-1", "+1/0", "0x1/0",
        " 1/0", "1/0 ", "1 /0", "100000000/0", "0/100000000", "1/0\n"}) {
    EXPECT_FALSE(parse_lsn(text)) << '"' << text << '"';
  }
}

TEST(Lsn, FormatsLikePostgres) {
  EXPECT_EQ(format_lsn(0), "0/0");
  EXPECT_EQ(format_lsn(0x16'B374D848u), "16/B374D848");
  EXPECT_EQ(format_lsn(0x3000148u), "0/3000148");
  EXPECT_EQ(format_lsn(0xFFFFFFFF'FFFFFFFFu), "FFFFFFFF/FFFFFFFF");
  for (std::uint64_t lsn : {0ull, 1ull, 0xABCDEFull, 0x1'00000000ull, 0xDEADBEEF'00000001ull})
    EXPECT_EQ(parse_lsn(format_lsn(lsn)), lsn);
}

}  // namespace
}  // namespace pgw::cluster
