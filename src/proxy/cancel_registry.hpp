#pragma once
/// Maps the BackendKeyData pgwarden gave each client to the server backend that client is
/// using now, so a CancelRequest (which arrives on a new connection carrying only that key)
/// reaches the right server with that server's own key. Keys are drawn from a CSPRNG.
/// Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/random.hpp"
#include "pool/server_connection.hpp"

namespace pgw::proxy {

struct ClientKey {
  std::int32_t process_id = 0;
  std::int32_t secret_key = 0;
};

struct CancelTarget {
  pool::BackendAddress address;
  std::int32_t process_id = 0;
  std::int32_t secret_key = 0;
};

class CancelRegistry {
 public:
  explicit CancelRegistry(RandomSource& random) : random_(random) {}

  /// A new, unique key for a client session.
  ClientKey register_client();
  void unregister_client(const ClientKey& key);
  /// The session's current server (or none between servers).
  void set_target(const ClientKey& key, std::optional<CancelTarget> target);
  /// The server to cancel for a client's key; nullopt when the key is unknown, its secret is
  /// wrong, or the session has no server now.
  std::optional<CancelTarget> find(std::int32_t process_id, std::int32_t secret_key) const;
  std::size_t size() const;

 private:
  struct Entry {
    std::int32_t secret_key;
    std::optional<CancelTarget> target;
  };
  RandomSource& random_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int32_t, Entry> entries_;
};

}  // namespace pgw::proxy
