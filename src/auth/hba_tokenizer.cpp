#include "auth/hba_tokenizer.hpp"

#include <optional>

namespace pgw::auth::detail {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view line) : line_(line) {}

  Expected<std::vector<HbaField>, std::string> run() {
    std::vector<HbaField> fields;
    HbaField field;
    for (;;) {
      bool trailing_comma = false;
      auto token = next_token(trailing_comma);
      if (!error_.empty()) return unexpected(error_);
      if (token) field.push_back(std::move(*token));
      if (!trailing_comma || !token) {
        if (!field.empty()) fields.push_back(std::move(field));
        field.clear();
      }
      if (!token) break;
    }
    return fields;
  }

 private:
  bool at_end() const { return pos_ >= line_.size() || comment_; }

  // The next token, or nullopt at the end of the line (or at a comment).
  std::optional<HbaToken> next_token(bool& trailing_comma) {
    // Blanks and commas before a token are skipped, as PostgreSQL does.
    while (!at_end() && (is_blank(line_[pos_]) || line_[pos_] == ','))
      ++pos_;
    HbaToken token;
    bool in_quote = false;
    bool saw_anything = false;
    while (!at_end() && (in_quote || !is_blank(line_[pos_]))) {
      char c = line_[pos_++];
      if (!in_quote && c == '#') {
        comment_ = true;
        break;
      }
      if (!in_quote && c == ',') {
        trailing_comma = true;
        break;
      }
      saw_anything = true;
      if (c != '"') {
        token.text += c;
      } else if (in_quote && pos_ < line_.size() && line_[pos_] == '"') {
        token.text += '"';  // "" inside quotes
        ++pos_;
      } else {
        in_quote = !in_quote;
        token.quoted = true;
      }
    }
    if (in_quote) error_ = "unterminated quoted string";
    if (!saw_anything) return std::nullopt;
    return token;
  }

  std::string_view line_;
  std::size_t pos_ = 0;
  bool comment_ = false;
  std::string error_;
};

}  // namespace

Expected<std::vector<HbaField>, std::string> tokenize_hba_line(std::string_view line) {
  return Tokenizer(line).run();
}

}  // namespace pgw::auth::detail
