#include "admin/result_encoder.hpp"

#include <variant>

#include <gtest/gtest.h>

#include "protocol/backend.hpp"
#include "protocol/framing.hpp"

namespace pgw::admin {
namespace {

using protocol::BackendMessage;

/// Every message of `bytes`, decoded (views into `bytes`).
std::vector<BackendMessage> decode_all(const protocol::Bytes& bytes) {
  std::vector<BackendMessage> messages;
  protocol::ByteView rest(bytes);
  while (!rest.empty()) {
    const auto framed = protocol::next_frame(rest, 1 << 20);
    EXPECT_EQ(framed.status, protocol::FrameStatus::kComplete) << framed.error;
    if (framed.status != protocol::FrameStatus::kComplete) break;
    auto message = protocol::decode_backend(framed.frame.type, framed.frame.body);
    EXPECT_TRUE(message.has_value());
    if (!message) break;
    messages.push_back(std::move(*message));
    rest = rest.subspan(framed.frame.size);
  }
  return messages;
}

std::optional<std::string> text_of(const std::optional<protocol::ByteView>& cell) {
  if (!cell) return std::nullopt;
  return std::string(protocol::as_chars(*cell));
}

TEST(EncodeResultTest, DecodesBackToTheSameTable) {
  Table table;
  table.columns = {"node_id", "replication_delay"};
  table.rows = {{"0", "0"}, {"1", std::nullopt}, {"2", ""}};
  protocol::Bytes out = {'x'};  // appends, keeps what was there
  encode_result(table, "SELECT 3", out);
  ASSERT_EQ(out.front(), 'x');
  out.erase(out.begin());

  const auto messages = decode_all(out);
  ASSERT_EQ(messages.size(), 5u);
  const auto& description = std::get<protocol::RowDescription>(messages[0]);
  ASSERT_EQ(description.fields.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& field = description.fields[i];
    EXPECT_EQ(field.name, table.columns[i]);
    EXPECT_EQ(field.type_oid, 25u);
    EXPECT_EQ(field.type_size, -1);
    EXPECT_EQ(field.type_modifier, -1);
    EXPECT_EQ(field.format, 0);
    EXPECT_EQ(field.table_oid, 0u);
    EXPECT_EQ(field.column, 0);
  }
  for (std::size_t row = 0; row < 3; ++row) {
    const auto& data = std::get<protocol::DataRow>(messages[1 + row]);
    ASSERT_EQ(data.columns.size(), 2u);
    EXPECT_EQ(text_of(data.columns[0]), table.rows[row][0]);
    EXPECT_EQ(text_of(data.columns[1]), table.rows[row][1]);
  }
  EXPECT_EQ(std::get<protocol::CommandComplete>(messages[4]).tag, "SELECT 3");
}

TEST(EncodeResultTest, NoRows) {
  Table table;
  table.columns = {"pool_version"};
  protocol::Bytes out;
  encode_result(table, "SHOW", out);
  const auto messages = decode_all(out);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(std::get<protocol::RowDescription>(messages[0]).fields.size(), 1u);
  EXPECT_EQ(std::get<protocol::CommandComplete>(messages[1]).tag, "SHOW");
}

}  // namespace
}  // namespace pgw::admin
