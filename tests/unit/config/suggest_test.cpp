#include "config/suggest.hpp"

#include <array>

#include <gtest/gtest.h>

namespace pgw::config {
namespace {

TEST(EditDistance, CountsEachKindOfEditOnce) {
  EXPECT_EQ(edit_distance("port", "port"), 0u);
  EXPECT_EQ(edit_distance("prot", "port"), 1u);   // transposition
  EXPECT_EQ(edit_distance("pot", "port"), 1u);    // insertion
  EXPECT_EQ(edit_distance("porrt", "port"), 1u);  // deletion
  EXPECT_EQ(edit_distance("pert", "port"), 1u);   // substitution
  EXPECT_EQ(edit_distance("", "port"), 4u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestMatch, SuggestsOnlyPlausibleTypos) {
  constexpr std::array<std::string_view, 4> kKeys = {"addresses", "port", "unix_socket_dir",
                                                     "unix_socket_mode"};
  EXPECT_EQ(closest_match("prot", kKeys), "port");
  EXPECT_EQ(closest_match("adresses", kKeys), "addresses");
  EXPECT_EQ(closest_match("unix_socket_mod", kKeys), "unix_socket_mode");
  EXPECT_EQ(closest_match("colour", kKeys), std::nullopt);
  EXPECT_EQ(closest_match("pt", kKeys), std::nullopt);  // 2 edits is too many for 2 letters
}

TEST(ClosestMatch, FirstCandidateWinsATie) {
  constexpr std::array<std::string_view, 2> kKeys = {"abcd", "abce"};
  EXPECT_EQ(closest_match("abcx", kKeys), "abcd");
}

}  // namespace
}  // namespace pgw::config
