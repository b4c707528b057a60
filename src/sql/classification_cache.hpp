#pragma once
/// The bounded cache of a Classifier: key text -> StatementInfo, with clock eviction
/// (internal to src/sql). Not thread-safe: one per Classifier, one Classifier per worker.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sql/statement_info.hpp"

namespace pgw::sql::detail {

class ClassificationCache {
 public:
  struct Entry {
    StatementInfo info;
    /// FunctionCatalog::version() read before `info` was computed.
    std::uint64_t catalog_version = 0;
  };

  /// At most `capacity` entries whose keys total at most `max_key_bytes`; 0 disables caching.
  ClassificationCache(std::size_t capacity, std::size_t max_key_bytes);

  /// The entry for `key`, marked as recently used, or nullptr. Does not allocate.
  Entry* find(std::string_view key);
  /// Stores `entry` under `key` (replacing an entry with that key), evicting entries not used
  /// since the clock hand last passed them until both bounds hold. A key longer than a quarter
  /// of max_key_bytes is not stored.
  void put(std::string_view key, const Entry& entry);
  void clear();

  std::size_t size() const { return index_.size(); }
  std::size_t key_bytes() const { return key_bytes_; }

 private:
  struct Slot {
    std::string key;
    Entry entry;
    bool used = false;
    bool referenced = false;
  };

  void evict_one();

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;  // indexes of unused slots
  // Keys view the strings in slots_, which stay put while indexed.
  std::unordered_map<std::string_view, std::uint32_t> index_;
  std::size_t hand_ = 0;
  std::size_t key_bytes_ = 0;
  std::size_t max_key_bytes_;
};

}  // namespace pgw::sql::detail
