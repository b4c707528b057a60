#pragma once
/// Runs an action if a deadline passes before the watchdog is destroyed or disarmed; used to
/// bound phases such as authentication ("close the socket after 60 s").
/// Not thread-safe: create, disarm and destroy on the executor it was given.

#include <chrono>
#include <functional>
#include <memory>

#include "net/asio.hpp"

namespace pgw::net {

class Watchdog {
 public:
  Watchdog(const Executor& executor, std::chrono::milliseconds timeout,
           std::function<void()> on_expire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void disarm();
  bool expired() const;

 private:
  struct State {
    explicit State(const Executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::function<void()> on_expire;
    bool armed = true;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace pgw::net
