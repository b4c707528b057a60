// Fuzzes the configuration parsers of src/auth with arbitrary text: as a pg_hba.conf-style file
// and as a passwords file. Beyond "no crash, no sanitizer report", it checks two properties:
// a parsed hba file matches a client without trouble, and inserting an entry into a valid
// passwords file gives a file that parses and holds that entry.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/hba.hpp"
#include "auth/passwords.hpp"

namespace {

void check_hba(std::string_view text) {
  auto rules = pgw::auth::HbaRules::parse(text, "fuzz");
  if (!rules) {
    if (rules.error().message.empty()) __builtin_trap();
    return;
  }
  if (rules->rules().empty()) __builtin_trap();  // an empty file is an error
  for (std::string_view address : {"10.1.2.3", "::1", "::ffff:192.168.0.1"}) {
    pgw::auth::ClientInfo client{false, true, pgw::auth::IpAddress::parse(address), "db", "user"};
    (void)rules->match(client);
  }
  (void)rules->match(pgw::auth::ClientInfo{true, false, std::nullopt, "user", "user"});
}

void check_passwords(std::string_view text) {
  auto file = pgw::auth::PasswordsFile::parse(text, "fuzz");
  if (!file) return;
  const std::string user = "fuzz \"user\"";
  const std::string secret = "md5" + std::string(32, 'a');
  auto updated = pgw::auth::upsert_password_entry(text, user, secret);
  auto reparsed = pgw::auth::PasswordsFile::parse(updated, "fuzz");
  if (!reparsed) __builtin_trap();
  const auto* entry = reparsed->find(user);
  if (entry == nullptr || entry->text != secret) __builtin_trap();
  std::size_t expected = file->size() + (file->find(user) == nullptr ? 1 : 0);
  if (reparsed->size() != expected) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_hba(text);
  check_passwords(text);
  return 0;
}
