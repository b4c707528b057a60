#include "admin/table.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace pgw::admin {
namespace {

/// Display width: UTF-8 code points (continuation bytes 10xxxxxx do not count).
std::size_t width_of(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string_view cell_text(const std::optional<std::string>& cell) {
  return cell ? std::string_view(*cell) : std::string_view();
}

std::vector<std::size_t> column_widths(const Table& table) {
  std::vector<std::size_t> widths;
  widths.reserve(table.columns.size());
  for (const auto& name : table.columns)
    widths.push_back(width_of(name));
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < widths.size() && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], width_of(cell_text(row[i])));
    }
  }
  return widths;
}

void append_header(const Table& table, const std::vector<std::size_t>& widths, std::string& out) {
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const std::size_t spare = widths[i] - width_of(table.columns[i]);
    out += i == 0 ? " " : " | ";
    out.append(spare / 2, ' ');
    out += table.columns[i];
    out.append((spare + 1) / 2, ' ');
  }
  out += widths.empty() ? "\n" : " \n";
}

void append_separator(const std::vector<std::size_t>& widths, std::string& out) {
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (i > 0) out += '+';
    out.append(widths[i] + 2, '-');
  }
  out += '\n';
}

void append_row(const std::vector<std::optional<std::string>>& row,
                const std::vector<std::size_t>& widths, std::string& out) {
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const std::string_view text = i < row.size() ? cell_text(row[i]) : std::string_view();
    out += i == 0 ? " " : " | ";
    out += text;
    // psql pads every cell but the last of a data line.
    if (i + 1 < widths.size()) out.append(widths[i] - width_of(text), ' ');
  }
  out += '\n';
}

}  // namespace

std::string format_table(const Table& table) {
  const auto widths = column_widths(table);
  std::string out;
  append_header(table, widths, out);
  append_separator(widths, out);
  for (const auto& row : table.rows)
    append_row(row, widths, out);
  const auto count = table.rows.size();
  out += "(" + std::to_string(count) + (count == 1 ? " row)\n" : " rows)\n");
  return out;
}

}  // namespace pgw::admin
