#include "cluster/replication_monitor.hpp"

#include <algorithm>
#include <exception>

#include "cluster/apply_observations.hpp"
#include "cluster/function_volatility.hpp"
#include "cluster/probe_query.hpp"
#include "cluster/state_changes.hpp"
#include "common/log.hpp"

namespace pgw::cluster {
namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("cluster");
  return l;
}

std::string exception_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

struct ReplicationMonitor::ProbeRound {
  ProbeRound(const net::Executor& executor, std::size_t nodes)
      : observations(nodes), remaining(nodes), done(executor) {}
  std::vector<NodeObservation> observations;
  std::size_t remaining;
  net::Event done;
};

ReplicationMonitor::ReplicationMonitor(net::Executor executor, const config::Config& config,
                                       std::string password, ClusterStateStore& store)
    : executor_(std::move(executor)),
      settings_(config.monitor),
      password_(std::move(password)),
      store_(store),
      connections_(config.backends.size()),
      last_errors_(config.backends.size()),
      wake_(executor_),
      loop_ended_(executor_) {
  for (const auto& backend : config.backends)
    addresses_.push_back(pool::BackendAddress{backend.name, backend.host, backend.port});
}

ReplicationMonitor::~ReplicationMonitor() = default;

void ReplicationMonitor::use_addresses(std::vector<pool::BackendAddress> addresses) {
  if (addresses.size() == addresses_.size()) addresses_ = std::move(addresses);
}

void ReplicationMonitor::start() {
  if (started_.exchange(true)) return;
  net::asio::co_spawn(executor_, run(), [this](const std::exception_ptr& error) {
    if (error) logger()->error("replication monitor ended: {}", exception_text(error));
    loop_ended_.set();
  });
}

net::awaitable<void> ReplicationMonitor::stop() {
  if (!started_) co_return;
  stopping_ = true;
  wake_.cancel();
  // Closing interrupts the queries under way: their probes end at once.
  for (auto& connection : connections_) {
    if (connection) connection->close();
  }
  co_await loop_ended_.wait();
}

void ReplicationMonitor::probe_now() {
  net::asio::post(executor_, [this] {
    probe_requested_ = true;
    wake_.cancel();
  });
}

net::awaitable<void> ReplicationMonitor::run() {
  logger()->info("replication monitor: probing {} backends every {} ms as user \"{}\"",
                 addresses_.size(), settings_.period.count(), settings_.user);
  while (!stopping_) {
    co_await run_round();
    if (stopping_) break;
    co_await wait_for_next_round();
  }
  close_connections();
}

net::awaitable<void> ReplicationMonitor::run_round() {
  const auto sent_at = std::chrono::steady_clock::now();
  auto observations = co_await probe_all();
  if (stopping_) co_return;
  if (on_observations) {
    on_observations(observations, sent_at);
  } else {
    auto previous = store_.current();
    auto next =
        apply_observations(*previous, observations, std::chrono::system_clock::now(), sent_at);
    log_changes(*previous, next, observations);
    store_.publish(std::move(next));
  }
  auto published = store_.current();
  const auto* primary = published->primary_node();
  std::optional<std::size_t> usable_primary;
  if (primary && primary->reachable && primary->status == NodeStatus::kUp) {
    usable_primary = primary->id;
  }
  collect_function_lookups();
  if (usable_primary && !builtins_loaded_ && on_builtin_volatilities) {
    co_await load_builtin_volatility(*usable_primary);
  }
  if (usable_primary) co_await lookup_function_volatility(*usable_primary);
}

net::awaitable<std::vector<NodeObservation>> ReplicationMonitor::probe_all() {
  ProbeRound round(executor_, connections_.size());
  if (round.remaining == 0) co_return std::move(round.observations);
  ProbeRound* shared = &round;
  for (std::size_t id = 0; id < connections_.size(); ++id) {
    net::asio::co_spawn(executor_, probe_node(id),
                        [shared, id](const std::exception_ptr& error, NodeObservation observation) {
                          if (error) observation.error = "probe failed: " + exception_text(error);
                          shared->observations[id] = std::move(observation);
                          if (--shared->remaining == 0) shared->done.set();
                        });
  }
  // Every probe ends within its connect and query timeouts, so this wait is bounded.
  co_await round.done.wait();
  co_return std::move(round.observations);
}

net::awaitable<NodeObservation> ReplicationMonitor::probe_node(std::size_t id) {
  NodeObservation observation;
  auto& connection = connections_[id];
  if (!connection || !connection->is_open()) {
    connection.reset();
    auto options = connect_options(id);
    auto connected = co_await pgclient::Connection::connect(executor_, std::move(options));
    if (!connected) {
      observation.error = connected.error().message;
      co_return observation;
    }
    connection = std::move(*connected);
    if (stopping_) connection->close();  // stop() could not reach it while it logged in
  }
  auto answer = co_await connection->query(std::string(kProbeQuery), settings_.query_timeout);
  if (!answer) {
    observation.error = answer.error().message;
    co_return observation;
  }
  auto parsed = parse_probe_result(*answer);
  if (!parsed) {
    observation.error = "unexpected answer to the probe: " + parsed.error().message;
    co_return observation;
  }
  co_return std::move(*parsed);
}

void ReplicationMonitor::collect_function_lookups() {
  if (!pending_function_lookups) return;
  for (auto& name : pending_function_lookups()) {
    if (lookup_backlog_names_.insert(name).second) lookup_backlog_.push_back(std::move(name));
  }
}

net::awaitable<void> ReplicationMonitor::lookup_function_volatility(std::size_t primary) {
  if (lookup_backlog_.empty() || !on_function_volatility) co_return;
  auto& connection = connections_[primary];
  if (!connection || !connection->is_open()) co_return;
  const auto count = std::min(lookup_backlog_.size(), kMaxLookupsPerRound);
  std::vector<std::string> names(lookup_backlog_.begin(),
                                 lookup_backlog_.begin() + static_cast<std::ptrdiff_t>(count));
  auto answer = co_await connection->query(volatility_query(names), settings_.query_timeout);
  auto parsed =
      answer ? parse_volatility_result(*answer, names)
             : Result<std::vector<std::pair<std::string, char>>>(fail(answer.error().message));
  if (!parsed) {
    if (parsed.error().message != last_lookup_error_) {
      logger()->warn("function volatility lookup on {} failed (retried next round): {}",
                     addresses_[primary].describe(), parsed.error().message);
      last_lookup_error_ = parsed.error().message;
    }
    co_return;
  }
  last_lookup_error_.clear();
  lookup_backlog_.erase(lookup_backlog_.begin(),
                        lookup_backlog_.begin() + static_cast<std::ptrdiff_t>(count));
  for (auto& [name, volatility] : *parsed) {
    lookup_backlog_names_.erase(name);
    on_function_volatility(std::move(name), volatility);
  }
}

net::awaitable<void> ReplicationMonitor::load_builtin_volatility(std::size_t primary) {
  auto& connection = connections_[primary];
  if (!connection || !connection->is_open()) co_return;
  auto answer = co_await connection->query(kBuiltinVolatilityQuery, settings_.query_timeout);
  auto parsed =
      answer ? parse_builtin_volatility(*answer)
             : Result<std::vector<std::pair<std::string, char>>>(fail(answer.error().message));
  if (!parsed) {
    logger()->warn("reading built-in function volatility from {} failed (retried next round): {}",
                   addresses_[primary].describe(), parsed.error().message);
    co_return;
  }
  logger()->debug("learned the volatility of {} built-in functions", parsed->size());
  on_builtin_volatilities(std::move(*parsed));
  builtins_loaded_.store(true, std::memory_order_release);
}

net::awaitable<void> ReplicationMonitor::wait_for_next_round() {
  if (!probe_requested_) {
    wake_.expires_after(settings_.period);
    net::error_code ec;
    co_await wake_.async_wait(net::use_awaitable_ec(ec));
  }
  probe_requested_ = false;
}

void ReplicationMonitor::log_changes(const ClusterState& previous, const ClusterState& next,
                                     const std::vector<NodeObservation>& observations) {
  for (const auto& note : describe_changes(previous, next, observations)) {
    if (note.warning) {
      logger()->warn("{}", note.text);
    } else {
      logger()->info("{}", note.text);
    }
  }
  // A node that stays down for a new reason (refused, then "starting up") is worth one line.
  for (std::size_t id = 0; id < observations.size(); ++id) {
    const auto& error = observations[id].error;
    if (!observations[id].reachable && previous.nodes[id].status == NodeStatus::kDown &&
        error != last_errors_[id]) {
      logger()->info("node {} still down: {}", next.nodes[id].name, error);
    }
    last_errors_[id] = observations[id].reachable ? std::string() : error;
  }
}

pgclient::ConnectOptions ReplicationMonitor::connect_options(std::size_t id) const {
  pgclient::ConnectOptions options;
  options.address = addresses_[id];
  options.user = settings_.user;
  options.password = password_;
  options.database = settings_.database;
  options.application_name = "pgwarden monitor";
  options.connect_timeout = settings_.connect_timeout;
  options.login_timeout = settings_.connect_timeout;
  return options;
}

void ReplicationMonitor::close_connections() {
  for (auto& connection : connections_)
    connection.reset();
}

}  // namespace pgw::cluster
