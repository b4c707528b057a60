#pragma once
/// Builds the outcome of one simple Query from the server's decoded reply messages
/// (protocol 3.0 "Simple Query"): RowDescription, DataRow..., CommandComplete per statement,
/// ErrorResponse instead when one fails, then ReadyForQuery. Pure: no I/O, fed one message at
/// a time by pgclient::Connection and by tests.

#include <cstddef>
#include <optional>

#include "common/result.hpp"
#include "pgclient/query_result.hpp"
#include "protocol/backend.hpp"

namespace pgw::pgclient {

class ResultAssembler {
 public:
  static constexpr std::size_t kDefaultMaxResultBytes = std::size_t{64} * 1024 * 1024;

  enum class Step {
    kContinue,  ///< more messages belong to this query
    kDone,      ///< ReadyForQuery arrived: take() the outcome; the connection is idle
    kBroken,    ///< the reply cannot be understood: take() the error and close the connection
  };

  /// `max_result_bytes` bounds the values kept for one statement; more is kBroken.
  explicit ResultAssembler(std::size_t max_result_bytes = kDefaultMaxResultBytes)
      : max_result_bytes_(max_result_bytes) {}

  /// Feeds the next message. Messages after kDone or kBroken are a caller bug.
  Step on_message(const protocol::BackendMessage& message);

  /// After kDone: the last statement's result, or the server's error if a statement failed.
  /// After kBroken: the protocol error. Call once.
  Expected<QueryResult, QueryError> take();

  /// The ErrorResponse received so far, if any: a FATAL one comes just before the server
  /// closes the connection, so the caller reports it when the next read fails.
  const std::optional<QueryError>& server_error() const { return server_error_; }
  /// The transaction status of the final ReadyForQuery ('I', 'T' or 'E').
  std::optional<protocol::TransactionStatus> transaction_status() const { return status_; }

 private:
  Step broken(std::string message);
  Step on_data_row(const protocol::DataRow& row);
  void finish_statement(std::string_view tag);

  std::size_t max_result_bytes_;
  std::size_t current_bytes_ = 0;
  bool described_ = false;
  QueryResult current_;
  QueryResult last_;
  std::optional<QueryError> server_error_;
  std::optional<QueryError> protocol_error_;
  std::optional<protocol::TransactionStatus> status_;
};

}  // namespace pgw::pgclient
