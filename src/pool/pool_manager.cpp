#include "pool/pool_manager.hpp"

namespace pgw::pool {

std::size_t PoolKeyHash::operator()(const PoolKey& key) const {
  std::hash<std::string> h;
  return h(key.backend) ^ (h(key.database) * 31) ^ (h(key.user) * 131);
}

Pool& PoolManager::pool_for(const PoolKey& key) {
  std::lock_guard lock(mutex_);
  auto& slot = pools_[key];
  if (!slot) slot = std::make_unique<Pool>(key, settings_);
  return *slot;
}

void PoolManager::set_settings(const PoolSettings& settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
  for (auto& [key, pool] : pools_)
    pool->set_settings(settings);
}

void PoolManager::for_each(const std::function<void(Pool&)>& visit) {
  std::lock_guard lock(mutex_);
  for (auto& [key, pool] : pools_)
    visit(*pool);
}

}  // namespace pgw::pool
