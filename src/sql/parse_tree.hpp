#pragma once
/// The one wrapper around libpg_query in pgwarden (internal to src/sql; STYLE.md keeps
/// libpg_query behind src/sql, so this header names its types only by declaration).
///
/// Thread-safety: libpg_query keeps its parser state in thread-local storage and creates a
/// memory context per thread on first use (its changelog: 9.5-1.4.0 "Make library thread-safe
/// through thread-local storage", 9.5-1.4.1 "Automatically call pg_query_init as needed to
/// ease threaded usage"; 10-1.0.5 frees that context when the thread exits). So parse() may
/// run on several threads at once; a ParseTree belongs to the thread that uses it.

#include <cstddef>

struct PgQuery__ParseResult;  // NOLINT(bugprone-reserved-identifier): generated name

namespace pgw::sql::detail {

/// Deeper trees are not unpacked: protobuf-c needs about 0.8 KiB of stack per level, so this
/// is some 400 KiB. Real statements stay far below (a 600-byte ORM query is 18 levels deep).
inline constexpr std::size_t kMaxTreeDepth = 500;

enum class ParseStatus {
  kOk,
  kSyntaxError,  ///< libpg_query refused the text
  kTooDeep,      ///< parsed, but nested deeper than allowed: not unpacked
};

/// A parsed text: libpg_query's protobuf output, unpacked by protobuf-c. Move-only.
class ParseTree {
 public:
  /// Parses `text`, which must be NUL-terminated and contain no other NUL. A tree nested more
  /// than `max_depth` messages deep is refused (kTooDeep) before unpacking, because
  /// protobuf-c unpacks recursively.
  static ParseTree parse(const char* text, std::size_t max_depth);

  ParseTree(ParseTree&& other) noexcept;
  ParseTree& operator=(ParseTree&& other) noexcept;
  ParseTree(const ParseTree&) = delete;
  ParseTree& operator=(const ParseTree&) = delete;
  ~ParseTree();

  ParseStatus status() const { return status_; }
  /// The statements; non-null exactly when status() is kOk.
  const PgQuery__ParseResult* result() const { return result_; }
  /// The nesting depth of the tree in messages (ParseResult = 1), when it was measured.
  std::size_t depth() const { return depth_; }

 private:
  ParseTree(ParseStatus status, PgQuery__ParseResult* result, std::size_t depth)
      : status_(status), result_(result), depth_(depth) {}

  ParseStatus status_;
  PgQuery__ParseResult* result_;
  std::size_t depth_;
};

}  // namespace pgw::sql::detail
