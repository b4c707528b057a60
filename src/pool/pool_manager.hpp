#pragma once
/// Every pool, created on first use. Thread-safe; pools live until the manager is destroyed, so
/// a reference stays valid for the life of the process.

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "pool/pool.hpp"

namespace pgw::pool {

struct PoolKeyHash {
  std::size_t operator()(const PoolKey& key) const;
};

class PoolManager {
 public:
  explicit PoolManager(PoolSettings settings) : settings_(settings) {}

  Pool& pool_for(const PoolKey& key);
  /// New settings for every pool (reload).
  void set_settings(const PoolSettings& settings);
  void for_each(const std::function<void(Pool&)>& visit);

 private:
  std::mutex mutex_;
  PoolSettings settings_;
  std::unordered_map<PoolKey, std::unique_ptr<Pool>, PoolKeyHash> pools_;
};

}  // namespace pgw::pool
