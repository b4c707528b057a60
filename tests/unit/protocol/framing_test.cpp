#include "protocol/framing.hpp"

#include <string_view>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace pgw::protocol {
namespace {

using namespace std::literals;
using testing::text;
using testing::wire;

TEST(NextFrame, NeedsTheWholeHeaderAndBody) {
  const Bytes query = wire("Q\0\0\0\x0dSELECT 1\0"sv);
  for (std::size_t n = 0; n < query.size(); ++n) {
    const auto result = next_frame(ByteView(query).first(n), 1024);
    EXPECT_EQ(result.status, FrameStatus::kNeedMore) << "prefix " << n;
  }
  const auto result = next_frame(query, 1024);
  ASSERT_EQ(result.status, FrameStatus::kComplete);
  EXPECT_EQ(result.frame.type, 'Q');
  EXPECT_EQ(text(result.frame.body), "SELECT 1\0"s);
  EXPECT_EQ(result.frame.size, query.size());
}

TEST(NextFrame, LeavesFollowingBytesAlone) {
  const Bytes two = wire("S\0\0\0\x04Z\0\0\0\x05I"sv);
  const auto first = next_frame(two, 1024);
  ASSERT_EQ(first.status, FrameStatus::kComplete);
  EXPECT_EQ(first.frame.type, 'S');
  EXPECT_TRUE(first.frame.body.empty());
  EXPECT_EQ(first.frame.size, 5U);
  const auto second = next_frame(ByteView(two).subspan(first.frame.size), 1024);
  ASSERT_EQ(second.status, FrameStatus::kComplete);
  EXPECT_EQ(second.frame.type, 'Z');
  EXPECT_EQ(text(second.frame.body), "I");
}

TEST(NextFrame, RejectsLengthsBelowFour) {
  for (const auto& bad : {wire("Q\0\0\0\x03"sv), wire("Q\0\0\0\0"sv), wire("Q\xff\xff\xff\xff"sv),
                          wire("Q\x80\0\0\0"sv)}) {
    const auto result = next_frame(bad, 1024);
    EXPECT_EQ(result.status, FrameStatus::kInvalid);
    EXPECT_NE(result.error.find("invalid length"), std::string::npos) << result.error;
  }
}

TEST(NextFrame, RejectsOversizedBodyFromTheHeaderAlone) {
  // Only the header has arrived: a 1 MiB body is refused before it is buffered.
  const auto result = next_frame(wire("d\0\x10\0\x04"sv), 1000);
  EXPECT_EQ(result.status, FrameStatus::kInvalid);
  EXPECT_NE(result.error.find("too large"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("'d'"), std::string::npos) << result.error;
}

TEST(NextFrame, AcceptsABodyOfExactlyTheLimit) {
  const Bytes message = wire(
      "d\0\0\0\x07"
      "abc"sv);
  EXPECT_EQ(next_frame(message, 3).status, FrameStatus::kComplete);
  EXPECT_EQ(next_frame(message, 2).status, FrameStatus::kInvalid);
}

TEST(NextStartupFrame, FramesAnSslRequest) {
  const Bytes ssl = wire("\0\0\0\x08\x04\xd2\x16\x2f"sv);
  for (std::size_t n = 0; n < ssl.size(); ++n) {
    EXPECT_EQ(next_startup_frame(ByteView(ssl).first(n), 10000).status, FrameStatus::kNeedMore);
  }
  const auto result = next_startup_frame(ssl, 10000);
  ASSERT_EQ(result.status, FrameStatus::kComplete);
  EXPECT_EQ(result.frame.type, 0);
  EXPECT_EQ(result.frame.size, 8U);
  EXPECT_EQ(result.frame.body.size(), 4U);
}

TEST(NextStartupFrame, RejectsBadLengths) {
  EXPECT_EQ(next_startup_frame(wire("\0\0\0\x07"sv), 10000).status, FrameStatus::kInvalid);
  EXPECT_EQ(next_startup_frame(wire("\xff\xff\xff\xf0"sv), 10000).status, FrameStatus::kInvalid);
  EXPECT_EQ(next_startup_frame(wire("\0\0\x27\x11"sv), 10000).status, FrameStatus::kInvalid);
  EXPECT_EQ(next_startup_frame(wire("\0\0\x27\x10"sv), 10000).status, FrameStatus::kNeedMore);
  const auto result = next_startup_frame(wire("\0\0\0\x04"sv), 10000);
  EXPECT_NE(result.error.find("invalid length of startup packet"), std::string::npos);
}

}  // namespace
}  // namespace pgw::protocol
