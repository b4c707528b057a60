#include "auth/ident_map.hpp"

#include <cctype>

namespace pgw::auth {

struct IdentMaps::Entry {
  std::string map;
  std::string system_user;  ///< literal, or the pattern without its leading '/'
  std::string database_user;
  bool is_regex = false;
  regex_t regex{};
  ~Entry() {
    if (is_regex) ::regfree(&regex);
  }
};

IdentMaps::IdentMaps() = default;
IdentMaps::~IdentMaps() = default;
IdentMaps::IdentMaps(IdentMaps&&) noexcept = default;
IdentMaps& IdentMaps::operator=(IdentMaps&&) noexcept = default;

Expected<IdentMaps, FileError> IdentMaps::parse(std::string_view text,
                                                const std::string& source_name) {
  IdentMaps maps;
  int line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])))
        ++i;
      if (i >= line.size()) break;
      std::string field;
      if (line[i] == '"') {
        ++i;
        while (i < line.size() && line[i] != '"')
          field += line[i++];
        if (i >= line.size()) {
          return unexpected(FileError{source_name, line_number, "unterminated quoted name"});
        }
        ++i;
      } else {
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
          field += line[i++];
        }
      }
      fields.push_back(std::move(field));
    }
    if (fields.empty()) continue;
    if (fields.size() != 3) {
      return unexpected(FileError{source_name, line_number,
                                  "expected MAPNAME SYSTEM-USERNAME DATABASE-USERNAME, got " +
                                      std::to_string(fields.size()) + " fields"});
    }
    auto entry = std::make_unique<Entry>();
    entry->map = fields[0];
    entry->database_user = fields[2];
    if (!fields[1].empty() && fields[1].front() == '/') {
      entry->system_user = fields[1].substr(1);
      if (::regcomp(&entry->regex, entry->system_user.c_str(), REG_EXTENDED) != 0) {
        return unexpected(FileError{source_name, line_number,
                                    "invalid regular expression \"" + entry->system_user + "\""});
      }
      entry->is_regex = true;
    } else {
      entry->system_user = fields[1];
    }
    maps.entries_.push_back(std::move(entry));
  }
  return maps;
}

Expected<IdentMaps, FileError> IdentMaps::load(const std::string& path) {
  if (path.empty()) return IdentMaps();
  auto text = read_config_file(path, false);
  if (!text) return unexpected(text.error());
  return parse(*text, path);
}

bool IdentMaps::allows(std::string_view map, std::string_view system_user,
                       std::string_view database_user) const {
  std::string subject(system_user);
  for (const auto& entry : entries_) {
    if (entry->map != map) continue;
    if (!entry->is_regex) {
      if (entry->system_user == system_user && entry->database_user == database_user) {
        return true;
      }
      continue;
    }
    regmatch_t groups[2];
    if (::regexec(&entry->regex, subject.c_str(), 2, groups, 0) != 0) continue;
    if (groups[0].rm_so != 0 || static_cast<std::size_t>(groups[0].rm_eo) != subject.size()) {
      continue;  // the whole name must match
    }
    std::string wanted = entry->database_user;
    if (auto at = wanted.find("\\1"); at != std::string::npos) {
      std::string group =
          groups[1].rm_so >= 0
              ? subject.substr(static_cast<std::size_t>(groups[1].rm_so),
                               static_cast<std::size_t>(groups[1].rm_eo - groups[1].rm_so))
              : std::string();
      wanted.replace(at, 2, group);
    }
    if (wanted == database_user) return true;
  }
  return false;
}

std::size_t IdentMaps::size() const {
  return entries_.size();
}

}  // namespace pgw::auth
