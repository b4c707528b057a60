#include "pgclient/result_assembler.hpp"

#include <string>
#include <type_traits>

#include "protocol/sqlstate.hpp"

namespace pgw::pgclient {
namespace {

/// Messages that may arrive at any time and need no answer here.
bool is_asynchronous(const protocol::BackendMessage& message) {
  return std::holds_alternative<protocol::NoticeResponse>(message) ||
         std::holds_alternative<protocol::NotificationResponse>(message) ||
         std::holds_alternative<protocol::ParameterStatus>(message);
}

}  // namespace

ResultAssembler::Step ResultAssembler::on_message(const protocol::BackendMessage& message) {
  using namespace protocol;
  if (is_asynchronous(message)) return Step::kContinue;
  if (const auto* description = std::get_if<RowDescription>(&message)) {
    current_ = QueryResult{};
    current_bytes_ = 0;
    described_ = true;
    for (const auto& field : description->fields)
      current_.columns.emplace_back(field.name);
    return Step::kContinue;
  }
  if (const auto* row = std::get_if<DataRow>(&message)) return on_data_row(*row);
  if (const auto* complete = std::get_if<CommandComplete>(&message)) {
    finish_statement(complete->tag);
    return Step::kContinue;
  }
  if (std::holds_alternative<EmptyQueryResponse>(message)) {
    finish_statement("");
    return Step::kContinue;
  }
  if (const auto* error = std::get_if<ErrorResponse>(&message)) {
    // After an error the server skips the rest of the query string; only one comes.
    server_error_ = QueryError{QueryError::Kind::kServer, std::string(error->fields.sqlstate()),
                               std::string(error->fields.message())};
    return Step::kContinue;
  }
  if (const auto* ready = std::get_if<ReadyForQuery>(&message)) {
    status_ = ready->status;
    return Step::kDone;
  }
  if (std::holds_alternative<CopyInResponse>(message) ||
      std::holds_alternative<CopyOutResponse>(message) ||
      std::holds_alternative<CopyBothResponse>(message)) {
    return broken("COPY is not supported by this client");
  }
  return broken("unexpected message in the reply to a query");
}

ResultAssembler::Step ResultAssembler::on_data_row(const protocol::DataRow& row) {
  if (!described_) return broken("DataRow without RowDescription");
  if (row.columns.size() != current_.columns.size()) {
    return broken("DataRow has " + std::to_string(row.columns.size()) +
                  " columns, RowDescription announced " + std::to_string(current_.columns.size()));
  }
  Row values;
  values.reserve(row.columns.size());
  for (const auto& column : row.columns) {
    if (!column) {
      values.emplace_back(std::nullopt);
      continue;
    }
    current_bytes_ += column->size();
    values.emplace_back(std::string(protocol::as_chars(*column)));
  }
  if (current_bytes_ > max_result_bytes_) {
    return broken("result larger than " + std::to_string(max_result_bytes_) + " bytes");
  }
  current_.rows.push_back(std::move(values));
  return Step::kContinue;
}

void ResultAssembler::finish_statement(std::string_view tag) {
  if (!described_) current_ = QueryResult{};
  current_.command_tag = std::string(tag);
  last_ = std::move(current_);
  current_ = QueryResult{};
  current_bytes_ = 0;
  described_ = false;
}

ResultAssembler::Step ResultAssembler::broken(std::string message) {
  protocol_error_ =
      QueryError{QueryError::Kind::kProtocol, std::string(protocol::sqlstate::kProtocolViolation),
                 std::move(message)};
  return Step::kBroken;
}

Expected<QueryResult, QueryError> ResultAssembler::take() {
  if (protocol_error_) return unexpected(std::move(*protocol_error_));
  if (server_error_) return unexpected(std::move(*server_error_));
  return std::move(last_);
}

}  // namespace pgw::pgclient
