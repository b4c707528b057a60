#include "proxy/cancel_registry.hpp"

namespace pgw::proxy {

ClientKey CancelRegistry::register_client() {
  std::lock_guard lock(mutex_);
  for (;;) {
    // Positive process ids, like real backends; libpq and drivers print them.
    auto pid = static_cast<std::int32_t>(random_.next_u32() & 0x7fffffffu);
    if (pid == 0 || entries_.contains(pid)) continue;
    auto secret = static_cast<std::int32_t>(random_.next_u32());
    entries_.emplace(pid, Entry{secret, std::nullopt});
    return {pid, secret};
  }
}

void CancelRegistry::unregister_client(const ClientKey& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key.process_id);
}

void CancelRegistry::set_target(const ClientKey& key, std::optional<CancelTarget> target) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key.process_id);
  if (it != entries_.end()) it->second.target = std::move(target);
}

std::optional<CancelTarget> CancelRegistry::find(std::int32_t process_id,
                                                 std::int32_t secret_key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(process_id);
  if (it == entries_.end()) return std::nullopt;
  // Compare without an early exit so timing does not reveal how much of the secret matched.
  auto diff =
      static_cast<std::uint32_t>(it->second.secret_key) ^ static_cast<std::uint32_t>(secret_key);
  if (diff != 0) return std::nullopt;
  return it->second.target;
}

std::size_t CancelRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace pgw::proxy
