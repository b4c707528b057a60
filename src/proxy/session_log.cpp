#include "proxy/session_log.hpp"

namespace pgw::proxy {

std::size_t& SessionLog::applied(std::size_t node) {
  if (applied_.size() <= node) applied_.resize(node + 1, 0);
  return applied_[node];
}

void SessionLog::append(std::string_view statement, std::size_t node) {
  std::string text(statement);
  while (!text.empty() && (text.back() == ';' || text.back() == ' ' || text.back() == '\n')) {
    text.pop_back();
  }
  entries_.push_back(std::move(text));
  applied(node) = entries_.size();
}

std::string SessionLog::pending_for(std::size_t node) const {
  std::size_t done = node < applied_.size() ? applied_[node] : 0;
  std::string sql;
  for (std::size_t i = done; i < entries_.size(); ++i)
    sql += entries_[i] + ";";
  return sql;
}

std::vector<std::string> SessionLog::pending_entries(std::size_t node) const {
  std::size_t done = node < applied_.size() ? applied_[node] : 0;
  return {entries_.begin() + static_cast<long>(done), entries_.end()};
}

void SessionLog::mark_applied(std::size_t node) {
  applied(node) = entries_.size();
}

void SessionLog::reset_node(std::size_t node) {
  applied(node) = 0;
}

}  // namespace pgw::proxy
