#include "proxy/statement_registry.hpp"

namespace pgw::proxy {

void StatementRegistry::on_parse(std::string_view name, protocol::ByteView whole_message,
                                 const sql::StatementInfo& info, std::size_t node) {
  auto it = statements_.find(name);
  if (it == statements_.end()) it = statements_.emplace(std::string(name), Statement{}).first;
  Statement& statement = it->second;
  // Every other node that held the previous version now holds a stale one (PostgreSQL
  // replaces the unnamed statement by itself; a named one would collide there).
  NodeSet old = statement.prepared_on | statement.stale_on;
  statement.stale_on = name.empty() ? NodeSet() : old;
  statement.stale_on.reset(node);
  statement.prepared_on.reset();
  statement.prepared_on.set(node);
  statement.info = info;
  if (whole_message.size() <= kMaxKeptParse) {
    statement.parse_message.assign(whole_message.begin(), whole_message.end());
  } else {
    statement.parse_message.clear();
  }
}

void StatementRegistry::on_prepared_here(std::string_view name, std::size_t node) {
  auto it = statements_.find(name);
  if (it == statements_.end()) return;
  it->second.prepared_on.set(node);
  it->second.stale_on.reset(node);
}

void StatementRegistry::on_close(std::string_view name, std::size_t node) {
  auto it = statements_.find(name);
  if (it == statements_.end()) return;
  Statement& statement = it->second;
  statement.prepared_on.reset(node);
  statement.stale_on.reset(node);
  statement.stale_on |= statement.prepared_on;
  statement.prepared_on.reset();
  if (statement.stale_on.none()) statements_.erase(it);
}

void StatementRegistry::forget_node(std::size_t node) {
  for (auto it = statements_.begin(); it != statements_.end();) {
    it->second.prepared_on.reset(node);
    it->second.stale_on.reset(node);
    if (it->second.prepared_on.none() && it->second.stale_on.none()) {
      it = statements_.erase(it);
    } else {
      ++it;
    }
  }
}

void StatementRegistry::clear() {
  statements_.clear();
}

const StatementRegistry::Statement* StatementRegistry::find(std::string_view name) const {
  auto it = statements_.find(name);
  return it == statements_.end() ? nullptr : &it->second;
}

}  // namespace pgw::proxy
