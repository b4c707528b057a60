#include "pool/pool.hpp"

#include <algorithm>

#include <sys/socket.h>

#include "common/units.hpp"

namespace pgw::pool {

std::string PoolKey::describe() const {
  return "user \"" + user + "\" database \"" + database + "\" on " + backend;
}

/// A session waiting in line. Shared because the releasing thread may still be posting the
/// wake-up when the waiter has already given up.
struct Pool::Waiter {
  explicit Waiter(const net::Executor& home)
      : executor(home), timer(home, net::asio::steady_timer::time_point::max()) {}
  net::Executor executor;
  net::asio::steady_timer timer;  // touched only on `executor`
  Checkout result;                // written under the pool mutex
  bool done = false;              // written under the pool mutex
};

Pool::Pool(PoolKey key, PoolSettings settings) : key_(std::move(key)), settings_(settings) {}

Pool::~Pool() {
  close_idle();
}

std::unique_ptr<ServerConnection> Pool::take_idle(const net::Executor& executor) {
  if (idle_.empty()) return nullptr;
  // Most recently used first (warm caches); same worker first (no socket move).
  auto it = std::find_if(idle_.rbegin(), idle_.rend(),
                         [&](const auto& c) { return c->executor() == executor; });
  auto chosen = it != idle_.rend() ? std::prev(it.base()) : std::prev(idle_.end());
  auto connection = std::move(*chosen);
  idle_.erase(chosen);
  return connection;
}

net::awaitable<Expected<Checkout, PoolTimeout>> Pool::acquire(net::Executor executor) {
  std::shared_ptr<Waiter> waiter;
  std::chrono::milliseconds wait_timeout;
  {
    std::lock_guard lock(mutex_);
    while (auto connection = take_idle(executor)) {
      if (connection->executor() != executor) connection->rebind(executor);
      if (!connection->stream().has_pending_input_or_eof()) {
        co_return Checkout{std::move(connection), false};
      }
      // The server closed it or sent something while idle: not reusable.
      --total_;
      close_on_owner(std::move(connection));
    }
    if (total_ < settings_.pool_size) {
      ++total_;
      co_return Checkout{nullptr, true};
    }
    waiter = std::make_shared<Waiter>(executor);
    waiters_.push_back(waiter);
    wait_timeout = settings_.wait_timeout;
    ++waits_;
  }
  waiter->timer.expires_after(wait_timeout);
  net::error_code ec;
  co_await waiter->timer.async_wait(net::use_awaitable_ec(ec));
  std::lock_guard lock(mutex_);
  if (waiter->done) {
    auto& result = waiter->result;
    if (result.connection && result.connection->executor() != executor) {
      result.connection->rebind(executor);
    }
    co_return std::move(result);
  }
  std::erase(waiters_, waiter);
  ++wait_timeouts_;
  co_return unexpected(PoolTimeout{"no server connection for " + key_.describe() +
                                   " became free within " + format_duration(wait_timeout) +
                                   " (pool_size " + std::to_string(settings_.pool_size) + ")"});
}

bool Pool::hand_to_waiter(Checkout&& checkout) {
  if (waiters_.empty()) return false;
  auto waiter = std::move(waiters_.front());
  waiters_.pop_front();
  waiter->result = std::move(checkout);
  waiter->done = true;
  net::asio::post(waiter->executor, [waiter] { waiter->timer.cancel(); });
  return true;
}

void Pool::give_back(std::unique_ptr<ServerConnection> connection) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  bool too_old =
      settings_.lifetime.count() > 0 && now - connection->created_at > settings_.lifetime;
  if (too_old) {
    --total_;
    close_on_owner(std::move(connection));
    if (!waiters_.empty() && total_ < settings_.pool_size) {
      ++total_;
      hand_to_waiter(Checkout{nullptr, true});
    }
    return;
  }
  connection->idle_since = now;
  if (!waiters_.empty()) {
    hand_to_waiter(Checkout{std::move(connection), false});
    return;
  }
  idle_.push_back(std::move(connection));
}

void Pool::discard() {
  std::lock_guard lock(mutex_);
  --total_;
  if (!waiters_.empty() && total_ < settings_.pool_size) {
    ++total_;
    hand_to_waiter(Checkout{nullptr, true});
  }
}

std::size_t Pool::close_expired(SteadyTime now) {
  std::lock_guard lock(mutex_);
  std::size_t closed = 0;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& c = *it;
    bool idle_too_long =
        settings_.idle_timeout.count() > 0 && now - c->idle_since > settings_.idle_timeout;
    bool too_old = settings_.lifetime.count() > 0 && now - c->created_at > settings_.lifetime;
    if (idle_too_long || too_old) {
      close_on_owner(std::move(c));
      it = idle_.erase(it);
      --total_;
      ++closed;
    } else {
      ++it;
    }
  }
  return closed;
}

void Pool::close_idle() {
  std::lock_guard lock(mutex_);
  for (auto& c : idle_)
    close_on_owner(std::move(c));
  total_ -= static_cast<std::uint32_t>(idle_.size());
  idle_.clear();
}

void Pool::set_settings(const PoolSettings& settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
  while (!waiters_.empty() && total_ < settings_.pool_size) {
    ++total_;
    hand_to_waiter(Checkout{nullptr, true});
  }
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{total_, static_cast<std::uint32_t>(idle_.size()),
                   static_cast<std::uint32_t>(waiters_.size()), waits_, wait_timeouts_};
}

void Pool::close_on_owner(std::unique_ptr<ServerConnection> connection) {
  // The socket belongs to its worker's io_context: close it there. Sending Terminate first
  // lets the server end the backend cleanly instead of logging an unexpected EOF.
  auto executor = connection->executor();
  net::asio::post(executor, [c = std::move(connection)]() mutable {
    static constexpr std::uint8_t kTerminate[] = {'X', 0, 0, 0, 4};
    ::send(c->stream().native_handle(), kTerminate, sizeof kTerminate, MSG_DONTWAIT | MSG_NOSIGNAL);
    c->stream().close();
  });
}

}  // namespace pgw::pool
