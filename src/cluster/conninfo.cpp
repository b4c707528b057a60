#include "cluster/conninfo.hpp"

#include <cctype>

namespace pgw::cluster {

Result<ConninfoPairs> parse_conninfo(std::string_view text) {
  ConninfoPairs pairs;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
  };
  for (;;) {
    skip_space();
    if (i >= text.size()) break;
    std::size_t key_start = i;
    while (i < text.size() && text[i] != '=' &&
           !std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    std::string key(text.substr(key_start, i - key_start));
    if (key.empty()) return fail("missing keyword before \"=\" in connection string");
    skip_space();
    if (i >= text.size() || text[i] != '=') {
      return fail("missing \"=\" after \"" + key + "\" in connection string");
    }
    ++i;
    skip_space();
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) {
          value += text[i++];
        } else if (c == '\'') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return fail("unterminated quoted value for \"" + key + "\"");
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) c = text[i++];
        value += c;
      }
    }
    pairs.emplace_back(std::move(key), std::move(value));
  }
  return pairs;
}

std::string format_conninfo(const ConninfoPairs& pairs) {
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += ' ';
    out += key + "='";
    for (char c : value) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out += '\'';
  }
  return out;
}

Result<std::string> rewrite_conninfo_target(std::string_view text, const std::string& host,
                                            std::uint16_t port) {
  auto pairs = parse_conninfo(text);
  if (!pairs) return unexpected(pairs.error());
  ConninfoPairs out;
  bool has_host = false;
  bool has_port = false;
  for (auto& [key, value] : *pairs) {
    if (key == "hostaddr") continue;
    if (key == "host") {
      value = host;
      has_host = true;
    }
    if (key == "port") {
      value = std::to_string(port);
      has_port = true;
    }
    out.emplace_back(key, value);
  }
  if (!has_host) out.emplace_back("host", host);
  if (!has_port) out.emplace_back("port", std::to_string(port));
  return format_conninfo(out);
}

}  // namespace pgw::cluster
