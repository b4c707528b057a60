#include "cluster/health_checker.hpp"

#include "common/log.hpp"

namespace pgw::cluster {
namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("health");
  return l;
}

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

/// Per node: its connection, its wake-up timer and whether its loop has ended.
struct HealthChecker::NodeLoop {
  explicit NodeLoop(const net::Executor& executor) : wake(executor), ended(executor) {}
  std::unique_ptr<pgclient::Connection> connection;
  net::asio::steady_timer wake;
  net::Event ended;
  bool check_requested = false;
};

HealthChecker::HealthChecker(net::Executor executor, const config::Config& config,
                             std::vector<pool::BackendAddress> addresses, std::string password,
                             Report report)
    : executor_(std::move(executor)),
      settings_(config.health_check),
      flap_window_(config.failover.flap_window),
      addresses_(std::move(addresses)),
      report_(std::move(report)),
      health_(addresses_.size()),
      changes_(addresses_.size()) {
  connect_template_.user = config.monitor.user;
  connect_template_.password = std::move(password);
  connect_template_.database = config.monitor.database;
  connect_template_.application_name = "pgwarden health check";
  connect_template_.connect_timeout = settings_.connect_timeout;
  connect_template_.login_timeout = settings_.connect_timeout;
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    loops_.push_back(std::make_unique<NodeLoop>(executor_));
  }
}

HealthChecker::~HealthChecker() = default;

void HealthChecker::start() {
  net::asio::post(executor_, [this] {
    if (started_) return;
    started_ = true;
    for (std::size_t id = 0; id < loops_.size(); ++id) {
      net::asio::co_spawn(executor_, run_node(id),
                          [this, id](const std::exception_ptr&) { loops_[id]->ended.set(); });
    }
  });
}

net::awaitable<void> HealthChecker::stop() {
  stopping_ = true;
  if (!started_) co_return;
  for (auto& loop : loops_) {
    loop->wake.cancel();
    if (loop->connection) loop->connection->close();
  }
  for (auto& loop : loops_)
    co_await loop->ended.wait();
}

void HealthChecker::check_now(std::size_t node) {
  net::asio::post(executor_, [this, node] {
    if (node >= loops_.size()) return;
    loops_[node]->check_requested = true;
    loops_[node]->wake.cancel();
  });
}

HealthFailure HealthChecker::classify(const pgclient::QueryError& error) {
  const auto& message = error.message;
  // A server's answer is classified by its SQLSTATE alone: its message may contain any word
  // (a role named "refused").
  if (error.kind == pgclient::QueryError::Kind::kServer) {
    return error.sqlstate.starts_with("28") ? HealthFailure::kLogin : HealthFailure::kOther;
  }
  if (error.kind == pgclient::QueryError::Kind::kTimeout || contains(message, "timed out")) {
    return HealthFailure::kTimeout;
  }
  if (contains(message, "refused")) return HealthFailure::kRefused;
  if (contains(message, "reset") || contains(message, "closed") ||
      contains(message, "Broken pipe") || contains(message, "End of file")) {
    return HealthFailure::kReset;
  }
  return HealthFailure::kOther;
}

net::awaitable<std::optional<pgclient::QueryError>> HealthChecker::check_once(std::size_t id,
                                                                              bool reconnect) {
  auto& loop = *loops_[id];
  if (reconnect && loop.connection) {
    loop.connection->close();
    loop.connection.reset();
  }
  if (!loop.connection || !loop.connection->is_open()) {
    auto options = connect_template_;
    options.address = addresses_[id];
    auto connected = co_await pgclient::Connection::connect(executor_, std::move(options));
    if (!connected) co_return connected.error();
    loop.connection = std::move(*connected);
  }
  auto answer = co_await loop.connection->query("SELECT 1", settings_.query_timeout);
  if (!answer) co_return answer.error();
  co_return std::nullopt;
}

void HealthChecker::set_health(std::size_t id, HealthState state, HealthFailure failure,
                               std::string error) {
  auto& health = health_[id];
  auto now = std::chrono::steady_clock::now();
  bool changed = health.state != state;
  bool flip = changed && (state == HealthState::kFailed ||
                          (state == HealthState::kHealthy && health.state == HealthState::kFailed));
  auto& changes = changes_[id];
  if (flip) changes.push_back(now);
  while (!changes.empty() && now - changes.front() > flap_window_)
    changes.pop_front();
  health.recent_changes = static_cast<std::uint32_t>(changes.size());
  health.failure = failure;
  health.last_error = std::move(error);
  if (!changed) return;
  health.state = state;
  health.since = now;
  report_(id, health);
}

net::awaitable<void> HealthChecker::run_node(std::size_t id) {
  auto& loop = *loops_[id];
  const auto& name = addresses_[id].name;
  while (!stopping_) {
    auto failure = co_await check_once(id, false);
    for (std::uint32_t attempt = 1; failure && !stopping_; ++attempt) {
      auto kind = classify(*failure);
      const bool already_failed = health_[id].state == HealthState::kFailed;
      if (attempt > settings_.retries) {
        // A failed node is checked every period: say so once, and again when the error changes.
        if (!already_failed || health_[id].last_error != failure->message) {
          logger()->warn("health check of {} failed ({}): {}; node failed after {} attempt(s)",
                         name, to_string(kind), failure->message, attempt);
        }
        set_health(id, HealthState::kFailed, kind, failure->message);
        break;
      }
      if (health_[id].state == HealthState::kHealthy) {
        logger()->info("health check of {} failed ({}): {}; retrying", name, to_string(kind),
                       failure->message);
      }
      if (!already_failed) set_health(id, HealthState::kFailing, kind, failure->message);
      loop.wake.expires_after(settings_.retry_delay);
      net::error_code ec;
      co_await loop.wake.async_wait(net::use_awaitable_ec(ec));
      failure = co_await check_once(id, true);
    }
    if (!failure && !stopping_) {
      if (health_[id].state == HealthState::kFailed || health_[id].state == HealthState::kFailing) {
        logger()->info("health check of {} succeeded again", name);
      }
      set_health(id, HealthState::kHealthy, HealthFailure::kNone, "");
    }
    if (stopping_) break;
    if (!loop.check_requested) {
      loop.wake.expires_after(settings_.period);
      net::error_code ec;
      co_await loop.wake.async_wait(net::use_awaitable_ec(ec));
    }
    loop.check_requested = false;
  }
  if (loop.connection) loop.connection->close();
}

}  // namespace pgw::cluster
