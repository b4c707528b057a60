#pragma once
// A hand-written cluster::Actuators for tests: records every call in order, answers from a
// script (success unless told otherwise), and suspends once per call (a post to the executor)
// so that a test driving the io_context with run_one() sees each effect as its own step.

#include <utility>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/actuators.hpp"

namespace pgw::fakes {

struct ActuatorCall {
  /// "answers", "fence", "promote", "follow", "wal_position", "set_synchronous_standbys".
  std::string op;
  std::size_t node = 0;
  /// follow: the primary to follow.
  std::optional<std::size_t> primary;
  /// set_synchronous_standbys: the value.
  std::string value;
  /// What the fake answered: success (answers: true), or the scripted failure.
  bool succeeded = true;

  /// "promote 1", "follow 2 1", "set_synchronous_standbys 0 ANY 1 (\"node1\")".
  std::string text() const {
    std::string out = op + " " + std::to_string(node);
    if (primary) out += " " + std::to_string(*primary);
    if (op == "set_synchronous_standbys") out += " " + value;
    return out;
  }
};

class FakeActuators : public cluster::Actuators {
 public:
  /// Called at every call, after the answer is decided and before the call suspends: the
  /// moment to look at what the caller had published when it acted.
  std::function<void(const ActuatorCall&)> on_call;
  /// Whether each call suspends once before answering (default) or answers at once.
  bool yield_each_call = true;

  /// `answers(node)` returns `value` from now on (default: false, the node is dead).
  void set_answers(std::size_t node, bool value) { answers_[node] = value; }
  /// `op` on `node` fails with `message`, `times` times (default: until cleared).
  void fail(const std::string& op, std::size_t node, std::string message,
            std::size_t times = SIZE_MAX) {
    failures_[{op, node}] = Failure{std::move(message), times};
  }
  void clear_failures() { failures_.clear(); }
  /// Successive answers of wal_position(node); the last one repeats. Default: 0.
  void script_wal_positions(std::size_t node, std::vector<std::uint64_t> positions) {
    positions_[node] = std::deque<std::uint64_t>(positions.begin(), positions.end());
  }

  const std::vector<ActuatorCall>& calls() const { return calls_; }
  /// The calls as text, in order (ActuatorCall::text).
  std::vector<std::string> log() const {
    std::vector<std::string> out;
    for (const auto& call : calls_)
      out.push_back(call.text());
    return out;
  }
  /// The calls of one kind, as text.
  std::vector<std::string> log_of(const std::string& op) const {
    std::vector<std::string> out;
    for (const auto& call : calls_) {
      if (call.op == op) out.push_back(call.text());
    }
    return out;
  }
  void clear_log() { calls_.clear(); }
  /// Every command given to run_hook, in order.
  const std::vector<std::string>& hooks() const { return hooks_; }

  net::awaitable<bool> answers(std::size_t node, std::chrono::milliseconds) override {
    auto found = answers_.find(node);
    bool value = found != answers_.end() && found->second;
    record(ActuatorCall{"answers", node, std::nullopt, "", value});
    co_await suspend();
    co_return value;
  }

  net::awaitable<Result<void>> fence(std::size_t node) override {
    co_return co_await plain("fence", node, std::nullopt, "");
  }

  net::awaitable<Result<void>> promote(std::size_t node, std::chrono::milliseconds) override {
    co_return co_await plain("promote", node, std::nullopt, "");
  }

  net::awaitable<Result<void>> follow(std::size_t node, std::size_t primary) override {
    co_return co_await plain("follow", node, primary, "");
  }

  net::awaitable<Result<std::uint64_t>> wal_position(std::size_t node) override {
    auto failure = take_failure("wal_position", node);
    std::uint64_t position = 0;
    if (auto found = positions_.find(node); found != positions_.end() && !found->second.empty()) {
      position = found->second.front();
      if (found->second.size() > 1) found->second.pop_front();
    }
    record(ActuatorCall{"wal_position", node, std::nullopt, "", !failure});
    co_await suspend();
    if (failure) co_return pgw::fail(*failure);
    co_return position;
  }

  net::awaitable<Result<void>> set_synchronous_standbys(std::size_t primary,
                                                        std::string value) override {
    co_return co_await plain("set_synchronous_standbys", primary, std::nullopt, std::move(value));
  }

  void run_hook(std::string command) override { hooks_.push_back(std::move(command)); }

 private:
  struct Failure {
    std::string message;
    std::size_t remaining = 0;
  };

  std::optional<std::string> take_failure(const std::string& op, std::size_t node) {
    auto found = failures_.find({op, node});
    if (found == failures_.end() || found->second.remaining == 0) return std::nullopt;
    if (found->second.remaining != SIZE_MAX) --found->second.remaining;
    return found->second.message;
  }

  void record(ActuatorCall call) {
    calls_.push_back(call);
    if (on_call) on_call(call);
  }

  net::awaitable<void> suspend() {
    if (!yield_each_call) co_return;
    co_await net::asio::post(co_await net::asio::this_coro::executor, net::asio::use_awaitable);
  }

  net::awaitable<Result<void>> plain(std::string op, std::size_t node,
                                     std::optional<std::size_t> primary, std::string value) {
    auto failure = take_failure(op, node);
    record(ActuatorCall{std::move(op), node, primary, std::move(value), !failure});
    co_await suspend();
    if (failure) co_return pgw::fail(*failure);
    co_return Result<void>{};
  }

  std::map<std::size_t, bool> answers_;
  std::map<std::pair<std::string, std::size_t>, Failure> failures_;
  std::map<std::size_t, std::deque<std::uint64_t>> positions_;
  std::vector<ActuatorCall> calls_;
  std::vector<std::string> hooks_;
};

}  // namespace pgw::fakes
