#pragma once
/// The server connections of one (backend, database, user): idle ones ready for reuse, a limit
/// on how many exist, and a queue of sessions waiting for one. Thread-safe: sessions on every
/// worker share it; a connection handed to a session on another worker is moved to that
/// worker's io_context.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "pool/server_connection.hpp"

namespace pgw::pool {

struct PoolKey {
  std::string backend;
  std::string database;
  std::string user;
  bool operator==(const PoolKey&) const = default;
  std::string describe() const;
};

struct PoolSettings {
  std::uint32_t pool_size = 20;
  std::chrono::milliseconds wait_timeout{30'000};
  std::chrono::milliseconds idle_timeout{600'000};
  std::chrono::milliseconds lifetime{3'600'000};
};

struct PoolStats {
  std::uint32_t total = 0;  ///< open or being opened
  std::uint32_t idle = 0;
  std::uint32_t waiting = 0;  ///< sessions in the queue
  std::uint64_t waits = 0;    ///< checkouts that had to wait
  std::uint64_t wait_timeouts = 0;
};

/// What a checkout yields: a connection to reuse, or the right to open a new one (already
/// counted against the pool size; call discard() if opening fails).
struct Checkout {
  std::unique_ptr<ServerConnection> connection;
  bool may_open = false;
};

struct PoolTimeout {
  std::string message;
};

class Pool {
 public:
  Pool(PoolKey key, PoolSettings settings);
  ~Pool();

  /// Takes an idle connection (preferring one on the caller's worker, moving it otherwise),
  /// or a slot to open one, or waits in line up to the wait timeout.
  net::awaitable<Expected<Checkout, PoolTimeout>> acquire(net::Executor executor);
  /// Returns a clean, idle connection for reuse (closed instead when past its lifetime).
  void give_back(std::unique_ptr<ServerConnection> connection);
  /// A counted connection is gone (closed, broken, or never opened).
  void discard();
  /// Closes idle connections past the idle timeout or lifetime; returns how many.
  std::size_t close_expired(SteadyTime now);
  /// Closes every idle connection (shutdown, reload).
  void close_idle();

  void set_settings(const PoolSettings& settings);
  PoolStats stats() const;
  const PoolKey& key() const { return key_; }

 private:
  struct Waiter;

  /// Gives a connection or slot to the first waiter; caller holds the mutex.
  bool hand_to_waiter(Checkout&& checkout);
  std::unique_ptr<ServerConnection> take_idle(const net::Executor& executor);
  static void close_on_owner(std::unique_ptr<ServerConnection> connection);

  const PoolKey key_;
  mutable std::mutex mutex_;
  PoolSettings settings_;
  std::vector<std::unique_ptr<ServerConnection>> idle_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  std::uint32_t total_ = 0;
  std::uint64_t waits_ = 0;
  std::uint64_t wait_timeouts_ = 0;
};

}  // namespace pgw::pool
