#pragma once
// A hand-written admin::AdminActions for the admin API and ctl tests: records every call and
// gives the answer a test set, optionally after a delay on the caller's executor.

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "admin/admin_actions.hpp"

namespace pgw::fakes {

class FakeAdminActions final : public admin::AdminActions {
 public:
  struct Call {
    std::string action;  ///< "detach", "attach", "promote", "switchover"
    std::size_t node = 0;
    bool force = false;
    bool operator==(const Call&) const = default;
  };

  net::awaitable<Result<std::string>> detach(std::size_t node) override {
    return respond("detach", node, false);
  }
  net::awaitable<Result<std::string>> attach(std::size_t node) override {
    return respond("attach", node, false);
  }
  net::awaitable<Result<std::string>> promote(std::size_t node, bool force) override {
    return respond("promote", node, force);
  }
  net::awaitable<Result<std::string>> switchover(std::size_t node) override {
    return respond("switchover", node, false);
  }

  /// The answer of every call from now on.
  void answer_with(Result<std::string> answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }
  void delay_answers(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  net::awaitable<Result<std::string>> respond(std::string action, std::size_t node, bool force) {
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard lock(mutex_);
      Call call;
      call.action = std::move(action);
      call.node = node;
      call.force = force;
      calls_.push_back(std::move(call));
      delay = delay_;
    }
    if (delay.count() > 0) {
      net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
      timer.expires_after(delay);
      net::error_code ec;
      co_await timer.async_wait(net::use_awaitable_ec(ec));
    }
    std::lock_guard lock(mutex_);
    co_return answer_;
  }

  mutable std::mutex mutex_;
  std::vector<Call> calls_;
  Result<std::string> answer_ = std::string("done");
  std::chrono::milliseconds delay_{0};
};

}  // namespace pgw::fakes
