#pragma once
/// The passwords file, in PgBouncer's userlist.txt format. One entry per line:
///   "user" "secret"
/// Both fields in double quotes, separated by blanks (spaces or tabs); inside quotes a doubled
/// "" is a literal quote. Blank lines, and lines whose first non-blank character is ';' or '#',
/// are ignored; anything else (text after the secret included) is an error naming the line.
/// The secret is, as PostgreSQL classifies pg_authid.rolpassword:
///  - a SCRAM secret "SCRAM-SHA-256$..." (unlike PostgreSQL, one that does not parse is an
///    error rather than a plain-text password: a typo must not silently become a password);
///  - an md5 hash: "md5" + 32 lowercase hex digits (salted with the user name);
///  - otherwise plain text.
/// A user may appear once; an empty user name or secret is an error.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/file_error.hpp"
#include "auth/scram_secret.hpp"
#include "common/result.hpp"

namespace pgw::auth {

enum class SecretKind { kScramSha256, kMd5, kPlain };

struct UserSecret {
  SecretKind kind = SecretKind::kPlain;
  std::string text;                  ///< the secret as written in the file
  std::optional<ScramSecret> scram;  ///< parsed, when kind is kScramSha256
};

/// Classifies one secret (see above); nullopt for an empty text or a malformed SCRAM secret.
std::optional<UserSecret> classify_secret(std::string_view text);

/// A loaded passwords file: an immutable user -> secret map. Thread-safe to read.
class PasswordsFile {
 public:
  /// Parses `text`; errors carry `source_name` and the line number.
  static Expected<PasswordsFile, FileError> parse(std::string_view text,
                                                  const std::string& source_name);
  /// Reads and parses the file at `path`. Also refuses a file that group or others may read or
  /// write (mode & 077), with a message saying so and giving the chmod fix: it holds secrets.
  static Expected<PasswordsFile, FileError> load(const std::string& path);

  /// The entry of `user` (exact, case-sensitive match), or nullptr.
  const UserSecret* find(std::string_view user) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, UserSecret, std::less<>> entries_;
};

/// `pgwarden passwd` support: `file_text` with the entry of `user` set to `secret`. The first
/// line holding an entry for `user` is replaced in place, later entries for it are dropped,
/// every other line (comments, blank lines, even malformed ones) is kept byte for byte; a user
/// without an entry gets a line appended. Quotes in `user` and `secret` are doubled.
std::string upsert_password_entry(std::string_view file_text, std::string_view user,
                                  std::string_view secret);

}  // namespace pgw::auth
