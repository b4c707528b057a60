#include "auth/passwords.hpp"

#include <vector>

#include "auth/md5.hpp"

namespace pgw::auth {
namespace {

constexpr std::string_view kScramPrefix = "SCRAM-SHA-256$";

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

struct Entry {
  std::string user;
  std::string secret;
};

// One line: nullopt for a line to ignore, an error message, or an entry.
struct LineResult {
  std::optional<Entry> entry;
  std::string error;
};

class LineParser {
 public:
  explicit LineParser(std::string_view line) : line_(line) {}

  LineResult parse() {
    skip_blanks();
    if (at_end() || line_[pos_] == ';' || line_[pos_] == '#') return {};
    auto user = quoted("a double-quoted user name");
    if (!user) return {std::nullopt, error_};
    std::size_t before = pos_;
    skip_blanks();
    if (pos_ == before && !at_end()) return {std::nullopt, "expected blanks after the user name"};
    auto secret = quoted("a double-quoted secret after the user name");
    if (!secret) return {std::nullopt, error_};
    skip_blanks();
    if (!at_end()) return {std::nullopt, "unexpected text after the secret"};
    return {Entry{std::move(*user), std::move(*secret)}, {}};
  }

 private:
  bool at_end() const { return pos_ >= line_.size(); }
  void skip_blanks() {
    while (!at_end() && is_blank(line_[pos_]))
      ++pos_;
  }

  std::optional<std::string> quoted(std::string_view what) {
    if (at_end() || line_[pos_] != '"') {
      error_ = "expected " + std::string(what);
      return std::nullopt;
    }
    std::string out;
    for (++pos_; !at_end(); ++pos_) {
      if (line_[pos_] != '"') {
        out += line_[pos_];
      } else if (pos_ + 1 < line_.size() && line_[pos_ + 1] == '"') {
        out += '"';
        ++pos_;
      } else {
        ++pos_;
        return out;
      }
    }
    error_ = "unterminated quoted string";
    return std::nullopt;
  }

  std::string_view line_;
  std::size_t pos_ = 0;
  std::string error_;
};

// Splits into lines without their '\n'.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

}  // namespace

std::optional<UserSecret> classify_secret(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.starts_with(kScramPrefix)) {
    auto scram = ScramSecret::parse(text);
    if (!scram) return std::nullopt;
    return UserSecret{SecretKind::kScramSha256, std::string(text), std::move(scram)};
  }
  if (is_md5_secret(text)) return UserSecret{SecretKind::kMd5, std::string(text), std::nullopt};
  return UserSecret{SecretKind::kPlain, std::string(text), std::nullopt};
}

Expected<PasswordsFile, FileError> PasswordsFile::parse(std::string_view text,
                                                        const std::string& source_name) {
  PasswordsFile file;
  std::map<std::string, int, std::less<>> first_line;
  auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    int line_no = static_cast<int>(i) + 1;
    auto fail_line = [&](std::string message) {
      return unexpected(FileError{source_name, line_no, std::move(message)});
    };
    auto result = LineParser(lines[i]).parse();
    if (!result.error.empty()) return fail_line(result.error);
    if (!result.entry) continue;
    auto& [user, secret_text] = *result.entry;
    if (user.empty()) return fail_line("empty user name");
    if (auto it = first_line.find(user); it != first_line.end()) {
      return fail_line("duplicate entry for user \"" + user + "\" (first on line " +
                       std::to_string(it->second) + ")");
    }
    if (secret_text.empty()) return fail_line("empty secret for user \"" + user + "\"");
    auto secret = classify_secret(secret_text);
    if (!secret) return fail_line("malformed SCRAM secret for user \"" + user + "\"");
    first_line.emplace(user, line_no);
    file.entries_.emplace(std::move(user), std::move(*secret));
  }
  return file;
}

Expected<PasswordsFile, FileError> PasswordsFile::load(const std::string& path) {
  auto text = read_config_file(path, /*require_private=*/true);
  if (!text) return unexpected(text.error());
  return parse(*text, path);
}

const UserSecret* PasswordsFile::find(std::string_view user) const {
  auto it = entries_.find(user);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string upsert_password_entry(std::string_view file_text, std::string_view user,
                                  std::string_view secret) {
  std::string entry = quote(user) + " " + quote(secret);
  std::string out;
  bool replaced = false;
  for (std::string_view line : split_lines(file_text)) {
    auto parsed = LineParser(line).parse();
    if (parsed.entry && parsed.entry->user == user) {
      if (replaced) continue;  // a later duplicate
      out += entry;
      if (line.ends_with('\r')) out += '\r';
      replaced = true;
    } else {
      out += line;
    }
    out += '\n';
  }
  if (!replaced) out += entry + "\n";
  // Keep a file that did not end with a newline that way (unless we appended to it).
  if (replaced && !file_text.empty() && !file_text.ends_with('\n')) out.pop_back();
  return out;
}

}  // namespace pgw::auth
