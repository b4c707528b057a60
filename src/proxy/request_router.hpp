#pragma once
/// Decides, message by message, where the client's requests go when several servers serve one
/// session (docs/routing.md). Pure: the relay (relay.cpp) feeds it each client message with
/// what it knows (the active server, transaction status, outstanding requests) and carries out
/// the returned action; nothing here does I/O.
///
/// Units: a Query is a unit of its own; extended-protocol messages form a unit up to Sync (or
/// Flush). A unit that so far only reads is held until it ends, because a later Parse in it may
/// turn out to be a write; a unit that writes goes to the primary at once and streams.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_state.hpp"
#include "protocol/bytes.hpp"
#include "proxy/session_log.hpp"
#include "proxy/statement_registry.hpp"
#include "route/router.hpp"
#include "sql/classifier.hpp"

namespace pgw::proxy {

/// What the relay knows when it asks.
struct RelayView {
  std::optional<std::size_t> active;  ///< the node whose connection is in use
  bool in_transaction = false;        ///< its last ReadyForQuery said T or E
  int outstanding = 0;                ///< requests sent to it not yet answered
};

enum class LocalQuery { kNone, kPoolNodes, kPoolVersion };

struct RouteAction {
  enum class Kind {
    kForward,        ///< send the held messages and this one to `node`
    kHold,           ///< keep this message with the held ones: the unit's node is still open
    kAnswerLocally,  ///< a Query pgwarden answers itself (`local`)
    kNoServer,       ///< no node can take it (no primary for a write); `reason` says why
    kTerminate,      ///< the client said goodbye
  };
  Kind kind = Kind::kForward;
  std::size_t node = 0;
  LocalQuery local = LocalQuery::kNone;
  bool counts_as_select = false;  ///< a read: counted in the node's select_cnt
  const char* reason = "";
};

/// A statement to prepare on a node before a held unit that binds it is sent there.
struct Injection {
  std::string name;
  bool close_first = false;          ///< an older statement of that name is still there
  protocol::ByteView parse_message;  ///< the client's own Parse message
};

class RequestRouter {
 public:
  RequestRouter(sql::Classifier& classifier, const route::RoutingPolicy& policy,
                route::SessionRoute& session, StatementRegistry& statements, SessionLog& log);

  /// The action for the client message `type` whose body (whole, or the first bytes of a
  /// large Bind) is `body`. May be asked again for the same message after the relay waited;
  /// it changes nothing the relay has not acted on.
  RouteAction decide(char type, protocol::ByteView body, std::uint32_t body_length,
                     const RelayView& view, const cluster::ClusterState& state,
                     std::uint64_t random);

  /// The message (held or not) was sent to `node`: bookkeeping of statements, settings and
  /// pins. `whole_message` is the message with its header (for Parse re-preparation).
  void forwarded(char type, protocol::ByteView body, std::size_t node,
                 protocol::ByteView whole_message);

  /// What must be prepared on `node` before the held unit goes there.
  std::vector<Injection> injections_for(std::size_t node) const;

  /// A write was forwarded since the session was last idle (read-your-writes).
  bool wrote() const { return wrote_; }
  void clear_wrote() { wrote_ = false; }
  bool unit_open() const { return unit_.open; }
  /// The held unit grew too large to hold: it goes to the primary and streams.
  void overflow() { unit_.needs_primary = true; }

 private:
  struct Unit {
    bool open = false;
    bool needs_primary = false;
    std::optional<std::size_t> fixed;      ///< decided (forwarded at least once)
    std::optional<std::size_t> read_node;  ///< where the reads held so far would go
    bool count_select = false;
    struct Parsed {
      std::string name;
      sql::StatementInfo info;
    };
    std::vector<Parsed> parsed;      ///< statements the unit itself prepares, with their class
    std::vector<std::string> bound;  ///< statements prepared earlier that it binds or describes
  };

  RouteAction decide_query(protocol::ByteView body, std::uint32_t body_length,
                           const RelayView& view, const cluster::ClusterState& state,
                           std::uint64_t random);
  RouteAction decide_extended(char type, protocol::ByteView body, std::uint32_t body_length,
                              const RelayView& view, const cluster::ClusterState& state,
                              std::uint64_t random);
  /// Adds a read or write statement to the open unit; returns the resulting action.
  RouteAction add_to_unit(const sql::StatementInfo& info, const RelayView& view,
                          const cluster::ClusterState& state, std::uint64_t random);
  RouteAction flush_unit(const RelayView& view, const cluster::ClusterState& state);
  RouteAction flush_unit_to(std::size_t node);
  RouteAction to_primary(const cluster::ClusterState& state, bool is_read) const;
  std::size_t current_or_primary(const RelayView& view, const cluster::ClusterState& state) const;
  const sql::StatementInfo& classify_text(protocol::ByteView body, std::uint32_t body_length);
  /// The class of statement `name` as the open unit or an earlier Parse prepared it; null when
  /// this session never prepared it.
  const sql::StatementInfo* statement_info(std::string_view name) const;
  /// Records a session-state statement `text` (class `info`) run on `node`.
  void log_session_state(const sql::StatementInfo& info, std::string_view text, std::size_t node);

  sql::Classifier& classifier_;
  const route::RoutingPolicy& policy_;
  route::SessionRoute& session_;
  StatementRegistry& statements_;
  SessionLog& log_;
  Unit unit_;
  bool wrote_ = false;
  sql::StatementInfo unparsed_;  ///< for texts too large to classify: a write
};

/// SHOW POOL_NODES / SHOW POOL_VERSION (any case, optional trailing semicolon), else kNone.
LocalQuery local_query_of(std::string_view sql);

}  // namespace pgw::proxy
