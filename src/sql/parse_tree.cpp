#include "sql/parse_tree.hpp"
#include <utility>

#include <span>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "sql/tree_walk.hpp"

namespace pgw::sql::detail {

ParseTree ParseTree::parse(const char* text, std::size_t max_depth) {
  PgQueryProtobufParseResult raw = pg_query_parse_protobuf(text);
  if (raw.error != nullptr) {
    pg_query_free_protobuf_parse_result(raw);
    return ParseTree(ParseStatus::kSyntaxError, nullptr, 0);
  }
  const std::span<const std::uint8_t> encoded(
      reinterpret_cast<const std::uint8_t*>(raw.parse_tree.data), raw.parse_tree.len);
  const std::size_t depth = encoded_depth(encoded, pg_query__parse_result__descriptor, max_depth);
  if (depth > max_depth) {
    pg_query_free_protobuf_parse_result(raw);
    return ParseTree(ParseStatus::kTooDeep, nullptr, depth);
  }
  // The unpacked tree is a copy in malloc'ed memory: libpg_query's buffer can go at once.
  PgQuery__ParseResult* result =
      pg_query__parse_result__unpack(nullptr, encoded.size(), encoded.data());
  pg_query_free_protobuf_parse_result(raw);
  if (result == nullptr) return ParseTree(ParseStatus::kSyntaxError, nullptr, depth);
  return ParseTree(ParseStatus::kOk, result, depth);
}

ParseTree::ParseTree(ParseTree&& other) noexcept
    : status_(other.status_),
      result_(std::exchange(other.result_, nullptr)),
      depth_(other.depth_) {}

ParseTree& ParseTree::operator=(ParseTree&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) pg_query__parse_result__free_unpacked(result_, nullptr);
    status_ = other.status_;
    result_ = std::exchange(other.result_, nullptr);
    depth_ = other.depth_;
  }
  return *this;
}

ParseTree::~ParseTree() {
  if (result_ != nullptr) pg_query__parse_result__free_unpacked(result_, nullptr);
}

}  // namespace pgw::sql::detail
