#include "proxy/session_settings.hpp"

#include <cctype>

#include "common/text.hpp"

namespace pgw::proxy {
namespace {

Result<std::pair<std::string, std::string>> split_assignment(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return fail("invalid startup option \"" + std::string(text) + "\": expected name=value");
  }
  std::string name(text.substr(0, eq));
  // PostgreSQL accepts "--work-mem=..." spelled with dashes.
  for (auto& c : name) {
    if (c == '-') c = '_';
  }
  if (!is_valid_setting_name(name)) {
    return fail("invalid configuration parameter name \"" + name + "\"");
  }
  return std::pair{std::move(name), std::string(text.substr(eq + 1))};
}

}  // namespace

bool is_valid_setting_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
  }
  return true;
}

Result<Settings> parse_options_switches(std::string_view options) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  for (std::size_t i = 0; i < options.size(); ++i) {
    char c = options[i];
    if (c == '\\' && i + 1 < options.size()) {
      current += options[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(current));

  Settings settings;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view word = words[i];
    std::string_view assignment;
    if (word == "-c") {
      if (i + 1 >= words.size()) return fail("startup option \"-c\" needs name=value");
      assignment = words[++i];
    } else if (word.starts_with("-c")) {
      assignment = word.substr(2);
    } else if (word.starts_with("--")) {
      assignment = word.substr(2);
    } else {
      return fail("unsupported startup option \"" + std::string(word) +
                  "\": pgwarden accepts only -c name=value and --name=value");
    }
    auto pair = split_assignment(assignment);
    if (!pair) return unexpected(pair.error());
    settings.push_back(std::move(*pair));
  }
  return settings;
}

Result<Settings> settings_from_startup(const protocol::StartupMessage& startup) {
  Settings settings;
  for (const auto& [name, value] : startup.parameters) {
    if (name == "user" || name == "database" || name == "replication" ||
        name.starts_with("_pq_.")) {
      continue;
    }
    if (name == "options") {
      auto switches = parse_options_switches(value);
      if (!switches) return unexpected(switches.error());
      for (auto& s : *switches)
        settings.push_back(std::move(s));
      continue;
    }
    if (!is_valid_setting_name(name)) {
      return fail("invalid configuration parameter name \"" + name + "\"");
    }
    settings.emplace_back(name, value);
  }
  return settings;
}

std::string quote_literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string build_set_statements(const Settings& wanted, const pool::ParameterSet& server) {
  std::string sql;
  for (const auto& [name, value] : wanted) {
    const std::string* current = nullptr;
    for (const auto& [reported, reported_value] : server.items()) {
      if (iequals(reported, name)) current = &reported_value;
    }
    if (current != nullptr && *current == value) continue;
    sql += "SET " + name + " TO " + quote_literal(value) + ";";
  }
  return sql;
}

}  // namespace pgw::proxy
