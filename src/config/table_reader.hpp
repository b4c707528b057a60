#pragma once
/// Internal to src/config: typed, range-checked reads from one TOML table, reporting every
/// problem with its position and dotted key. Includes toml++, so only src/config/*.cpp may
/// include this header.

#include <utility>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace pgw::config::detail {

/// Collects the errors found while reading a configuration and picks the one to report.
class ErrorSink {
 public:
  explicit ErrorSink(std::string file) : file_(std::move(file)) {}

  /// An error at `where` (a position in the file), about `key`.
  void add(const toml::source_region& where, std::string key, std::string message);
  /// An unknown key: reported before any other error, so that a misspelt key is named rather
  /// than the required key it failed to set.
  void add_unknown(const toml::source_region& where, std::string key, std::string message);
  /// An error tied to no position (line 0), e.g. a key missing from an absent table.
  void add_unpositioned(std::string key, std::string message);

  /// The first unknown key in file order, else the first other error in file order, errors
  /// without a line last; nullopt when there was none.
  std::optional<ConfigError> first() const;

 private:
  struct Entry {
    bool unknown_key;
    ConfigError error;
  };
  std::string file_;
  std::vector<Entry> entries_;
};

/// "got ..." text for a value: strings quoted (and cut when long), numbers and booleans as
/// written, other nodes by their kind ("a table", "an array").
std::string describe(const toml::node& node);

/// The section `key` of the root, or null when absent (an error is reported if it is no table).
const toml::table* section(const toml::table& root, std::string_view key, ErrorSink& errors);

/// The whole text of a configuration file, refusing one larger than `max_size` bytes (a
/// mistaken path: a log, a device).
Expected<std::string, ConfigError> read_file_text(const std::string& path, std::size_t max_size);

/// Parses `text` and builds the result with `build(root)`. toml++ reports syntax errors by
/// throwing, and allocation can throw anywhere: nothing escapes (callers, and the fuzzers,
/// rely on an error value).
template <class Build>
auto parse_toml(std::string_view text, const std::string& source_name, Build build)
    -> decltype(build(std::declval<const toml::table&>())) {
  try {
    const toml::table root = toml::parse(text, std::string_view(source_name));
    return build(root);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return unexpected(ConfigError{source_name, static_cast<int>(where.line),
                                  static_cast<int>(where.column), "",
                                  std::string(e.description())});
  } catch (const std::exception& e) {
    return unexpected(ConfigError{source_name, 0, 0, "", std::string("cannot load: ") + e.what()});
  }
}

/// Reads the keys of one table. A null table (the section is absent) reads as empty: optional
/// keys keep their defaults and required keys are reported missing at line 0.
class TableReader {
 public:
  /// `path` is the table's dotted key ("" for the root, "pool", "backends[2]").
  TableReader(const toml::table* table, std::string path, ErrorSink& errors);

  /// Reports every key of the table that is not in `known`, with a did-you-mean suggestion.
  void check_keys(std::initializer_list<std::string_view> known);

  /// The node under `key`, or null when absent.
  const toml::node* find(std::string_view key) const;
  /// The dotted path of `key` in this table, e.g. "pool.pool_size".
  std::string key_path(std::string_view key) const;
  /// Reports an error about the value of `key`.
  void error(const toml::node& value, std::string_view key, std::string message);
  /// Reports that the required `key` is absent (at the table's line, or 0 without a table).
  void missing(std::string_view key);

  void read_bool(std::string_view key, bool& out);
  /// An array of strings.
  void read_string_array(std::string_view key, std::vector<std::string>& out);
  /// `required` keys must be present and non-empty.
  void read_string(std::string_view key, std::string& out, bool required = false);
  /// An integer within [min, max]; `out` must be able to hold every value of that range.
  template <class T>
  void read_int(std::string_view key, std::int64_t min, std::int64_t max, T& out) {
    if (auto v = read_int_value(key, min, max)) out = static_cast<T>(*v);
  }
  /// A duration string ("30s") within [min, max].
  void read_duration(std::string_view key, std::chrono::milliseconds min,
                     std::chrono::milliseconds max, std::chrono::milliseconds& out);
  /// A size: an integer number of bytes or a string with a unit ("16MB"), within [min, max].
  void read_size(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t& out);

 private:
  std::optional<std::int64_t> read_int_value(std::string_view key, std::int64_t min,
                                             std::int64_t max);

  const toml::table* table_;
  std::string path_;
  ErrorSink& errors_;
};

}  // namespace pgw::config::detail
