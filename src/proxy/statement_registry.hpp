#pragma once
/// The prepared statements a session created with Parse, and on which nodes each one exists, so
/// that a Bind routed to another node can prepare the statement there first (extended protocol
/// with load balancing). Pure bookkeeping; one per session.

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/bytes.hpp"
#include "sql/statement_info.hpp"

namespace pgw::proxy {

/// pgwarden supports at most this many backends (pgpool-II's MAX_NUM_BACKENDS).
inline constexpr std::size_t kMaxNodes = 128;
using NodeSet = std::bitset<kMaxNodes>;

class StatementRegistry {
 public:
  struct Statement {
    /// The whole Parse message as the client sent it; empty when it was too large to keep
    /// (then the statement cannot be prepared elsewhere and stays where it is).
    protocol::Bytes parse_message;
    sql::StatementInfo info;
    NodeSet prepared_on;  ///< nodes holding this version
    NodeSet stale_on;     ///< nodes still holding an older statement of the same name
  };

  /// Parse messages larger than this are not kept for re-preparing.
  static constexpr std::size_t kMaxKeptParse = 64 * 1024;

  /// The client's Parse of `name` ("" = the unnamed statement) went to `node`.
  void on_parse(std::string_view name, protocol::ByteView whole_message,
                const sql::StatementInfo& info, std::size_t node);
  /// pgwarden prepared `name` on `node` itself (any older version there was closed first).
  void on_prepared_here(std::string_view name, std::size_t node);
  /// The client closed statement `name` on `node`; copies on other nodes become stale.
  void on_close(std::string_view name, std::size_t node);
  /// The node's server connection is gone (or was reset): nothing is prepared there.
  void forget_node(std::size_t node);
  /// DISCARD ALL / DEALLOCATE ALL: no statement exists anywhere any more.
  void clear();

  const Statement* find(std::string_view name) const;
  std::size_t size() const { return statements_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, Statement, Hash, std::equal_to<>> statements_;
};

}  // namespace pgw::proxy
