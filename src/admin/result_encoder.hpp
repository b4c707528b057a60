#pragma once
/// A Table as the messages PostgreSQL sends for a query's result, for SQL-side admin commands
/// (SHOW POOL_NODES) answered by the proxy itself.

#include <string_view>

#include "admin/table.hpp"
#include "protocol/bytes.hpp"

namespace pgw::admin {

/// Appends RowDescription (every column text: type oid 25, size -1, modifier -1, text format),
/// one DataRow per row (NULL cells as NULL) and CommandComplete `command_tag` to `out` — what
/// a session writes before its own ReadyForQuery. pgpool-II tags its SHOW results
/// "SELECT <rows>"; PostgreSQL's own SHOW says "SHOW". Preconditions (assert only, as in
/// protocol::encode): names and the tag hold no NUL; at most 65535 columns.
void encode_result(const Table& table, std::string_view command_tag, protocol::Bytes& out);

}  // namespace pgw::admin
