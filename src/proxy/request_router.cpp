#include "proxy/request_router.hpp"

#include <algorithm>
#include <cctype>

namespace pgw::proxy {
namespace {

using sql::StatementKind;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

/// The NUL-terminated string at `offset` in `body`, or nullopt when it is cut off.
std::optional<std::string_view> cstring_at(protocol::ByteView body, std::size_t offset) {
  for (std::size_t i = offset; i < body.size(); ++i) {
    if (body[i] == 0) {
      return std::string_view(reinterpret_cast<const char*>(body.data()) + offset, i - offset);
    }
  }
  return std::nullopt;
}

/// The first words of `sql`, lower case, whitespace runs as one space (for telling apart
/// statements the classifier gives one kind: DISCARD ALL from DISCARD PLANS, ...).
std::string leading_words(std::string_view sql, std::size_t max_length = 48) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (out.size() >= max_length) break;
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool drops_all_prepared_statements(std::string_view sql) {
  auto words = leading_words(sql);
  return words.starts_with("discard all") || words.starts_with("deallocate all") ||
         words.starts_with("deallocate prepare all");
}

/// SET SESSION CHARACTERISTICS AS TRANSACTION: the classifier calls it a transaction
/// statement, but it sets the session's default like SET does.
bool sets_session_characteristics(const sql::StatementInfo& info, std::string_view sql) {
  return info.kind == StatementKind::kSetTransaction &&
         leading_words(sql).starts_with("set session characteristics");
}

/// Statements that change the session's settings and must be repeated on every node it uses.
bool is_session_setting(const sql::StatementInfo& info) {
  switch (info.kind) {
    case StatementKind::kSet:
      return !info.set_local;
    case StatementKind::kReset:
    case StatementKind::kDiscard:
      return true;
    default:
      return false;
  }
}

/// Statements after which the session must stay on the primary (their effects live in one
/// server's session: temporary tables, notifications, SQL-level prepared statements, cursors).
bool pins_to_primary(const sql::StatementInfo& info) {
  switch (info.kind) {
    case StatementKind::kCreateTempTable:
    case StatementKind::kListen:
    case StatementKind::kPrepare:
    case StatementKind::kDeclareCursor:
      return true;
    default:
      return false;
  }
}

/// Whether a statement changes data, for read-your-writes (settings and transaction control do
/// not).
bool is_write(const sql::StatementInfo& info) {
  if (info.read_only) return false;
  switch (info.kind) {
    case StatementKind::kEmpty:
    case StatementKind::kShow:
    case StatementKind::kBegin:
    case StatementKind::kCommit:
    case StatementKind::kRollback:
    case StatementKind::kSavepoint:
    case StatementKind::kReleaseSavepoint:
    case StatementKind::kRollbackToSavepoint:
    case StatementKind::kSetTransaction:
    case StatementKind::kSet:
    case StatementKind::kReset:
    case StatementKind::kDiscard:
    case StatementKind::kListen:
    case StatementKind::kUnlisten:
    case StatementKind::kDeallocate:
    case StatementKind::kFetch:
    case StatementKind::kClosePortal:
      return false;
    default:
      return true;
  }
}

}  // namespace

LocalQuery local_query_of(std::string_view sql) {
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front()))) {
    sql.remove_prefix(1);
  }
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.remove_suffix(1);
  }
  if (sql.size() < 5 || !iequals(sql.substr(0, 4), "show") ||
      !std::isspace(static_cast<unsigned char>(sql[4]))) {
    return LocalQuery::kNone;
  }
  sql.remove_prefix(5);
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front()))) {
    sql.remove_prefix(1);
  }
  if (iequals(sql, "pool_nodes")) return LocalQuery::kPoolNodes;
  if (iequals(sql, "pool_version")) return LocalQuery::kPoolVersion;
  return LocalQuery::kNone;
}

RequestRouter::RequestRouter(sql::Classifier& classifier, const route::RoutingPolicy& policy,
                             route::SessionRoute& session, StatementRegistry& statements,
                             SessionLog& log)
    : classifier_(classifier),
      policy_(policy),
      session_(session),
      statements_(statements),
      log_(log) {
  unparsed_.kind = StatementKind::kOther;
  unparsed_.too_complex = true;
}

const sql::StatementInfo& RequestRouter::classify_text(protocol::ByteView body,
                                                       std::uint32_t body_length) {
  if (body.size() < body_length) return unparsed_;  // only a prefix: too large to classify
  auto text = cstring_at(body, 0);
  if (!text) return unparsed_;
  return classifier_.classify(*text);
}

RouteAction RequestRouter::to_primary(const cluster::ClusterState& state, bool is_read) const {
  if (!state.primary || state.nodes[*state.primary].status != cluster::NodeStatus::kUp ||
      state.nodes[*state.primary].false_primary) {
    return {RouteAction::Kind::kNoServer, 0, LocalQuery::kNone, false, "no primary is available"};
  }
  return {RouteAction::Kind::kForward, *state.primary, LocalQuery::kNone, is_read, "primary"};
}

std::size_t RequestRouter::current_or_primary(const RelayView& view,
                                              const cluster::ClusterState& state) const {
  if (view.active) return *view.active;
  return state.primary.value_or(0);
}

RouteAction RequestRouter::decide(char type, protocol::ByteView body, std::uint32_t body_length,
                                  const RelayView& view, const cluster::ClusterState& state,
                                  std::uint64_t random) {
  switch (type) {
    case 'X':
      return {RouteAction::Kind::kTerminate};
    case 'Q':
      return decide_query(body, body_length, view, state, random);
    case 'F':
      // A fast-path function call may write: the primary, with whatever unit is open.
      if (unit_.open) {
        unit_.needs_primary = true;
        return flush_unit(view, state);
      }
      if (view.in_transaction && view.active) return {RouteAction::Kind::kForward, *view.active};
      return to_primary(state, false);
    case 'P':
    case 'B':
    case 'D':
    case 'E':
    case 'C':
    case 'H':
    case 'S':
      return decide_extended(type, body, body_length, view, state, random);
    default:
      // COPY data and anything unknown go where the session is (the server judges them).
      return {RouteAction::Kind::kForward, current_or_primary(view, state)};
  }
}

RouteAction RequestRouter::decide_query(protocol::ByteView body, std::uint32_t body_length,
                                        const RelayView& view, const cluster::ClusterState& state,
                                        std::uint64_t random) {
  if (unit_.open) {
    // A Query while an extended-protocol unit is unsynced: keep the order on one server.
    unit_.needs_primary = true;
    return flush_unit(view, state);
  }
  if (body.size() == body_length) {
    if (auto text = cstring_at(body, 0)) {
      if (auto local = local_query_of(*text); local != LocalQuery::kNone) {
        return {RouteAction::Kind::kAnswerLocally, 0, local};
      }
    }
  }
  if (view.in_transaction && view.active) return {RouteAction::Kind::kForward, *view.active};
  const auto& info = classify_text(body, body_length);
  auto text = cstring_at(body, 0).value_or("");
  if (is_session_setting(info) || info.kind == StatementKind::kDeallocate ||
      sets_session_characteristics(info, text)) {
    return {RouteAction::Kind::kForward, current_or_primary(view, state)};
  }
  if (pins_to_primary(info)) return to_primary(state, false);
  auto decision = route::route(info, session_, state, policy_, random);
  if (!decision.node) {
    return {RouteAction::Kind::kNoServer, 0, LocalQuery::kNone, false, decision.reason};
  }
  return {RouteAction::Kind::kForward, *decision.node, LocalQuery::kNone, decision.is_read,
          decision.reason};
}

RouteAction RequestRouter::decide_extended(char type, protocol::ByteView body,
                                           std::uint32_t body_length, const RelayView& view,
                                           const cluster::ClusterState& state,
                                           std::uint64_t random) {
  if (unit_.fixed) return {RouteAction::Kind::kForward, *unit_.fixed};
  if (view.in_transaction && view.active) return {RouteAction::Kind::kForward, *view.active};
  switch (type) {
    case 'P': {
      auto name = cstring_at(body, 0);
      if (!name || body.size() < body_length) {
        unit_.open = true;
        unit_.needs_primary = true;
        return flush_unit(view, state);
      }
      auto sql = cstring_at(body, name->size() + 1);
      const auto& info = sql ? classifier_.classify(*sql) : unparsed_;
      auto known = std::find_if(unit_.parsed.begin(), unit_.parsed.end(),
                                [&](const auto& p) { return p.name == *name; });
      if (known == unit_.parsed.end()) {
        unit_.parsed.push_back({std::string(*name), info});
      } else {
        known->info = info;
      }
      if (sql && (is_session_setting(info) || sets_session_characteristics(info, *sql))) {
        // A SET through the extended protocol (JDBC does this): where the session is, logged.
        unit_.open = true;
        return flush_unit_to(current_or_primary(view, state));
      }
      return add_to_unit(info, view, state, random);
    }
    case 'B':
    case 'D': {
      bool describes_portal = type == 'D' && !body.empty() && body[0] == 'P';
      if (describes_portal) {
        if (unit_.open) return {RouteAction::Kind::kHold};
        return {RouteAction::Kind::kForward, current_or_primary(view, state)};
      }
      // Bind: portal name, then statement name. Describe: kind byte, then statement name.
      std::optional<std::string_view> name;
      if (type == 'B') {
        auto portal = cstring_at(body, 0);
        if (portal) name = cstring_at(body, portal->size() + 1);
      } else {
        name = cstring_at(body, 1);
      }
      if (name) {
        auto in_unit = std::find_if(unit_.parsed.begin(), unit_.parsed.end(),
                                    [&](const auto& p) { return p.name == *name; });
        if (in_unit != unit_.parsed.end()) return add_to_unit(in_unit->info, view, state, random);
      }
      const auto* statement = name ? statements_.find(*name) : nullptr;
      if (statement == nullptr || statement->prepared_on.none()) {
        // Not prepared through this session as far as we know (or closed): wherever the
        // session is, and PostgreSQL answers.
        unit_.open = true;
        unit_.needs_primary = !view.active;
        if (view.active) return flush_unit_to(*view.active);
        return flush_unit(view, state);
      }
      if (std::find(unit_.bound.begin(), unit_.bound.end(), *name) == unit_.bound.end()) {
        unit_.bound.emplace_back(*name);
      }
      return add_to_unit(statement->info, view, state, random);
    }
    case 'E':
    case 'C':
      if (unit_.open) return {RouteAction::Kind::kHold};
      return {RouteAction::Kind::kForward, current_or_primary(view, state)};
    default:  // 'H', 'S'
      if (unit_.open) return flush_unit(view, state);
      return {RouteAction::Kind::kForward, current_or_primary(view, state)};
  }
}

RouteAction RequestRouter::add_to_unit(const sql::StatementInfo& info, const RelayView& view,
                                       const cluster::ClusterState& state, std::uint64_t random) {
  unit_.open = true;
  if (unit_.needs_primary) return flush_unit(view, state);
  if (pins_to_primary(info) || is_session_setting(info)) {
    unit_.needs_primary = true;
    return flush_unit(view, state);
  }
  auto decision = route::route(info, session_, state, policy_, random);
  if (!decision.is_read) {
    unit_.needs_primary = true;
    return flush_unit(view, state);
  }
  if (!decision.node) {
    return {RouteAction::Kind::kNoServer, 0, LocalQuery::kNone, false, decision.reason};
  }
  if (!unit_.read_node) unit_.read_node = decision.node;
  unit_.count_select = true;
  return {RouteAction::Kind::kHold};
}

RouteAction RequestRouter::flush_unit_to(std::size_t node) {
  return {RouteAction::Kind::kForward, node, LocalQuery::kNone, false, "unit"};
}

RouteAction RequestRouter::flush_unit(const RelayView& view, const cluster::ClusterState& state) {
  if (view.in_transaction && view.active) return flush_unit_to(*view.active);
  if (unit_.needs_primary || !unit_.read_node) return to_primary(state, false);
  return {RouteAction::Kind::kForward, *unit_.read_node, LocalQuery::kNone, unit_.count_select,
          "read unit"};
}

void RequestRouter::forwarded(char type, protocol::ByteView body, std::size_t node,
                              protocol::ByteView whole_message) {
  switch (type) {
    case 'Q': {
      const auto& info = classify_text(body, static_cast<std::uint32_t>(body.size()));
      log_session_state(info, cstring_at(body, 0).value_or(""), node);
      if (pins_to_primary(info)) session_.pinned_to_primary = true;
      if (is_write(info)) wrote_ = true;
      break;
    }
    case 'P': {
      auto name = cstring_at(body, 0);
      auto sql = name ? cstring_at(body, name->size() + 1) : std::nullopt;
      const auto& info = sql ? classifier_.classify(*sql) : unparsed_;
      if (name) statements_.on_parse(*name, whole_message, info, node);
      if (sql) log_session_state(info, *sql, node);
      if (pins_to_primary(info)) session_.pinned_to_primary = true;
      if (is_write(info)) wrote_ = true;
      break;
    }
    case 'C':
      if (!body.empty() && body[0] == 'S') {
        if (auto name = cstring_at(body, 1)) statements_.on_close(*name, node);
      }
      break;
    case 'F':
      wrote_ = true;
      break;
    case 'B': {
      // A prepared write executed again: read-your-writes must see it.
      auto portal = cstring_at(body, 0);
      auto name = portal ? cstring_at(body, portal->size() + 1) : std::nullopt;
      const auto* info = name ? statement_info(*name) : nullptr;
      if (info != nullptr && is_write(*info)) wrote_ = true;
      break;
    }
    default:
      break;
  }
  if (type == 'S') {
    unit_ = Unit{};
  } else if (unit_.open) {
    unit_.fixed = node;
  }
}

const sql::StatementInfo* RequestRouter::statement_info(std::string_view name) const {
  for (const auto& parsed : unit_.parsed) {
    if (parsed.name == name) return &parsed.info;
  }
  const auto* statement = statements_.find(name);
  return statement != nullptr ? &statement->info : nullptr;
}

void RequestRouter::log_session_state(const sql::StatementInfo& info, std::string_view text,
                                      std::size_t node) {
  bool state_statement = is_session_setting(info) || info.kind == StatementKind::kDeallocate ||
                         sets_session_characteristics(info, text);
  if (!state_statement) return;
  if (drops_all_prepared_statements(text)) statements_.clear();
  // At the log's bound the session stays on the primary (where its settings are) and the log
  // stops growing.
  if (!log_.full()) log_.append(text, node);
  if (log_.full()) session_.pinned_to_primary = true;
}

std::vector<Injection> RequestRouter::injections_for(std::size_t node) const {
  std::vector<Injection> out;
  for (const auto& name : unit_.bound) {
    const auto* statement = statements_.find(name);
    if (statement == nullptr || statement->prepared_on.test(node) ||
        statement->parse_message.empty()) {
      continue;
    }
    out.push_back({name, statement->stale_on.test(node), statement->parse_message});
  }
  return out;
}

}  // namespace pgw::proxy
