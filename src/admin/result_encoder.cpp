#include "admin/result_encoder.hpp"

#include "protocol/backend.hpp"

namespace pgw::admin {
namespace {

// pg_type.oid of text.
constexpr std::uint32_t kTextOid = 25;

protocol::RowDescription row_description(const Table& table) {
  protocol::RowDescription description;
  description.fields.reserve(table.columns.size());
  for (const auto& name : table.columns) {
    protocol::FieldDescription field;
    field.name = name;
    field.type_oid = kTextOid;
    field.type_size = -1;
    field.type_modifier = -1;
    description.fields.push_back(field);
  }
  return description;
}

}  // namespace

void encode_result(const Table& table, std::string_view command_tag, protocol::Bytes& out) {
  protocol::encode(row_description(table), out);
  protocol::DataRow data_row;
  for (const auto& row : table.rows) {
    data_row.columns.clear();
    for (const auto& cell : row) {
      if (cell) {
        data_row.columns.emplace_back(protocol::as_bytes(*cell));
      } else {
        data_row.columns.emplace_back(std::nullopt);
      }
    }
    protocol::encode(data_row, out);
  }
  protocol::CommandComplete complete;
  complete.tag = command_tag;
  protocol::encode(complete, out);
}

}  // namespace pgw::admin
