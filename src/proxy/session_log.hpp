#pragma once
/// The session-state statements a client ran (SET, RESET, DISCARD, DEALLOCATE ALL), in order,
/// and how many of them each node has applied: a session that reads from a standby and writes
/// to the primary sees the same settings on both, because a node catches up before it is used.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgw::proxy {

class SessionLog {
 public:
  /// Longer logs pin the session to one node instead of growing without bound.
  static constexpr std::size_t kMaxEntries = 1000;

  /// `statement` ran on `node`, which had applied everything before it.
  void append(std::string_view statement, std::size_t node);
  /// Statements `node` has not applied yet, joined with ';' (empty: it is up to date).
  std::string pending_for(std::size_t node) const;
  void mark_applied(std::size_t node);
  /// Cheap check for the hot path: has `node` applied every entry?
  bool up_to_date(std::size_t node) const {
    return entries_.empty() || (node < applied_.size() && applied_[node] == entries_.size());
  }
  /// The entries `node` still has to apply, one statement each.
  std::vector<std::string> pending_entries(std::size_t node) const;
  /// The node lost its server connection; a new one starts from the server's defaults.
  void reset_node(std::size_t node);
  bool full() const { return entries_.size() >= kMaxEntries; }
  std::size_t size() const { return entries_.size(); }

 private:
  std::size_t& applied(std::size_t node);
  std::vector<std::string> entries_;
  std::vector<std::size_t> applied_;
};

}  // namespace pgw::proxy
