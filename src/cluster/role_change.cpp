// ClusterManager's role changes: the steps failover, promote and switchover share, and the
// operator requests.

#include "cluster/cluster_manager.hpp"
#include "cluster/lsn.hpp"

namespace pgw::cluster {
namespace {

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

net::awaitable<Result<void>> ClusterManager::change_primary(std::size_t old_primary,
                                                            std::size_t new_primary,
                                                            const std::string& kind) {
  // Never two writable primaries behind pgwarden: the old one is out of service before the new
  // one can take writes.
  state_.nodes[old_primary].detached = true;
  state_.failover_in_progress = true;
  publish();
  if (auto fenced = co_await actuators_.fence(old_primary); !fenced) {
    events_.add(kind, old_primary,
                "could not fence " + state_.nodes[old_primary].name + ": " + fenced.error().message,
                true);
  } else {
    fenced_[old_primary] = true;
  }
  auto promoted = co_await actuators_.promote(new_primary, config_.failover.promote_timeout);
  if (!promoted) {
    // Nothing was promoted, so there is no second primary: the old one may serve again as soon
    // as it answers (it was detached only to keep two primaries apart).
    state_.nodes[old_primary].detached = false;
    state_.failover_in_progress = false;
    publish();
    co_return unexpected(promoted.error());
  }
  auto now = std::chrono::system_clock::now();
  primary_changed_at_ = std::chrono::steady_clock::now();
  failed_promotions_.clear();
  state_.primary = new_primary;
  {
    auto& node = state_.nodes[new_primary];
    node.role = NodeRole::kPrimary;
    node.false_primary = false;
    node.detached = false;
    node.last_status_change = now;
  }
  state_.nodes[old_primary].last_status_change = now;
  // Synchronous mode: the new primary names its synchronous standbys before any session may
  // write there, so that no commit is acknowledged without a standby (it waits for one of
  // them to follow instead).
  synchronous_names_.reset();
  co_await update_synchronous_standbys();
  state_.failover_in_progress = false;
  publish();
  // No reference into state_ may live across a co_await: a monitor round replaces state_
  // (and its nodes) meanwhile.
  std::vector<std::size_t> followers;
  for (const auto& other : state_.nodes) {
    if (other.id != new_primary && other.id != old_primary && !other.detached &&
        other.role == NodeRole::kStandby) {
      followers.push_back(other.id);
    }
  }
  for (auto id : followers) {
    auto followed = co_await actuators_.follow(id, new_primary);
    const auto& name = state_.nodes[id].name;
    if (followed) {
      events_.add("follow", id, name + " now follows " + state_.nodes[new_primary].name);
    } else {
      events_.add("follow_failed", id,
                  name + " could not be re-pointed: " + followed.error().message, true);
    }
  }
  co_await update_synchronous_standbys();  // a standby that could not follow is left out
  probe_now_();
  co_return Result<void>{};
}

net::awaitable<void> ClusterManager::update_synchronous_standbys() {
  if (!config_.failover.synchronous_mode || !state_.primary) co_return;
  std::string names;
  for (const auto& node : state_.nodes) {
    if (node.id == *state_.primary || node.detached || node.status != NodeStatus::kUp ||
        node.role != NodeRole::kStandby) {
      continue;
    }
    names += (names.empty() ? "" : ", ") + quote_identifier(node.application_name);
  }
  // Every acknowledged commit waits for one standby; with none up, writes go on (availability)
  // and no standby is eligible for promotion until it streams again (failover_policy.cpp).
  std::string value = names.empty() ? "" : "ANY 1 (" + names + ")";
  if (value == synchronous_names_) co_return;
  auto set = co_await actuators_.set_synchronous_standbys(*state_.primary, value);
  if (!set) {
    events_.add("synchronous_standbys", state_.primary,
                "could not set synchronous_standby_names: " + set.error().message, true);
    co_return;
  }
  synchronous_names_ = value;
  events_.add("synchronous_standbys", state_.primary,
              "synchronous_standby_names = '" + value + "'");
}

net::awaitable<Result<std::string>> ClusterManager::detach(std::size_t node) {
  if (!node_index(node)) co_return fail("no node " + std::to_string(node));
  // A role change decides who is detached (the old primary, above all): an operator's
  // detach or attach in the middle of it could publish a second primary.
  if (busy_) co_return fail("a role change is already under way");
  if (state_.primary == node) {
    co_return fail("node " + std::to_string(node) +
                   " is the primary: use switchover (or promote once it is down)");
  }
  state_.nodes[node].detached = true;
  publish();
  events_.add("detach", node, state_.nodes[node].name + " detached by an operator");
  co_return "detached " + state_.nodes[node].name;
}

net::awaitable<Result<std::string>> ClusterManager::attach(std::size_t node) {
  if (!node_index(node)) co_return fail("no node " + std::to_string(node));
  if (busy_) co_return fail("a role change is already under way");
  state_.nodes[node].detached = false;
  fenced_[node] = false;
  failed_promotions_.erase(node);
  publish();
  events_.add("attach", node, state_.nodes[node].name + " attached by an operator");
  probe_now_();
  co_return "attached " + state_.nodes[node].name;
}

net::awaitable<Result<std::string>> ClusterManager::promote(std::size_t node, bool force) {
  if (!node_index(node)) co_return fail("no node " + std::to_string(node));
  if (busy_) co_return fail("a role change is already under way");
  if (primary_serving()) {
    co_return fail("the primary " + state_.nodes[*state_.primary].name +
                   " is up: use switchover to move the role");
  }
  auto checks = policy();
  if (force) {
    checks.maximum_lag = 0;
    checks.synchronous_mode = false;
  }
  std::size_t old_primary = state_.primary.value_or(node);
  if (!state_.primary) {
    // Nothing to measure lag or synchronous state against; health, role and detach still count.
    checks.synchronous_mode = false;
  }
  if (auto obstacle =
          promotion_obstacle(state_, health_, checks, state_.primary.value_or(kNoPrimary), node);
      !obstacle.empty()) {
    co_return fail("cannot promote " + state_.nodes[node].name + ": " + obstacle);
  }
  busy_ = true;
  events_.add("promote", node, "promotion of " + state_.nodes[node].name + " requested");
  Result<void> changed;
  if (state_.primary) {
    changed = co_await change_primary(old_primary, node, "promote");
  } else {
    auto promoted = co_await actuators_.promote(node, config_.failover.promote_timeout);
    if (!promoted) changed = unexpected(promoted.error());
    probe_now_();
  }
  busy_ = false;
  if (!changed) co_return fail("promotion failed: " + changed.error().message);
  run_hook("promote", std::nullopt, old_primary, node);
  co_return state_.nodes[node].name + " is the primary";
}

net::awaitable<Result<std::string>> ClusterManager::switchover(std::size_t node) {
  if (!node_index(node)) co_return fail("no node " + std::to_string(node));
  if (busy_) co_return fail("a role change is already under way");
  if (!primary_serving()) {
    co_return fail("no primary is up: use promote");
  }
  std::size_t old_primary = *state_.primary;
  if (auto obstacle = promotion_obstacle(state_, health_, policy(), old_primary, node);
      !obstacle.empty()) {
    co_return fail("cannot switch over to " + state_.nodes[node].name + ": " + obstacle);
  }
  busy_ = true;
  auto started = std::chrono::steady_clock::now();
  events_.add("switchover", node,
              "switchover from " + state_.nodes[old_primary].name + " to " +
                  state_.nodes[node].name + " starts");
  // New transactions that need the primary wait from here on.
  state_.failover_in_progress = true;
  publish();
  auto fenced = co_await actuators_.fence(old_primary);
  auto final_position = co_await actuators_.wal_position(old_primary);
  if (!fenced || !final_position) {
    state_.failover_in_progress = false;
    publish();
    busy_ = false;
    co_return fail("could not stop writes on " + state_.nodes[old_primary].name + ": " +
                   (!fenced ? fenced.error().message : final_position.error().message));
  }
  auto deadline = std::chrono::steady_clock::now() + config_.failover.promote_timeout;
  net::asio::steady_timer timer(executor_);
  for (;;) {
    auto replayed = co_await actuators_.wal_position(node);
    if (replayed && *replayed >= *final_position) break;
    if (std::chrono::steady_clock::now() > deadline) {
      state_.failover_in_progress = false;
      publish();
      busy_ = false;
      co_return fail(state_.nodes[node].name + " did not replay up to " +
                     format_lsn(*final_position) + " in time; " + state_.nodes[old_primary].name +
                     " stays the primary but read-only (ALTER SYSTEM RESET "
                     "default_transaction_read_only to undo)");
    }
    timer.expires_after(std::chrono::milliseconds(20));
    net::error_code ec;
    co_await timer.async_wait(net::use_awaitable_ec(ec));
  }
  auto changed = co_await change_primary(old_primary, node, "switchover");
  busy_ = false;
  if (!changed) co_return fail("switchover failed: " + changed.error().message);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  events_.add("switchover_done", node,
              state_.nodes[node].name + " is the primary (switchover took " +
                  std::to_string(took.count()) + " ms; every commit up to " +
                  format_lsn(*final_position) + " is on it)");
  run_hook("switchover", std::nullopt, old_primary, node);
  co_return state_.nodes[node].name + " is the primary";
}

void ClusterManager::run_hook(const std::string&, std::optional<std::size_t> failed,
                              std::optional<std::size_t> old_primary,
                              std::optional<std::size_t> new_primary) {
  if (config_.failover.hook_command.empty()) return;
  actuators_.run_hook(expand_hook_command(config_.failover.hook_command, state_, config_, failed,
                                          old_primary, new_primary));
}

std::string expand_hook_command(const std::string& command, const ClusterState& state,
                                const config::Config& config, std::optional<std::size_t> failed,
                                std::optional<std::size_t> old_primary,
                                std::optional<std::size_t> new_primary) {
  auto id = [](std::optional<std::size_t> node) {
    return node ? std::to_string(*node) : std::string("-1");
  };
  auto host = [&](std::optional<std::size_t> node) {
    return node ? state.nodes[*node].host : std::string();
  };
  auto port = [&](std::optional<std::size_t> node) {
    return node ? std::to_string(state.nodes[*node].port) : std::string();
  };
  std::string out;
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (command[i] != '%' || i + 1 == command.size()) {
      out += command[i];
      continue;
    }
    switch (command[++i]) {
      case 'd':
        out += id(failed);
        break;
      case 'h':
        out += host(failed);
        break;
      case 'p':
        out += port(failed);
        break;
      case 'D':
        out += failed ? config.backends[*failed].data_directory : "";
        break;
      case 'm':
        out += id(new_primary);
        break;
      case 'H':
        out += host(new_primary);
        break;
      case 'r':
        out += port(new_primary);
        break;
      case 'P':
        out += id(old_primary);
        break;
      case 'N':
        out += host(old_primary);
        break;
      case 'S':
        out += port(old_primary);
        break;
      case '%':
        out += '%';
        break;
      default:
        out += '%';
        out += command[i];
        break;
    }
  }
  return out;
}

}  // namespace pgw::cluster
