#pragma once
/// Statement classification for routing: may this text run on a standby? The public face of
/// src/sql (with statement_info.hpp, function_catalog.hpp and normalize.hpp); the rules are
/// in src/sql/README.md.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "sql/function_catalog.hpp"
#include "sql/statement_info.hpp"

namespace pgw::sql {

namespace detail {
class ClassificationCache;
class RoutingPatterns;
}  // namespace detail

/// Bounds that keep one worker's classifier cheap; the defaults suit production.
struct ClassifierLimits {
  /// Longer texts are not parsed (too_complex, to the primary): libpg_query needs about
  /// 0.4 µs per byte, and the classifier runs on an I/O thread.
  std::size_t max_parse_length = std::size_t{128} * 1024;
  /// Total bytes of cache keys; a key longer than a quarter of this is not cached.
  std::size_t max_cache_key_bytes = std::size_t{4} * 1024 * 1024;
};

/// Classifies statements, caching results by normalized text. One per worker thread: NOT
/// thread-safe (the cache has no lock); the FunctionCatalog it reads is shared and thread-safe.
class Classifier {
 public:
  /// `catalog` must outlive the classifier. `primary_routing_patterns`: POSIX extended
  /// regexes, case-insensitive, searched in the raw text; precondition: they pass
  /// validate_primary_routing_patterns() (an invalid one throws std::invalid_argument,
  /// start-up only). `cache_capacity` 0 disables the cache.
  Classifier(FunctionCatalog& catalog,
             std::vector<std::string> primary_routing_patterns,  // NOLINT: the agreed signature
             std::size_t cache_capacity = 4096, ClassifierLimits limits = {});
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  /// An error naming the first pattern that is not a valid POSIX extended regex.
  static Result<void> validate_primary_routing_patterns(const std::vector<std::string>& patterns);

  /// The classification of `sql`, one Query string or one Parse message's text. The reference
  /// is valid until the next call. A cache hit does not allocate (once the classifier's
  /// buffers have grown to the text's length).
  const StatementInfo& classify(std::string_view sql);

  void clear_cache();

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;        ///< classified by parsing (or refused as too complex)
    std::uint64_t parse_errors = 0;  ///< misses that libpg_query could not parse
  };
  Stats stats() const { return stats_; }

 private:
  StatementInfo classify_uncached(std::string_view sql);
  void add_text_flags(std::string_view sql, bool exact_key);
  bool matches_patterns(std::string_view sql);

  FunctionCatalog& catalog_;
  std::unique_ptr<detail::RoutingPatterns> patterns_;
  std::unique_ptr<detail::ClassificationCache> cache_;
  ClassifierLimits limits_;
  std::uint64_t catalog_generation_;
  std::string key_buffer_;      // the normalized text of the current call
  std::string parse_buffer_;    // the current text, NUL-terminated for libpg_query
  std::string pattern_buffer_;  // the current text, NUL-terminated for regexec()
  StatementInfo result_;
  Stats stats_;
};

}  // namespace pgw::sql
