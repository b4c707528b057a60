#include "common/io_buffer.hpp"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace pgw {
namespace {

TEST(IoBuffer, HoldsNoStorageWhenEmpty) {
  IoBuffer buffer;
  EXPECT_EQ(buffer.capacity(), 0u);
  auto space = buffer.writable();
  EXPECT_EQ(space.size(), IoBuffer::kBlockSize);
  std::memcpy(space.data(), "abc", 3);
  buffer.commit(3);
  EXPECT_EQ(buffer.size(), 3u);
  buffer.consume(3);
  EXPECT_EQ(buffer.capacity(), 0u) << "storage goes back to the cache when empty";
}

TEST(IoBuffer, CompactsAndGrowsKeepingTheData) {
  IoBuffer buffer;
  std::vector<std::uint8_t> data(IoBuffer::kBlockSize);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<std::uint8_t>(i * 7);
  buffer.append(data);
  buffer.consume(100);
  auto space = buffer.writable();  // compacts: 100 bytes free at the end
  EXPECT_EQ(space.size(), 100u);
  buffer.reserve(3 * IoBuffer::kBlockSize);
  EXPECT_GE(buffer.capacity(), 3 * IoBuffer::kBlockSize);
  ASSERT_EQ(buffer.size(), data.size() - 100);
  EXPECT_TRUE(std::equal(buffer.data().begin(), buffer.data().end(), data.begin() + 100));
  buffer.clear();
  EXPECT_EQ(buffer.capacity(), 0u);
}

TEST(IoBuffer, MovesOwnership) {
  IoBuffer a;
  a.append(std::vector<std::uint8_t>{1, 2, 3});
  IoBuffer b(std::move(a));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  a = std::move(b);
  EXPECT_EQ(a.size(), 3u);
}

}  // namespace
}  // namespace pgw
