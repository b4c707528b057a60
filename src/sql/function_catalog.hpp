#pragma once
/// What pgwarden knows about SQL functions: may a statement calling them run on a standby?
/// One catalog is shared by all workers; the monitor feeds it from pg_proc on the primary.

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"

namespace pgw::sql {

/// Thread-safe: every member may be called from any thread at any time.
class FunctionCatalog {
 public:
  enum class Verdict { kRead, kWrite, kUnknown };

  /// The provolatile value learn() takes for a function that does not exist on the primary.
  static constexpr char kMissingFunction = '-';
  /// At most this many names wait for lookup; names beyond stay unknown (treated as writes).
  static constexpr std::size_t kMaxPending = 1024;
  /// At most this many names are learned; names beyond stay unknown (treated as writes).
  static constexpr std::size_t kMaxLearned = 65536;

  /// write_patterns / read_only_patterns: ECMAScript regexes matched (case-insensitively)
  /// against the whole lower-cased function name; a schema-qualified name is tried both as
  /// "schema.name" and as "name". Precondition: every pattern passes validate_patterns()
  /// (config loading checks them); an invalid one throws std::regex_error (start-up only).
  FunctionCatalog(std::vector<std::string> write_patterns,
                  std::vector<std::string> read_only_patterns);
  ~FunctionCatalog();
  FunctionCatalog(const FunctionCatalog&) = delete;
  FunctionCatalog& operator=(const FunctionCatalog&) = delete;

  /// An error naming the first pattern that is not a valid ECMAScript regex.
  static Result<void> validate_patterns(const std::vector<std::string>& patterns);

  /// `function_name` as written in SQL, parts joined by '.': "nextval", "pg_catalog.nextval".
  /// Order: write list, read-only list, the built-in never-on-standby list (write; matched on
  /// the last part of the name, whatever the schema), learned volatility ('v' or missing =
  /// write, 's'/'i' = read), else kUnknown, and the name is queued for take_pending().
  Verdict classify(std::string_view function_name);

  /// The names classify() met without knowing them and not yet learned, lower-cased, each
  /// once; the queue is emptied. The monitor looks each up on the primary (pg_proc, all
  /// overloads, in the given schema or in any schema when unqualified; if any overload is
  /// volatile the answer is 'v'; none found: kMissingFunction) and calls learn().
  std::vector<std::string> take_pending();

  /// Records a function's volatility: 'v', 's', 'i', or kMissingFunction (any other value is
  /// taken as a write). Bumps version(), and generation() too when an already learned name
  /// changes between read and write.
  void learn(std::string_view function_name, char provolatile);

  /// Forgets everything learned (a DDL seen through the proxy, or a reload). Bumps version()
  /// and generation(). The built-in functions stay known.
  void forget_learned();
  /// The volatility of every pg_catalog function (name, most volatile overload), read once
  /// from the primary, so that everyday built-ins (now(), inet_server_port(), ...) are known
  /// from the first statement. Consulted for unqualified and pg_catalog-qualified names, after
  /// the lists above and before learned names (pg_catalog comes first in the search path).
  void learn_builtins(const std::vector<std::pair<std::string, char>>& functions);
  bool builtins_known() const { return builtins_known_.load(std::memory_order_acquire); }

  /// Bumps on every learn() and forget_learned(): a cached result that used an unknown
  /// function is stale once this changes.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  /// Bumps on every forget_learned() and on a learned verdict that changed: every cached
  /// result is stale once this changes.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  /// True when `name` (last part of a function name, lower case) is on the built-in list of
  /// functions that write or fail during recovery.
  static bool is_builtin_never_on_standby(std::string_view name);

 private:
  struct Patterns;
  struct StringHash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): std's name
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using NameSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  std::unique_ptr<const Patterns> patterns_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, char, StringHash, std::equal_to<>> learned_;
  NameSet pending_;
  std::unordered_map<std::string, char, StringHash, std::equal_to<>> builtins_;
  std::atomic<bool> builtins_known_{false};
  std::atomic<std::uint64_t> version_{0};
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace pgw::sql
