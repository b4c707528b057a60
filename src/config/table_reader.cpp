#include "config/table_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "common/units.hpp"
#include "config/suggest.hpp"

namespace pgw::config::detail {
namespace {

constexpr std::size_t kMaxQuotedLength = 60;

ConfigError make_error(const std::string& file, const toml::source_region& where, std::string key,
                       std::string message) {
  return ConfigError{file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                     std::move(key), std::move(message)};
}

// Orders errors by position, with line 0 (no position) after every positioned error.
bool earlier(const ConfigError& a, const ConfigError& b) {
  if ((a.line == 0) != (b.line == 0)) return a.line != 0;
  if (a.line != b.line) return a.line < b.line;
  return a.column < b.column;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuotedLength; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxQuotedLength) out += "...";
  return out + "\"";
}

}  // namespace

void ErrorSink::add(const toml::source_region& where, std::string key, std::string message) {
  entries_.push_back({false, make_error(file_, where, std::move(key), std::move(message))});
}

void ErrorSink::add_unknown(const toml::source_region& where, std::string key,
                            std::string message) {
  entries_.push_back({true, make_error(file_, where, std::move(key), std::move(message))});
}

void ErrorSink::add_unpositioned(std::string key, std::string message) {
  entries_.push_back({false, ConfigError{file_, 0, 0, std::move(key), std::move(message)}});
}

std::optional<ConfigError> ErrorSink::first() const {
  const Entry* best = nullptr;
  for (const Entry& entry : entries_) {
    if (best == nullptr || (entry.unknown_key && !best->unknown_key) ||
        (entry.unknown_key == best->unknown_key && earlier(entry.error, best->error))) {
      best = &entry;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->error;
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return quote(node.as_string()->get());
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::floating_point: {
      std::ostringstream out;
      out << *node.as_floating_point();
      return out.str();
    }
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

TableReader::TableReader(const toml::table* table, std::string path, ErrorSink& errors)
    : table_(table), path_(std::move(path)), errors_(errors) {}

void TableReader::check_keys(std::initializer_list<std::string_view> known) {
  if (table_ == nullptr) return;
  const std::vector<std::string_view> candidates(known);
  for (auto&& [key, value] : *table_) {
    const std::string_view name = key.str();
    if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) continue;
    std::string message = value.is_table() ? "unknown table" : "unknown key";
    if (auto match = closest_match(name, candidates)) {
      message += " (did you mean \"" + *match + "\"?)";
    }
    errors_.add_unknown(key.source(), key_path(name), std::move(message));
  }
}

const toml::node* TableReader::find(std::string_view key) const {
  return table_ == nullptr ? nullptr : table_->get(key);
}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void TableReader::error(const toml::node& value, std::string_view key, std::string message) {
  errors_.add(value.source(), key_path(key), std::move(message));
}

void TableReader::missing(std::string_view key) {
  if (table_ == nullptr) {
    errors_.add_unpositioned(key_path(key), "required key is missing");
  } else {
    errors_.add(table_->source(), key_path(key), "required key is missing");
  }
}

void TableReader::read_string_array(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    error(*node, key, "expected an array of strings, got " + describe(*node));
    return;
  }
  std::vector<std::string> values;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    const auto* text = item.as_string();
    if (text == nullptr) {
      error(item, std::string(key) + "[" + std::to_string(i) + "]",
            "expected a string, got " + describe(item));
      return;
    }
    values.push_back(text->get());
  }
  out = std::move(values);
}

void TableReader::read_bool(std::string_view key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  if (node->is_boolean()) {
    out = node->as_boolean()->get();
    return;
  }
  error(*node, key, "expected true or false, got " + describe(*node));
}

void TableReader::read_string(std::string_view key, std::string& out, bool required) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    if (required) missing(key);
    return;
  }
  if (!node->is_string()) {
    error(*node, key, "expected a string, got " + describe(*node));
  } else if (required && node->as_string()->get().empty()) {
    error(*node, key, "must not be empty");
  } else {
    out = node->as_string()->get();
  }
}

std::optional<std::int64_t> TableReader::read_int_value(std::string_view key, std::int64_t min,
                                                        std::int64_t max) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  if (node->is_integer()) {
    const std::int64_t v = node->as_integer()->get();
    if (v >= min && v <= max) return v;
  }
  error(*node, key,
        "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
            ", got " + describe(*node));
  return std::nullopt;
}

void TableReader::read_duration(std::string_view key, std::chrono::milliseconds min,
                                std::chrono::milliseconds max, std::chrono::milliseconds& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  std::optional<std::chrono::milliseconds> parsed;
  if (node->is_string()) parsed = parse_duration(node->as_string()->get());
  if (!parsed) {
    error(*node, key,
          "expected a duration: a string with a unit: ms, s, min or h (e.g. \"30s\"), got " +
              describe(*node));
  } else if (*parsed < min || *parsed > max) {
    error(*node, key,
          "expected a duration from " + format_duration(min) + " to " + format_duration(max) +
              ", got " + describe(*node));
  } else {
    out = *parsed;
  }
}

void TableReader::read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                            std::uint64_t& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return;
  std::optional<std::uint64_t> parsed;
  if (node->is_string()) parsed = parse_size(node->as_string()->get());
  if (node->is_integer() && node->as_integer()->get() >= 0) {
    parsed = static_cast<std::uint64_t>(node->as_integer()->get());
  }
  if (!parsed) {
    error(*node, key,
          "expected a size: an integer number of bytes or a string with a unit: B, kB, MB or GB "
          "(e.g. \"16MB\"), got " +
              describe(*node));
  } else if (*parsed < min || *parsed > max) {
    error(*node, key,
          "expected a size from " + format_size(min) + " to " + format_size(max) + ", got " +
              describe(*node));
  } else {
    out = *parsed;
  }
}

const toml::table* section(const toml::table& root, std::string_view key, ErrorSink& errors) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    errors.add(node->source(), std::string(key), "expected a table, got " + describe(*node));
  }
  return node->as_table();
}

namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

ConfigError file_error(const std::string& path, const std::string& message) {
  return ConfigError{path, 0, 0, "", message};
}

}  // namespace

Expected<std::string, ConfigError> read_file_text(const std::string& path, std::size_t max_size) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    return unexpected(file_error(path, std::string("cannot open: ") + std::strerror(errno)));
  std::string text;
  char buffer[8192];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, n);
    if (text.size() > max_size) {
      return unexpected(file_error(
          path, "cannot read: larger than " + std::to_string(max_size / (1024 * 1024)) + "MB"));
    }
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file.get())) {
    return unexpected(file_error(path, std::string("cannot read: ") + std::strerror(errno)));
  }
  return text;
}

}  // namespace pgw::config::detail
