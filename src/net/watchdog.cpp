#include "net/watchdog.hpp"

namespace pgw::net {

Watchdog::Watchdog(const Executor& executor, std::chrono::milliseconds timeout,
                   std::function<void()> on_expire)
    : state_(std::make_shared<State>(executor)) {
  state_->on_expire = std::move(on_expire);
  if (timeout.count() <= 0) {
    state_->armed = false;  // 0 means "no limit"
    return;
  }
  state_->timer.expires_after(timeout);
  // The handler keeps the state alive; it acts only while armed, so a handler already queued
  // when disarm() runs does nothing.
  state_->timer.async_wait([state = state_](error_code ec) {
    if (ec || !state->armed) return;
    state->armed = false;
    state->fired = true;
    state->on_expire();
  });
}

Watchdog::~Watchdog() {
  disarm();
}

void Watchdog::disarm() {
  if (!state_->armed) return;
  state_->armed = false;
  state_->timer.cancel();
}

bool Watchdog::expired() const {
  return state_->fired;
}

}  // namespace pgw::net
