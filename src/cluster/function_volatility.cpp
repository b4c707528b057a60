#include "cluster/function_volatility.hpp"

#include <unordered_map>

namespace pgw::cluster {

std::string quote_literal(std::string_view text) {
  std::string quoted = "E'";
  for (char c : text) {
    if (c == '\\' || c == '\'') quoted += c;
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

std::string volatility_query(const std::vector<std::string>& names) {
  std::string values;
  for (const auto& name : names) {
    if (name.find('\0') != std::string::npos) continue;
    auto dot = name.find('.');
    std::string schema =
        dot == std::string::npos ? "NULL" : quote_literal(std::string_view(name).substr(0, dot));
    std::string function =
        quote_literal(dot == std::string::npos ? name : std::string_view(name).substr(dot + 1));
    if (!values.empty()) values += ", ";
    values += "(" + quote_literal(name) + "::text, " + schema + "::text, " + function + "::text)";
  }
  if (values.empty()) values = "(NULL::text, NULL::text, NULL::text)";
  return "SELECT q.name, (SELECT max(p.provolatile::text COLLATE \"C\")"
         " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
         " WHERE p.proname = q.fn AND (q.nsp IS NULL OR n.nspname = q.nsp))"
         " FROM (VALUES " +
         values + ") AS q(name, nsp, fn)";
}

Result<std::vector<std::pair<std::string, char>>> parse_volatility_result(
    const pgclient::QueryResult& result, const std::vector<std::string>& names) {
  if (result.columns.size() != 2) return fail("unexpected columns in the volatility answer");
  std::unordered_map<std::string, char> found;
  for (const auto& row : result.rows) {
    if (row.size() != 2) return fail("unexpected row in the volatility answer");
    if (!row[0] || !row[1]) continue;
    if (row[1]->size() != 1) return fail("invalid volatility \"" + *row[1] + "\"");
    char volatility = row[1]->front();
    if (volatility != kImmutable && volatility != kStable && volatility != kVolatile)
      return fail("invalid volatility \"" + *row[1] + "\"");
    found[*row[0]] = volatility;
  }
  std::vector<std::pair<std::string, char>> answer;
  answer.reserve(names.size());
  for (const auto& name : names) {
    auto it = found.find(name);
    answer.emplace_back(name, it == found.end() ? kMissing : it->second);
  }
  return answer;
}

Result<std::vector<std::pair<std::string, char>>> parse_builtin_volatility(
    const pgclient::QueryResult& result) {
  if (result.columns.size() != 2) return fail("unexpected answer to the built-in lookup");
  std::vector<std::pair<std::string, char>> out;
  out.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    if (row.size() != 2 || !row[0] || !row[1] || row[1]->size() != 1) {
      return fail("unexpected row in the built-in lookup");
    }
    out.emplace_back(*row[0], (*row[1])[0]);
  }
  return out;
}

}  // namespace pgw::cluster
