#pragma once
/// Character classes and comment skipping of PostgreSQL 15's lexer (src/backend/parser/scan.l),
/// shared by the quick scanners of src/sql. Internal to src/sql.

#include <array>
#include <cstdint>
#include <string_view>

namespace pgw::sql::lexical {

enum CharClass : std::uint8_t {
  kOtherChar,
  kSpace,       // scan.l `space`: [ \t\n\r\f] (PostgreSQL 15 does not count \v)
  kIdentStart,  // [A-Za-z\200-\377_]
  kDigit,
  kOpChar,  // scan.l `op_chars`: ~!@#^&|`?+-*/%<>=
};

constexpr std::array<std::uint8_t, 256> make_char_classes() {
  std::array<std::uint8_t, 256> table{};
  for (unsigned char c : std::string_view(" \t\n\r\f")) {
    table[c] = kSpace;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[static_cast<unsigned>(c)] = kIdentStart;
  }
  for (int c = 'A'; c <= 'Z'; ++c) {
    table[static_cast<unsigned>(c)] = kIdentStart;
  }
  for (int c = 0x80; c <= 0xff; ++c) {
    table[static_cast<unsigned>(c)] = kIdentStart;
  }
  table['_'] = kIdentStart;
  for (int c = '0'; c <= '9'; ++c) {
    table[static_cast<unsigned>(c)] = kDigit;
  }
  for (unsigned char c : std::string_view("~!@#^&|`?+-*/%<>=")) {
    table[c] = kOpChar;
  }
  return table;
}

inline constexpr std::array<std::uint8_t, 256> kCharClasses = make_char_classes();

inline CharClass char_class(char c) {
  return static_cast<CharClass>(kCharClasses[static_cast<unsigned char>(c)]);
}
inline bool is_space(char c) {
  return char_class(c) == kSpace;
}
inline bool is_ident_start(char c) {
  return char_class(c) == kIdentStart;
}
inline bool is_digit(char c) {
  return char_class(c) == kDigit;
}
/// scan.l `ident_cont`: [A-Za-z\200-\377_0-9\$]
inline bool is_ident_cont(char c) {
  const auto cls = char_class(c);
  return cls == kIdentStart || cls == kDigit || c == '$';
}

/// `pos` is at "--": the position after the comment (at its newline or the end).
inline std::size_t skip_line_comment(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] != '\n' && text[pos] != '\r') {
    ++pos;
  }
  return pos;
}

/// `pos` is at "/*": the position after the matching "*/" (PostgreSQL nests block comments),
/// or npos when unterminated. `nested` is set when a comment opens inside it.
inline std::size_t skip_block_comment(std::string_view text, std::size_t pos, bool& nested) {
  int depth = 0;
  while (pos + 1 < text.size()) {
    if (text[pos] == '/' && text[pos + 1] == '*') {
      nested = nested || depth > 0;
      ++depth;
      pos += 2;
    } else if (text[pos] == '*' && text[pos + 1] == '/') {
      pos += 2;
      if (--depth == 0) return pos;
    } else {
      ++pos;
    }
  }
  return std::string_view::npos;
}

}  // namespace pgw::sql::lexical
