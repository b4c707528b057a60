#pragma once
/// The cache key of a statement: its text with literals replaced by placeholders.

#include <optional>
#include <string>
#include <string_view>

namespace pgw::sql {

/// What a numeric literal becomes in a normalized text.
inline constexpr char kNumberPlaceholder = '\x01';
/// What a string literal becomes in a normalized text.
inline constexpr char kStringPlaceholder = '\x02';

/// The text with every numeric literal replaced by kNumberPlaceholder and every string literal
/// by kStringPlaceholder, comments removed and runs of whitespace collapsed to one space
/// (none at either end), in one pass. Texts with the same normalized form classify the same
/// (src/sql/README.md says why). std::nullopt when the quick lexer cannot do this safely: dollar
/// quotes, strings containing a backslash or with a prefix (E'', U&'', B'', X'', N''), adjacent
/// strings, unterminated quotes or comments, nested comments, numbers with trailing junk (0x1F,
/// 1e), the placeholder bytes or NUL in the text, and the word EXPLAIN (whose options may be
/// literals that change the classification). Then the exact text is the key.
std::optional<std::string> normalize_for_cache(std::string_view sql);

/// As normalize_for_cache(), into `out` (cleared first; no allocation once its capacity
/// suffices). Returns false, with `out` unspecified, where normalize_for_cache() gives nullopt.
bool normalize_into(std::string_view sql, std::string& out);

}  // namespace pgw::sql
