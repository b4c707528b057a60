#pragma once
/// Quick scans of raw statement text that need no parse (internal to src/sql).

#include <cstddef>
#include <string_view>

namespace pgw::sql::detail {

/// Texts scoring more than this are not parsed: libpg_query's protobuf output recurses per
/// level of the tree (about 170 bytes of stack each, so some 350 KiB at the bound below) and
/// costs time quadratic in the depth (about 3 ms at the bound).
inline constexpr std::size_t kMaxNestingScore = 1000;
/// The tree of a parsable text is at most kDepthPerScore * nesting_score() + kDepthSlack
/// messages deep.
inline constexpr std::size_t kDepthPerScore = 2;
inline constexpr std::size_t kDepthSlack = 32;

/// True when the text starts (after whitespace) with comments, one of which contains
/// "NO LOAD BALANCE" in any case.
bool has_no_load_balance_hint(std::string_view sql);

/// An upper-bound estimate of how deeply libpg_query's tree for `sql` can nest, read from the
/// tokens without parsing: every token that can add a level to a left-deep chain (operators
/// other than plain comparisons, "::", IS, IN, JOIN, UNION, COLLATE, AT, ...) or to a
/// right-nested one (NOT, CASE, unary operators) counts, plus the deepest bracket nesting
/// (weighted). Strings, quoted identifiers, dollar quotes and comments are skipped the way
/// PostgreSQL 15's lexer does (standard_conforming_strings on). The parse tree is at most about
/// twice this deep (tests/unit/sql checks it, the fuzzer too).
std::size_t nesting_score(std::string_view sql);

}  // namespace pgw::sql::detail
