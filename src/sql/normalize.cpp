#include "sql/normalize.hpp"

#include <cstring>

#include "sql/lexical.hpp"

namespace pgw::sql {

namespace {

using namespace lexical;

constexpr char kPlaceholders[] = {kNumberPlaceholder, kStringPlaceholder, '\0'};

bool equals_lower(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

/// One pass over the text; each member function consumes one token at `pos_` and returns
/// false when the text is not safe to normalize.
class Normalizer {
 public:
  Normalizer(std::string_view text, std::string& out) : text_(text), out_(out) {}
  bool run();

 private:
  enum class Step { kConsumed, kCopyChar, kUnsafe };
  static Step step(bool ok) { return ok ? Step::kConsumed : Step::kUnsafe; }
  Step other_char(char c);
  bool string_literal();
  bool number();
  void identifier_or_keyword(bool& unsafe);
  bool quoted_identifier();
  bool parameter();
  bool comment();
  void begin_token() {
    if (pending_space_ && !out_.empty()) out_.push_back(' ');
    pending_space_ = false;
  }
  char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

  std::string_view text_;
  std::string& out_;
  std::size_t pos_ = 0;
  bool pending_space_ = false;  // whitespace or a comment since the last token
  bool after_string_ = false;   // the last token was a string literal
};

bool Normalizer::run() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    switch (char_class(c)) {
      case kSpace:
        pending_space_ = true;
        ++pos_;
        continue;
      case kIdentStart: {
        bool unsafe = false;
        identifier_or_keyword(unsafe);
        if (unsafe) return false;
        continue;
      }
      case kDigit:
        if (!number()) return false;
        continue;
      case kOpChar:
        if ((c == '-' && at(pos_ + 1) == '-') || (c == '/' && at(pos_ + 1) == '*')) {
          if (!comment()) return false;
          continue;
        }
        break;
      case kOtherChar: {
        const Step step = other_char(c);
        if (step == Step::kUnsafe) return false;
        if (step == Step::kConsumed) continue;
        break;
      }
    }
    begin_token();
    out_.push_back(c);
    ++pos_;
    after_string_ = false;
  }
  return true;
}

Normalizer::Step Normalizer::other_char(char c) {
  switch (c) {
    case '\'':
      return step(string_literal());
    case '"':
      return step(quoted_identifier());
    case '$':
      return step(parameter());
    case '.':
      return is_digit(at(pos_ + 1)) ? step(number()) : Step::kCopyChar;
    case kNumberPlaceholder:
    case kStringPlaceholder:
      return Step::kUnsafe;
    default:
      return Step::kCopyChar;
  }
}

bool Normalizer::comment() {
  if (text_[pos_] == '-') {
    pos_ = skip_line_comment(text_, pos_);
  } else {
    bool nested = false;
    pos_ = skip_block_comment(text_, pos_, nested);
    if (pos_ == std::string_view::npos || nested) return false;
  }
  pending_space_ = true;
  return true;
}

bool Normalizer::string_literal() {
  // Adjacent strings may be one continued literal (a newline between them) or a syntax
  // error (no newline); a prefix (E'', U&'', B'', X'', N'') changes what the content means.
  if (after_string_) return false;
  if (pos_ > 0 && (is_ident_cont(text_[pos_ - 1]) || text_[pos_ - 1] == '&')) return false;
  std::size_t i = pos_ + 1;
  for (;;) {
    const std::size_t q = text_.find_first_of("'\\", i);
    if (q == std::string_view::npos || text_[q] == '\\') return false;
    if (at(q + 1) != '\'') {
      pos_ = q + 1;
      break;
    }
    i = q + 2;  // '' is a quote inside the string
  }
  begin_token();
  out_.push_back(kStringPlaceholder);
  after_string_ = true;
  return true;
}

bool Normalizer::number() {
  std::size_t i = pos_;
  while (is_digit(at(i))) {
    ++i;
  }
  if (at(i) == '.') {
    if (at(i + 1) == '.') return false;  // "1..": scan.l's decimalfail
    ++i;
    while (is_digit(at(i))) {
      ++i;
    }
  }
  if (at(i) == 'e' || at(i) == 'E') {
    std::size_t j = i + 1;
    if (at(j) == '+' || at(j) == '-') ++j;
    if (!is_digit(at(j))) return false;  // "1e", "1e+": realfail or junk
    while (is_digit(at(j))) {
      ++j;
    }
    i = j;
  }
  // PostgreSQL 15 rejects trailing junk ("0x1F", "1abc"); PostgreSQL 16 reads some of it as
  // hexadecimal or with underscores. Either way it is not ours to guess.
  if (i < text_.size() && is_ident_cont(text_[i])) return false;
  begin_token();
  out_.push_back(kNumberPlaceholder);
  pos_ = i;
  after_string_ = false;
  return true;
}

void Normalizer::identifier_or_keyword(bool& unsafe) {
  std::size_t i = pos_ + 1;
  while (i < text_.size() && is_ident_cont(text_[i])) {
    ++i;
  }
  const std::string_view word = text_.substr(pos_, i - pos_);
  // EXPLAIN's options may be literals ("EXPLAIN (ANALYZE 0)") that decide the classification.
  unsafe = equals_lower(word, "explain");
  begin_token();
  out_.append(word);
  pos_ = i;
  after_string_ = false;
}

bool Normalizer::quoted_identifier() {
  std::size_t i = pos_ + 1;
  for (;;) {
    const std::size_t q = text_.find('"', i);
    if (q == std::string_view::npos) return false;
    if (at(q + 1) != '"') {
      i = q + 1;
      break;
    }
    i = q + 2;  // "" is a quote inside the identifier
  }
  const std::string_view identifier = text_.substr(pos_, i - pos_);
  // Copied verbatim: it must not hold what a key uses for literals.
  if (identifier.find_first_of(kPlaceholders) != std::string_view::npos) return false;
  begin_token();
  out_.append(identifier);
  pos_ = i;
  after_string_ = false;
  return true;
}

bool Normalizer::parameter() {
  std::size_t i = pos_ + 1;
  if (!is_digit(at(i))) return false;  // a dollar quote, or junk
  while (is_digit(at(i))) {
    ++i;
  }
  if (i < text_.size() && is_ident_cont(text_[i])) return false;  // "$1abc": param_junk
  begin_token();
  out_.append(text_.substr(pos_, i - pos_));
  pos_ = i;
  after_string_ = false;
  return true;
}

}  // namespace

bool normalize_into(std::string_view sql, std::string& out) {
  out.clear();
  // A NUL cannot be part of a PostgreSQL statement; memchr keeps the main loop free of it.
  if (!sql.empty() && std::memchr(sql.data(), '\0', sql.size()) != nullptr) return false;
  return Normalizer(sql, out).run();
}

std::optional<std::string> normalize_for_cache(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  if (!normalize_into(sql, out)) return std::nullopt;
  return out;
}

}  // namespace pgw::sql
