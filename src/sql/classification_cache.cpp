#include "sql/classification_cache.hpp"

namespace pgw::sql::detail {

ClassificationCache::ClassificationCache(std::size_t capacity, std::size_t max_key_bytes)
    : slots_(capacity), max_key_bytes_(max_key_bytes) {
  index_.reserve(capacity);
  clear();
}

ClassificationCache::Entry* ClassificationCache::find(std::string_view key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  Slot& slot = slots_[it->second];
  slot.referenced = true;
  return &slot.entry;
}

void ClassificationCache::put(std::string_view key, const Entry& entry) {
  if (slots_.empty() || key.size() > max_key_bytes_ / 4) return;
  if (Entry* existing = find(key)) {
    *existing = entry;
    return;
  }
  while (free_.empty() || key_bytes_ + key.size() > max_key_bytes_) {
    evict_one();
  }
  const std::uint32_t index = free_.back();
  free_.pop_back();
  Slot& slot = slots_[index];
  slot.key.assign(key);
  slot.entry = entry;
  slot.used = true;
  slot.referenced = false;
  key_bytes_ += key.size();
  index_.emplace(slot.key, index);
}

void ClassificationCache::evict_one() {
  // Precondition: at least one slot is used (put() only asks when the bounds are reached,
  // and a key never exceeds the byte bound on its own). Two turns of the hand find a victim.
  for (;;) {
    Slot& slot = slots_[hand_];
    const auto index = static_cast<std::uint32_t>(hand_);
    hand_ = (hand_ + 1) % slots_.size();
    if (!slot.used) continue;
    if (slot.referenced) {
      slot.referenced = false;
      continue;
    }
    index_.erase(slot.key);
    key_bytes_ -= slot.key.size();
    std::string().swap(slot.key);  // give a long key's memory back
    slot.used = false;
    free_.push_back(index);
    return;
  }
}

void ClassificationCache::clear() {
  index_.clear();
  free_.clear();
  for (std::size_t i = slots_.size(); i-- > 0;) {
    std::string().swap(slots_[i].key);
    slots_[i].used = false;
    slots_[i].referenced = false;
    free_.push_back(static_cast<std::uint32_t>(i));
  }
  key_bytes_ = 0;
  hand_ = 0;
}

}  // namespace pgw::sql::detail
