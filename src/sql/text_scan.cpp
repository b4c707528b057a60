#include "sql/text_scan.hpp"

#include <algorithm>
#include <array>

#include "sql/lexical.hpp"

namespace pgw::sql::detail {

namespace {

using namespace lexical;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_ignoring_case(std::string_view text, std::string_view lower_needle) {
  if (text.size() < lower_needle.size()) return false;
  for (std::size_t i = 0; i + lower_needle.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < lower_needle.size() && lower(text[i + k]) == lower_needle[k]) {
      ++k;
    }
    if (k == lower_needle.size()) return true;
  }
  return false;
}

// Keywords of PostgreSQL 15's grammar that can wrap an expression or a query in one more node
// without brackets, each time they are repeated: left-associative operators and postfix tests
// (AT TIME ZONE, COLLATE, IS ..., ISNULL, NOTNULL, IN, "= ANY (...)" and friends, set
// operations, joins), prefix NOT and CASE (weighted 2: CaseExpr + CaseWhen). LIKE, BETWEEN and
// friends are non-associative, but counting them costs nothing.
struct Keyword {
  std::string_view word;
  std::size_t weight;
};
constexpr std::array<Keyword, 20> kNestingKeywords = {{
    {"all", 2},     {"any", 2},      {"at", 1},      {"between", 1}, {"case", 2},
    {"collate", 1}, {"except", 1},   {"ilike", 1},   {"in", 1},      {"intersect", 1},
    {"is", 1},      {"isnull", 1},   {"join", 1},    {"like", 1},    {"not", 1},
    {"notnull", 1}, {"overlaps", 1}, {"similar", 1}, {"some", 2},    {"union", 1},
}};
constexpr std::size_t kLongestKeyword = 9;
// A bracket level can hold a sub-query: RangeSubselect/SubLink, Node, SelectStmt, Node, ...
constexpr std::size_t kBracketWeight = 4;

std::size_t keyword_weight(std::string_view word) {
  if (word.size() > kLongestKeyword) return 0;
  std::array<char, kLongestKeyword> buffer{};
  for (std::size_t i = 0; i < word.size(); ++i) {
    buffer[i] = lower(word[i]);
  }
  const std::string_view lowered(buffer.data(), word.size());
  for (const auto& keyword : kNestingKeywords) {
    if (keyword.word == lowered) return keyword.weight;
  }
  return 0;
}

bool is_plain_comparison(std::string_view op) {
  return op == "=" || op == "<" || op == ">" || op == "<=" || op == ">=" || op == "<>" ||
         op == "!=";
}

/// Scans the text once; see nesting_score().
class NestingScanner {
 public:
  explicit NestingScanner(std::string_view text) : text_(text) {}
  std::size_t run();

 private:
  char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }
  void word();
  void number();
  void operator_run();
  void quoted(char quote, bool backslash_escapes);
  void dollar();

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t score_ = 0;
  std::size_t depth_ = 0;
  std::size_t max_depth_ = 0;
};

std::size_t NestingScanner::run() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '-' && at(pos_ + 1) == '-') {
      pos_ = skip_line_comment(text_, pos_);
    } else if (c == '/' && at(pos_ + 1) == '*') {
      bool nested = false;
      pos_ = std::min(skip_block_comment(text_, pos_, nested), text_.size());
    } else if (is_ident_start(c)) {
      word();
    } else if (is_digit(c) || (c == '.' && is_digit(at(pos_ + 1)))) {
      number();
    } else if (char_class(c) == kOpChar) {
      operator_run();
    } else if (c == '\'') {
      quoted('\'', false);
    } else if (c == '"') {
      quoted('"', false);
    } else if (c == '$') {
      dollar();
    } else {
      if (c == ':') ++score_;
      if (c == '(' || c == '[') max_depth_ = std::max(max_depth_, ++depth_);
      if ((c == ')' || c == ']') && depth_ > 0) --depth_;
      ++pos_;
    }
  }
  return score_ + kBracketWeight * max_depth_;
}

void NestingScanner::word() {
  const std::size_t start = pos_;
  while (pos_ < text_.size() && is_ident_cont(text_[pos_])) {
    ++pos_;
  }
  const std::string_view w = text_.substr(start, pos_ - start);
  // Prefixed literals: scan.l's xestart [eE]', xusstart [uU]&', xui [uU]&", xb/xh/xn.
  if (w.size() == 1 && at(pos_) == '\'') {
    quoted('\'', lower(w[0]) == 'e');
    return;
  }
  if (w.size() == 1 && lower(w[0]) == 'u' && at(pos_) == '&' &&
      (at(pos_ + 1) == '\'' || at(pos_ + 1) == '"')) {
    ++pos_;
    quoted(text_[pos_], false);
    return;
  }
  score_ += keyword_weight(w);
}

void NestingScanner::number() {
  // The whole literal, exponent sign included: texts that differ only in their literals must
  // score the same (they share a cache entry).
  while (is_digit(at(pos_)) || at(pos_) == '.') {
    ++pos_;
  }
  if ((at(pos_) == 'e' || at(pos_) == 'E') &&
      (is_digit(at(pos_ + 1)) ||
       ((at(pos_ + 1) == '+' || at(pos_ + 1) == '-') && is_digit(at(pos_ + 2))))) {
    pos_ += 2;
    while (is_digit(at(pos_))) {
      ++pos_;
    }
  }
}

void NestingScanner::operator_run() {
  // run() has skipped a comment starting here, so the run has at least one character.
  const std::size_t start = pos_;
  while (pos_ < text_.size() && char_class(text_[pos_]) == kOpChar) {
    const char c = text_[pos_];
    if ((c == '-' && at(pos_ + 1) == '-') || (c == '/' && at(pos_ + 1) == '*')) break;
    ++pos_;
  }
  const std::string_view op = text_.substr(start, pos_ - start);
  // A run may be several operators ("=-", "- - -" without spaces): count every character.
  if (!is_plain_comparison(op)) score_ += op.size();
}

void NestingScanner::quoted(char quote, bool backslash_escapes) {
  ++pos_;  // the opening quote
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (backslash_escapes && c == '\\') {
      pos_ += 2;
    } else if (c == quote) {
      if (at(pos_ + 1) != quote) {
        ++pos_;
        return;
      }
      pos_ += 2;
    } else {
      ++pos_;
    }
  }
  pos_ = text_.size();  // unterminated: the parser refuses it
}

void NestingScanner::dollar() {
  // scan.l's dolqdelim: \$({dolq_start}{dolq_cont}*)?\$ ; "$1" is a parameter.
  std::size_t i = pos_ + 1;
  if (is_digit(at(i))) {
    while (is_digit(at(i))) {
      ++i;
    }
    pos_ = i;
    return;
  }
  if (is_ident_start(at(i))) {
    ++i;
    while (is_ident_start(at(i)) || is_digit(at(i))) {
      ++i;
    }
  }
  if (at(i) != '$') {
    pos_ = i;
    return;
  }
  const std::string_view delimiter = text_.substr(pos_, i + 1 - pos_);
  const std::size_t end = text_.find(delimiter, i + 1);
  pos_ = end == std::string_view::npos ? text_.size() : end + delimiter.size();
}

}  // namespace

bool has_no_load_balance_hint(std::string_view sql) {
  std::size_t pos = 0;
  for (;;) {
    while (pos < sql.size() && is_space(sql[pos])) {
      ++pos;
    }
    if (sql.substr(pos, 2) == "--") {
      const std::size_t end = skip_line_comment(sql, pos);
      if (contains_ignoring_case(sql.substr(pos + 2, end - pos - 2), "no load balance")) {
        return true;
      }
      pos = end;
    } else if (sql.substr(pos, 2) == "/*") {
      bool nested = false;
      const std::size_t end = std::min(skip_block_comment(sql, pos, nested), sql.size());
      if (contains_ignoring_case(sql.substr(pos + 2, end - pos - 2), "no load balance")) {
        return true;
      }
      pos = end;
    } else {
      return false;
    }
  }
}

std::size_t nesting_score(std::string_view sql) {
  return NestingScanner(sql).run();
}

}  // namespace pgw::sql::detail
