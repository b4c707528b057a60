#pragma once
/// Table: the common form of admin output — what SHOW POOL_NODES sends, what /v1/nodes
/// serialises and what `pgwarden ctl` prints.

#include <optional>
#include <string>
#include <vector>

namespace pgw::admin {

/// Column names and rows of text; std::nullopt is SQL NULL. Every row has columns.size() cells.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

/// psql's default aligned format: a centred header, a separator line, left-aligned cells (all
/// columns are text), NULL as empty, then "(N rows)" ("(1 row)"), each line ending in '\n'. As
/// psql does, the header keeps its trailing padding and data lines do not; unlike psql, no
/// blank line follows. Widths count UTF-8 code points.
std::string format_table(const Table& table);

}  // namespace pgw::admin
