#include "route/router.hpp"

namespace pgw::route {
namespace {

using cluster::NodeRole;
using cluster::NodeStatus;
using config::RedirectRule;

/// Two independent uniform numbers in [0, 1) from 64 random bits.
std::pair<double, double> split_draw(std::uint64_t random) {
  constexpr double kScale = 1.0 / 4294967296.0;
  return {static_cast<double>(random >> 32) * kScale,
          static_cast<double>(random & 0xffffffffu) * kScale};
}

/// Up (health checks decide), not a false primary, role known. A missed monitor probe
/// (`reachable` false) alone does not take a node out: on a busy machine probes time out.
bool is_usable(const cluster::NodeState& node) {
  return node.status == NodeStatus::kUp && !node.false_primary && node.role != NodeRole::kUnknown;
}

Decision to_primary(const cluster::ClusterState& state, bool is_read, const char* reason) {
  if (!state.primary || !is_usable(state.nodes[*state.primary])) {
    return {std::nullopt, is_read, "no primary is available"};
  }
  return {state.primary, is_read, reason};
}

std::vector<RoutingPolicy::Redirect> compile(const std::vector<RedirectRule>& rules,
                                             const config::Config& config) {
  std::vector<RoutingPolicy::Redirect> out;
  for (const auto& rule : rules) {
    RoutingPolicy::Redirect redirect{std::regex(rule.pattern, std::regex::ECMAScript), rule, {}};
    for (std::size_t i = 0; i < config.backends.size(); ++i) {
      if (config.backends[i].name == rule.node) redirect.node = i;
    }
    out.push_back(std::move(redirect));
  }
  return out;
}

const RoutingPolicy::Redirect* find_redirect(const std::vector<RoutingPolicy::Redirect>& rules,
                                             const std::string& name) {
  for (const auto& rule : rules) {
    if (std::regex_match(name, rule.pattern)) return &rule;
  }
  return nullptr;
}

/// The session's redirect rule, most specific first: application, user, database.
const RoutingPolicy::Redirect* session_redirect(SessionRoute& session,
                                                const RoutingPolicy& policy) {
  if (!session.redirect_resolved) {
    session.redirect = find_redirect(policy.application_redirect, session.application_name);
    if (!session.redirect) session.redirect = find_redirect(policy.user_redirect, session.user);
    if (!session.redirect) {
      session.redirect = find_redirect(policy.database_redirect, session.database);
    }
    session.redirect_resolved = true;
  }
  return session.redirect;
}

/// A node among `state.nodes` that can serve the read, chosen by weight with `draw` in
/// [0, 1); `standbys_only` leaves the primary out.
std::optional<std::size_t> pick_by_weight(const cluster::ClusterState& state,
                                          const SessionRoute& session, const RoutingPolicy& policy,
                                          bool standbys_only, double draw) {
  std::uint64_t total = 0;
  for (const auto& node : state.nodes) {
    if (standbys_only && node.role != NodeRole::kStandby) continue;
    if (node.weight > 0 && can_read_from(node, session, state, policy)) total += node.weight;
  }
  if (total == 0) return std::nullopt;
  auto target = static_cast<std::uint64_t>(draw * static_cast<double>(total));
  for (const auto& node : state.nodes) {
    if (standbys_only && node.role != NodeRole::kStandby) continue;
    if (node.weight == 0 || !can_read_from(node, session, state, policy)) continue;
    if (target < node.weight) return node.id;
    target -= node.weight;
  }
  return std::nullopt;
}

}  // namespace

RoutingPolicy RoutingPolicy::from_config(const config::Config& config) {
  const auto& r = config.routing;
  RoutingPolicy policy;
  policy.load_balance = r.load_balance;
  policy.statement_level = r.statement_level;
  policy.delay_threshold_bytes = r.delay_threshold_bytes;
  policy.delay_threshold_time = r.delay_threshold_time;
  policy.read_your_writes = r.read_your_writes;
  policy.application_redirect = compile(r.application_redirect, config);
  policy.user_redirect = compile(r.user_redirect, config);
  policy.database_redirect = compile(r.database_redirect, config);
  return policy;
}

void note_write_commit(SessionRoute& session, SteadyTime when) {
  session.last_write_commit = when;
  session.required_lsn.reset();
}

bool can_read_from(const cluster::NodeState& node, const SessionRoute& session,
                   const cluster::ClusterState& state, const RoutingPolicy& policy) {
  if (!is_usable(node)) return false;
  if (state.primary && node.id == *state.primary) return true;
  if (node.role != NodeRole::kStandby || node.no_load_balance) return false;
  if (policy.delay_threshold_bytes > 0 &&
      (!node.lag_bytes || *node.lag_bytes > policy.delay_threshold_bytes)) {
    return false;
  }
  if (policy.delay_threshold_time.count() > 0) {
    double limit = static_cast<double>(policy.delay_threshold_time.count()) / 1000.0;
    if (!node.lag_seconds || *node.lag_seconds > limit) return false;
  }
  if (policy.read_your_writes && session.last_write_commit) {
    // Until a sample taken after the commit tells where the primary was, no standby is known
    // to have the commit.
    if (!session.required_lsn) return false;
    if (!node.replay_lsn || *node.replay_lsn < *session.required_lsn) return false;
  }
  return true;
}

Decision route(const sql::StatementInfo& statement, SessionRoute& session,
               const cluster::ClusterState& state, const RoutingPolicy& policy,
               std::uint64_t random) {
  using sql::StatementKind;
  if (session.pinned_to_primary) return to_primary(state, false, "session pinned to the primary");
  bool is_read = statement.read_only;
  if (statement.kind == StatementKind::kBegin || statement.kind == StatementKind::kSetTransaction) {
    is_read = statement.transaction_read_only.value_or(false);
  }
  if (!is_read) return to_primary(state, false, "write");
  if (statement.no_load_balance_hint) return to_primary(state, true, "NO LOAD BALANCE hint");
  if (statement.matches_primary_pattern) return to_primary(state, true, "primary routing pattern");
  if (!policy.load_balance) return to_primary(state, true, "load balancing is off");

  if (policy.read_your_writes && session.last_write_commit && !session.required_lsn &&
      state.primary && state.sampled_at > *session.last_write_commit) {
    session.required_lsn = state.nodes[*state.primary].wal_lsn;
  }
  auto [ratio_draw, weight_draw] = split_draw(random);
  if (const auto* redirect = session_redirect(session, policy)) {
    switch (redirect->rule.target) {
      case RedirectRule::Target::kPrimary:
        return to_primary(state, true, "redirect preference: primary");
      case RedirectRule::Target::kStandby:
        if (ratio_draw < redirect->rule.ratio) {
          if (auto node = pick_by_weight(state, session, policy, true, weight_draw)) {
            return {node, true, "redirect preference: standby"};
          }
        }
        break;
      case RedirectRule::Target::kNode:
        if (ratio_draw < redirect->rule.ratio && redirect->node &&
            can_read_from(state.nodes[*redirect->node], session, state, policy)) {
          return {redirect->node, true, "redirect preference: node"};
        }
        break;
    }
  }
  if (!policy.statement_level && session.read_node && *session.read_node < state.nodes.size() &&
      can_read_from(state.nodes[*session.read_node], session, state, policy)) {
    return {session.read_node, true, "the session's read node"};
  }
  auto node = pick_by_weight(state, session, policy, false, weight_draw);
  if (!node) return to_primary(state, true, "no standby can serve the read");
  // While read-your-writes keeps the session off some standbys, a pick is not kept: the
  // session goes back to balancing once they have replayed its writes.
  bool restricted = policy.read_your_writes && session.last_write_commit.has_value();
  if (!policy.statement_level && (!restricted || node != state.primary)) {
    session.read_node = node;
  }
  return {node, true, "load balanced by weight"};
}

}  // namespace pgw::route
