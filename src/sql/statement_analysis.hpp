#pragma once
/// From libpg_query's tree to our StatementInfo (internal to src/sql).

#include "sql/statement_info.hpp"

struct PgQuery__ParseResult;  // NOLINT(bugprone-reserved-identifier): generated name
struct PgQuery__Node;         // NOLINT(bugprone-reserved-identifier): generated name

namespace pgw::sql {
class FunctionCatalog;
}

namespace pgw::sql::detail {

/// The classification of a parsed text: kind and flags, and whether it may run on a standby
/// (consulting `catalog` for each function a read calls). Leaves the text-level flags
/// (no_load_balance_hint, matches_primary_pattern) to the caller.
StatementInfo analyze(const PgQuery__ParseResult& result, FunctionCatalog& catalog);

/// Sets kind, transaction_read_only, set_local and is_ddl for one statement.
void describe_statement(const PgQuery__Node& statement, StatementInfo& info);

/// True when `statement`, whose kind describe_statement() found to be a read (SELECT, VALUES,
/// TABLE, SHOW, EXPLAIN), may run on a standby. Sets info.uses_unknown_function when only a
/// function of unknown volatility stood in the way.
bool may_run_on_standby(const PgQuery__Node& statement, FunctionCatalog& catalog,
                        StatementInfo& info);

}  // namespace pgw::sql::detail
