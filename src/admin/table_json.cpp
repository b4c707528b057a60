#include "admin/table_json.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "admin/pool_nodes.hpp"
#include "common/text.hpp"

namespace pgw::admin {
namespace {

using nlohmann::json;

enum class ColumnKind { kText, kInteger, kFloat, kBoolean, kDelay };

constexpr std::string_view kDelayColumn = "replication_delay";

ColumnKind kind_of(std::string_view column) {
  if (column == "node_id" || column == "port" || column == "select_cnt") {
    return ColumnKind::kInteger;
  }
  if (column == "lb_weight") return ColumnKind::kFloat;
  if (column == "load_balance_node") return ColumnKind::kBoolean;
  if (column == kDelayColumn) return ColumnKind::kDelay;
  return ColumnKind::kText;
}

/// "1.500000 seconds" / "0.250000 second" (format_delay_seconds) as 1.5 / 0.25.
std::optional<double> parse_delay_seconds(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto unit = text.substr(space + 1);
  if (unit != "second" && unit != "seconds") return std::nullopt;
  return parse_whole<double>(text.substr(0, space));
}

json cell_json(ColumnKind kind, const std::string& text) {
  switch (kind) {
    case ColumnKind::kInteger:
      if (auto value = parse_whole<std::uint64_t>(text)) return *value;
      break;
    case ColumnKind::kFloat:
      if (auto value = parse_whole<double>(text)) return *value;
      break;
    case ColumnKind::kBoolean:
      if (text == "true" || text == "false") return text == "true";
      break;
    case ColumnKind::kDelay:
      if (auto bytes = parse_whole<std::uint64_t>(text)) return *bytes;
      if (auto seconds = parse_delay_seconds(text)) return *seconds;
      break;
    case ColumnKind::kText:
      break;
  }
  return text;
}

std::optional<std::string> cell_text(const json& value, std::string_view column) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (column == kDelayColumn) return format_delay_seconds(number);
    char text[64];
    std::snprintf(text, sizeof text, "%f", number);
    return text;
  }
  return value.dump();
}

}  // namespace

json to_json(const Table& table) {
  std::vector<ColumnKind> kinds;
  kinds.reserve(table.columns.size());
  for (const auto& column : table.columns)
    kinds.push_back(kind_of(column));
  json rows = json::array();
  for (const auto& row : table.rows) {
    json object = json::object();
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      const auto& cell = i < row.size() ? row[i] : std::nullopt;
      object[table.columns[i]] = cell ? cell_json(kinds[i], *cell) : json(nullptr);
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

Result<Table> table_from_json(const json& value, const std::vector<std::string>& columns) {
  if (!value.is_array()) return fail("expected a JSON array of rows");
  Table table;
  table.columns = columns;
  if (table.columns.empty() && !value.empty() && value.front().is_object()) {
    for (const auto& item : value.front().items())
      table.columns.push_back(item.key());
  }
  for (const auto& object : value) {
    if (!object.is_object()) return fail("expected a JSON object for each row");
    auto& row = table.rows.emplace_back();
    for (const auto& column : table.columns) {
      const auto found = object.find(column);
      row.push_back(found == object.end() ? std::nullopt : cell_text(*found, column));
    }
  }
  return table;
}

}  // namespace pgw::admin
