#pragma once
/// Looking up how volatile functions are (pg_proc.provolatile), for routing: a statement that
/// calls a volatile function must go to the primary. Pure query building and reading; the
/// replication monitor runs the query on the primary.

#include <utility>

#include <string>
#include <vector>

#include "common/result.hpp"
#include "pgclient/query_result.hpp"

namespace pgw::cluster {

/// pg_proc.provolatile values, plus kMissing for a name no function has.
inline constexpr char kImmutable = 'i';
inline constexpr char kStable = 's';
inline constexpr char kVolatile = 'v';
inline constexpr char kMissing = 'm';

/// A query answering (name, volatility) for each of `names`: the most volatile of its
/// overloads ('v' > 's' > 'i'), NULL when there is none. "schema.name" is split at the first
/// dot and matches that schema only; an unqualified name matches every schema. Names are
/// compared as given (callers pass them folded as the parser does). Names holding a NUL byte
/// are left out (they are reported missing). Precondition: `names` is not empty.
std::string volatility_query(const std::vector<std::string>& names);

/// One (name, volatility) per entry of `names`, in order: what the answer says, kMissing for
/// names absent from it or NULL. An error when the answer is not volatility_query's.
Result<std::vector<std::pair<std::string, char>>> parse_volatility_result(
    const pgclient::QueryResult& result, const std::vector<std::string>& names);

/// The most volatile overload of every function in pg_catalog: rows (proname, provolatile).
inline constexpr const char* kBuiltinVolatilityQuery =
    "SELECT p.proname::text, max(p.provolatile::text) FROM pg_catalog.pg_proc p "
    "WHERE p.pronamespace = 'pg_catalog'::regnamespace GROUP BY p.proname";
/// The rows of kBuiltinVolatilityQuery; an error when the answer is not of that shape.
Result<std::vector<std::pair<std::string, char>>> parse_builtin_volatility(
    const pgclient::QueryResult& result);

/// `text` as an SQL string literal (E'...'), valid whatever standard_conforming_strings is.
/// Precondition: no NUL byte.
std::string quote_literal(std::string_view text);

}  // namespace pgw::cluster
