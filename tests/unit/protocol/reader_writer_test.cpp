#include <string_view>

#include <gtest/gtest.h>

#include "protocol/message_reader.hpp"
#include "protocol/message_writer.hpp"
#include "test_util.hpp"

namespace pgw::protocol {
namespace {

using namespace std::literals;
using testing::wire;

TEST(MessageReader, ReadsNetworkOrderIntegers) {
  const Bytes input = wire("\x01\x02\xff\xfe\x80\x00\x00\x01\xff\xff\xff\xff"sv);
  MessageReader reader(input);
  EXPECT_EQ(reader.read_u8(), 0x01);
  EXPECT_EQ(reader.read_u8(), 0x02);
  EXPECT_EQ(reader.read_i16(), -2);
  EXPECT_EQ(reader.read_u32(), 0x80000001U);
  EXPECT_EQ(reader.read_i32(), -1);
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(reader.read_u8(), std::nullopt);
}

TEST(MessageReader, ShortReadsFailWithoutMoving) {
  const Bytes input = wire("\x00\x01\x02"sv);
  MessageReader reader(input);
  EXPECT_EQ(reader.read_i32(), std::nullopt);
  EXPECT_EQ(reader.read_bytes(4), std::nullopt);
  EXPECT_EQ(reader.position(), 0U);
  EXPECT_EQ(reader.read_u16(), 0x0001);
  EXPECT_EQ(reader.read_i16(), std::nullopt);
  EXPECT_EQ(reader.remaining(), 1U);
}

TEST(MessageReader, ReadsCStringsAsViewsIntoTheInput) {
  const Bytes input = wire("abc\0\0xyz"sv);
  MessageReader reader(input);
  const auto first = reader.read_cstring();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "abc");
  EXPECT_EQ(static_cast<const void*>(first->data()), static_cast<const void*>(input.data()));
  EXPECT_EQ(reader.read_cstring(), ""sv);
  EXPECT_EQ(reader.read_cstring(), std::nullopt);  // "xyz" has no NUL
  EXPECT_EQ(reader.remaining(), 3U);
  EXPECT_EQ(testing::text(reader.read_rest()), "xyz");
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(reader.read_cstring(), std::nullopt);
}

TEST(MessageReader, EmptyInput) {
  MessageReader reader(ByteView{});
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(reader.read_cstring(), std::nullopt);
  EXPECT_EQ(reader.read_bytes(0).value().size(), 0U);
  EXPECT_EQ(reader.read_bytes(1), std::nullopt);
}

TEST(MessageWriter, BackPatchesTheLengthAndAppends) {
  Bytes out = wire("keep"sv);
  MessageWriter writer(out);
  writer.begin('Q');
  writer.put_cstring("hi");
  writer.finish();
  writer.begin('Z');
  writer.put_u8('I');
  writer.finish();
  EXPECT_EQ(out, wire("keepQ\0\0\0\x07hi\0Z\0\0\0\x05I"sv));
}

TEST(MessageWriter, UntypedPacketCountsItsLengthWord) {
  Bytes out;
  MessageWriter writer(out);
  writer.begin_untyped();
  writer.put_i32(-2);
  writer.put_i16(-1);
  writer.put_u16(0x1234);
  writer.put_bytes(wire("xy"sv));
  writer.finish();
  EXPECT_EQ(out, wire("\0\0\0\x0e\xff\xff\xff\xfe\xff\xff\x12\x34xy"sv));
}

}  // namespace
}  // namespace pgw::protocol
