#pragma once
/// One-shot signal between coroutines on the same executor: wait() completes once set() was
/// called (before or after the wait). Not thread-safe: post to the executor to set it from
/// another thread.

#include <chrono>

#include "net/asio.hpp"

namespace pgw::net {

class Event {
 public:
  explicit Event(const Executor& executor)
      : timer_(executor, asio::steady_timer::time_point::max()) {}

  void set() {
    is_set_ = true;
    timer_.cancel();
  }
  bool is_set() const { return is_set_; }
  /// Makes the event unset again (nothing may be waiting).
  void reset() { is_set_ = false; }

  awaitable<void> wait() {
    while (!is_set_) {
      error_code ec;
      co_await timer_.async_wait(use_awaitable_ec(ec));
    }
  }

  /// Waits until set or until `timeout` passes; returns is_set().
  awaitable<bool> wait_for(std::chrono::steady_clock::duration timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!is_set_ && std::chrono::steady_clock::now() < deadline) {
      timer_.expires_at(deadline);
      error_code ec;
      co_await timer_.async_wait(use_awaitable_ec(ec));
    }
    timer_.expires_at(asio::steady_timer::time_point::max());
    co_return is_set_;
  }

 private:
  asio::steady_timer timer_;
  bool is_set_ = false;
};

}  // namespace pgw::net
