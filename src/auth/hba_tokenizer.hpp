#pragma once
/// Splits one pg_hba.conf line into fields the way PostgreSQL 15 does (hba.c next_token and
/// next_field_expand). Internal to src/auth.
///  - Fields are separated by blanks; '#' outside quotes starts a comment to the end of line.
///  - A field is a comma-separated list: a token ending with an unquoted ',' continues the field
///    with the next token, even after blanks ("db1, db2" is one field of two names).
///  - Double quotes may enclose any part of a token (blanks, commas and '#' lose their meaning);
///    "" inside quotes is a literal quote; a token with any quote is "quoted", so it is never a
///    keyword ("all" is the keyword, "\"all\"" a name).
///  - No line continuation with a backslash (PostgreSQL 15 has none either).

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pgw::auth::detail {

struct HbaToken {
  std::string text;
  bool quoted = false;

  /// Unquoted and equal to `keyword`.
  bool is_keyword(std::string_view keyword) const { return !quoted && text == keyword; }
};

using HbaField = std::vector<HbaToken>;

/// The fields of `line` (none for a blank or comment line), or an error message (an unterminated
/// quote).
Expected<std::vector<HbaField>, std::string> tokenize_hba_line(std::string_view line);

}  // namespace pgw::auth::detail
