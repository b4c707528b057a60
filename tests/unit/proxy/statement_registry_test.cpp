#include "proxy/statement_registry.hpp"

#include <gtest/gtest.h>

#include "protocol/frontend.hpp"

namespace pgw::proxy {
namespace {

protocol::Bytes parse_message(std::string_view name, std::string_view sql) {
  protocol::Bytes out;
  protocol::encode(protocol::Parse{name, sql, {}}, out);
  return out;
}

sql::StatementInfo select_info() {
  sql::StatementInfo info;
  info.kind = sql::StatementKind::kSelect;
  info.read_only = true;
  return info;
}

NodeSet nodes(std::initializer_list<std::size_t> ids) {
  NodeSet set;
  for (auto id : ids) {
    set.set(id);
  }
  return set;
}

TEST(StatementRegistry, ParseRecordsTheMessageTheClassificationAndTheNode) {
  StatementRegistry registry;
  EXPECT_EQ(registry.find("s1"), nullptr);
  auto message = parse_message("s1", "SELECT 1");
  registry.on_parse("s1", message, select_info(), 2);
  const auto* statement = registry.find("s1");
  ASSERT_NE(statement, nullptr);
  EXPECT_EQ(statement->parse_message, message);
  EXPECT_EQ(statement->info, select_info());
  EXPECT_EQ(statement->prepared_on, nodes({2}));
  EXPECT_TRUE(statement->stale_on.none());
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(registry.find("s2"), nullptr);
}

TEST(StatementRegistry, ANewVersionOfANamedStatementLeavesTheOldCopiesStale) {
  StatementRegistry registry;
  registry.on_parse("s1", parse_message("s1", "SELECT 1"), select_info(), 1);
  registry.on_prepared_here("s1", 2);
  EXPECT_EQ(registry.find("s1")->prepared_on, nodes({1, 2}));

  auto v2 = parse_message("s1", "SELECT 2");
  sql::StatementInfo write;
  write.kind = sql::StatementKind::kInsert;
  registry.on_parse("s1", v2, write, 2);
  const auto* statement = registry.find("s1");
  EXPECT_EQ(statement->prepared_on, nodes({2}));
  EXPECT_EQ(statement->stale_on, nodes({1})) << "the node it was parsed on again is not stale";
  EXPECT_EQ(statement->parse_message, v2);
  EXPECT_EQ(statement->info.kind, sql::StatementKind::kInsert);
  EXPECT_EQ(registry.size(), 1u);
}

TEST(StatementRegistry, TheUnnamedStatementNeverGoesStale) {
  // PostgreSQL replaces the unnamed statement by itself on the next Parse there.
  StatementRegistry registry;
  registry.on_parse("", parse_message("", "SELECT 1"), select_info(), 1);
  registry.on_parse("", parse_message("", "SELECT 2"), select_info(), 2);
  EXPECT_EQ(registry.find("")->prepared_on, nodes({2}));
  EXPECT_TRUE(registry.find("")->stale_on.none());
}

TEST(StatementRegistry, ParseMessagesAboveTheLimitAreNotKept) {
  StatementRegistry registry;
  protocol::Bytes at_limit(StatementRegistry::kMaxKeptParse, 'x');
  registry.on_parse("small", at_limit, select_info(), 0);
  EXPECT_EQ(registry.find("small")->parse_message.size(), StatementRegistry::kMaxKeptParse);
  protocol::Bytes over(StatementRegistry::kMaxKeptParse + 1, 'x');
  registry.on_parse("small", over, select_info(), 0);
  EXPECT_TRUE(registry.find("small")->parse_message.empty()) << "the old message is dropped too";
  EXPECT_EQ(registry.find("small")->prepared_on, nodes({0}));
}

TEST(StatementRegistry, PreparedHereClearsStalenessAndIgnoresUnknownNames) {
  StatementRegistry registry;
  registry.on_prepared_here("nope", 1);
  EXPECT_EQ(registry.size(), 0u);
  registry.on_parse("s1", parse_message("s1", "SELECT 1"), select_info(), 1);
  registry.on_parse("s1", parse_message("s1", "SELECT 2"), select_info(), 0);
  ASSERT_EQ(registry.find("s1")->stale_on, nodes({1}));
  registry.on_prepared_here("s1", 1);  // closed first, then prepared
  EXPECT_EQ(registry.find("s1")->prepared_on, nodes({0, 1}));
  EXPECT_TRUE(registry.find("s1")->stale_on.none());
}

TEST(StatementRegistry, CloseLeavesOtherCopiesStaleAndForgetsTheLastOne) {
  StatementRegistry registry;
  registry.on_close("nope", 0);
  EXPECT_EQ(registry.size(), 0u);

  registry.on_parse("s1", parse_message("s1", "SELECT 1"), select_info(), 1);
  registry.on_prepared_here("s1", 2);
  registry.on_close("s1", 1);
  const auto* statement = registry.find("s1");
  ASSERT_NE(statement, nullptr) << "node 2 still holds a copy the client closed";
  EXPECT_TRUE(statement->prepared_on.none());
  EXPECT_EQ(statement->stale_on, nodes({2}));
  registry.on_close("s1", 2);
  EXPECT_EQ(registry.find("s1"), nullptr);

  registry.on_parse("s2", parse_message("s2", "SELECT 1"), select_info(), 0);
  registry.on_close("s2", 0);
  EXPECT_EQ(registry.find("s2"), nullptr);
  EXPECT_EQ(registry.size(), 0u);
}

TEST(StatementRegistry, ForgetNodeDropsItFromEveryStatement) {
  StatementRegistry registry;
  registry.on_parse("only1", parse_message("only1", "SELECT 1"), select_info(), 1);
  registry.on_parse("both", parse_message("both", "SELECT 1"), select_info(), 1);
  registry.on_prepared_here("both", 2);
  registry.on_parse("stale1", parse_message("stale1", "SELECT 1"), select_info(), 1);
  registry.on_parse("stale1", parse_message("stale1", "SELECT 2"), select_info(), 2);
  registry.forget_node(1);
  EXPECT_EQ(registry.find("only1"), nullptr);
  ASSERT_NE(registry.find("both"), nullptr);
  EXPECT_EQ(registry.find("both")->prepared_on, nodes({2}));
  ASSERT_NE(registry.find("stale1"), nullptr);
  EXPECT_EQ(registry.find("stale1")->prepared_on, nodes({2}));
  EXPECT_TRUE(registry.find("stale1")->stale_on.none());
  EXPECT_EQ(registry.size(), 2u);
}

TEST(StatementRegistry, ClearForgetsEverything) {
  StatementRegistry registry;
  registry.on_parse("a", parse_message("a", "SELECT 1"), select_info(), 0);
  registry.on_parse("", parse_message("", "SELECT 1"), select_info(), 1);
  registry.clear();
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(registry.find("a"), nullptr);
  EXPECT_EQ(registry.find(""), nullptr);
}

}  // namespace
}  // namespace pgw::proxy
