#pragma once
/// Routing decisions: which node a statement goes to. Pure: no I/O, no clock, no global state;
/// the session passes in what it knows, the router returns a node and a reason (docs/routing.md
/// states the rules this file implements).

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "config/config.hpp"
#include "sql/statement_info.hpp"

namespace pgw::route {

using SteadyTime = std::chrono::steady_clock::time_point;

/// RoutingConfig with its regular expressions compiled once.
struct RoutingPolicy {
  struct Redirect {
    std::regex pattern;
    config::RedirectRule rule;
    std::optional<std::size_t> node;  ///< resolved backend index for kNode
  };
  bool load_balance = true;
  bool statement_level = false;
  std::uint64_t delay_threshold_bytes = 0;
  std::chrono::milliseconds delay_threshold_time{0};
  bool read_your_writes = true;
  std::vector<Redirect> application_redirect;
  std::vector<Redirect> user_redirect;
  std::vector<Redirect> database_redirect;

  static RoutingPolicy from_config(const config::Config& config);
};

/// What the router remembers about one client session.
struct SessionRoute {
  std::string database;
  std::string user;
  std::string application_name;
  /// Session-level balancing: the node this session reads from while it stays eligible.
  std::optional<std::size_t> read_node;
  /// The redirect rule that applies to this session, resolved once (nullptr: none).
  const RoutingPolicy::Redirect* redirect = nullptr;
  bool redirect_resolved = false;
  /// Everything goes to the primary from now on (temporary tables, LISTEN, SQL PREPARE...).
  bool pinned_to_primary = false;
  /// Read-your-writes: when the session's last write committed, and the primary's WAL
  /// position sampled after it (the commit is at or before it).
  std::optional<SteadyTime> last_write_commit;
  std::optional<std::uint64_t> required_lsn;
};

struct Decision {
  /// The node to use; nullopt when none can take the statement (no primary for a write, or
  /// nothing up at all).
  std::optional<std::size_t> node;
  bool is_read = false;  ///< counted as a select on that node
  const char* reason = "";
};

/// Where an autocommit statement (or the statement opening a transaction) goes. Inside a
/// transaction the session stays on the transaction's node and does not ask.
/// `random` is 64 random bits (injected so tests are deterministic).
Decision route(const sql::StatementInfo& statement, SessionRoute& session,
               const cluster::ClusterState& state, const RoutingPolicy& policy,
               std::uint64_t random);

/// Notes that the session committed a write at `when` (read-your-writes).
void note_write_commit(SessionRoute& session, SteadyTime when);

/// Whether `node` may serve a read for `session` now: up, a standby within the lag limits
/// and caught up with the session's writes, or the primary.
bool can_read_from(const cluster::NodeState& node, const SessionRoute& session,
                   const cluster::ClusterState& state, const RoutingPolicy& policy);

}  // namespace pgw::route
