// analyze() and may_run_on_standby(): is a parsed read free of anything that writes?

#include "sql/statement_analysis.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <pg_query/pg_query.pb-c.h>
#include <strings.h>

#include "sql/function_catalog.hpp"
#include "sql/tree_walk.hpp"

namespace pgw::sql::detail {

namespace {

template <class T>
const T& as(const ProtobufCMessage& message) {
  // Every generated struct starts with its ProtobufCMessage base.
  return *reinterpret_cast<const T*>(&message);
}

bool is_data_modifying(const ProtobufCMessageDescriptor* descriptor) {
  return descriptor == &pg_query__insert_stmt__descriptor ||
         descriptor == &pg_query__update_stmt__descriptor ||
         descriptor == &pg_query__delete_stmt__descriptor ||
         descriptor == &pg_query__merge_stmt__descriptor;
}

/// FuncCall.funcname's parts joined by '.'; empty when a part is not a String.
std::string function_name(const PgQuery__FuncCall& call) {
  std::string name;
  for (std::size_t i = 0; i < call.n_funcname; ++i) {
    const PgQuery__Node* part = call.funcname[i];
    if (part->node_case != PG_QUERY__NODE__NODE_STRING || part->string->sval == nullptr) return {};
    if (i > 0) name.push_back('.');
    name.append(part->string->sval);
  }
  return name;
}

/// What a walk of the whole tree found.
struct TreeFacts {
  bool writes = false;  // row locks, INTO, a data-modifying statement (CTE), an odd function
  std::vector<std::string> functions;  // every function called, once each
};

/// Visits every message reachable from `root` (every node, whatever field holds it: target
/// list, WHERE, FROM, CTEs, ORDER BY, window clauses, ...). Operators are not function calls.
TreeFacts inspect(const PgQuery__Node& root) {
  TreeFacts facts;
  std::vector<const ProtobufCMessage*> stack{&root.base};
  while (!stack.empty()) {
    const ProtobufCMessage& message = *stack.back();
    stack.pop_back();
    const ProtobufCMessageDescriptor* descriptor = message.descriptor;
    if (descriptor == &pg_query__select_stmt__descriptor) {
      const auto& select = as<PgQuery__SelectStmt>(message);
      facts.writes = select.n_locking_clause > 0 || select.into_clause != nullptr;
    } else if (descriptor == &pg_query__func_call__descriptor) {
      std::string name = function_name(as<PgQuery__FuncCall>(message));
      facts.writes = name.empty();
      if (!facts.writes && std::find(facts.functions.begin(), facts.functions.end(), name) ==
                               facts.functions.end()) {
        facts.functions.push_back(std::move(name));
      }
    } else {
      facts.writes = is_data_modifying(descriptor);
    }
    if (facts.writes) return facts;
    append_children(message, stack);
  }
  return facts;
}

/// Whether one EXPLAIN option turns ANALYZE on, read as PostgreSQL's defGetBoolean() does
/// (no argument, 1, true, on); an argument it would refuse also counts as on.
bool turns_analyze_on(const PgQuery__DefElem& option) {
  if (option.defname == nullptr || strcasecmp(option.defname, "analyze") != 0) return false;
  const PgQuery__Node* arg = option.arg;
  if (arg == nullptr) return true;
  switch (arg->node_case) {
    case PG_QUERY__NODE__NODE_INTEGER:
      return arg->integer->ival != 0;
    case PG_QUERY__NODE__NODE_BOOLEAN:
      return arg->boolean->boolval;
    case PG_QUERY__NODE__NODE_STRING: {
      const char* value = arg->string->sval;
      return value == nullptr || (strcasecmp(value, "false") != 0 && strcasecmp(value, "off") != 0);
    }
    default:
      return true;
  }
}

/// The statement EXPLAIN explains when it is a read-only candidate (no ANALYZE, a SELECT or
/// VALUES or TABLE), else nullptr.
const PgQuery__Node* explained_read(const PgQuery__ExplainStmt& explain) {
  for (std::size_t i = 0; i < explain.n_options; ++i) {
    const PgQuery__Node* option = explain.options[i];
    if (option->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && turns_analyze_on(*option->def_elem)) {
      return nullptr;
    }
  }
  const PgQuery__Node* query = explain.query;
  if (query == nullptr || query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) return nullptr;
  return query;
}

}  // namespace

bool may_run_on_standby(const PgQuery__Node& statement, FunctionCatalog& catalog,
                        StatementInfo& info) {
  const PgQuery__Node* query = &statement;
  switch (info.kind) {
    case StatementKind::kShow:
      return true;
    case StatementKind::kSelect:
    case StatementKind::kValues:
      break;
    case StatementKind::kExplain:
      query = explained_read(*statement.explain_stmt);
      if (query == nullptr) return false;
      break;
    default:
      return false;
  }
  const TreeFacts facts = inspect(*query);
  if (facts.writes) return false;
  bool unknown = false;
  for (const auto& name : facts.functions) {
    switch (catalog.classify(name)) {
      case FunctionCatalog::Verdict::kWrite:
        return false;  // final, whatever the unknown ones turn out to be
      case FunctionCatalog::Verdict::kUnknown:
        unknown = true;
        break;
      case FunctionCatalog::Verdict::kRead:
        break;
    }
  }
  info.uses_unknown_function = unknown;
  return !unknown;
}

StatementInfo analyze(const PgQuery__ParseResult& result, FunctionCatalog& catalog) {
  StatementInfo info;
  if (result.n_stmts == 0) {
    info.kind = StatementKind::kEmpty;
    return info;
  }
  if (result.n_stmts > 1) {
    info.multi_statement = true;
    for (std::size_t i = 0; i < result.n_stmts; ++i) {
      if (result.stmts[i]->stmt == nullptr) continue;
      StatementInfo one;
      describe_statement(*result.stmts[i]->stmt, one);
      info.is_ddl = info.is_ddl || one.is_ddl;
    }
    return info;  // kOther, not read-only
  }
  const PgQuery__Node* statement = result.stmts[0]->stmt;
  if (statement == nullptr) return info;
  describe_statement(*statement, info);
  info.read_only = may_run_on_standby(*statement, catalog, info);
  return info;
}

}  // namespace pgw::sql::detail
