#include "app/cluster_admin_actions.hpp"

#include "admin/admin_access.hpp"
#include "auth/file_error.hpp"

namespace pgw::app {

net::awaitable<Result<std::string>> ClusterAdminActions::detach(std::size_t node) {
  co_return co_await manager_.detach(node);
}

net::awaitable<Result<std::string>> ClusterAdminActions::attach(std::size_t node) {
  co_return co_await manager_.attach(node);
}

net::awaitable<Result<std::string>> ClusterAdminActions::promote(std::size_t node, bool force) {
  co_return co_await manager_.promote(node, force);
}

net::awaitable<Result<std::string>> ClusterAdminActions::switchover(std::size_t node) {
  co_return co_await manager_.switchover(node);
}

Result<std::string> load_admin_token(const std::string& path) {
  if (path.empty()) return std::string();
  auto content = auth::read_config_file(path, true);
  if (!content) return fail("[admin] token_file: " + content.error().to_string());
  auto token = admin::parse_token(*content);
  if (!token) return fail("[admin] token_file: " + path + ": " + token.error().message);
  return token;
}

}  // namespace pgw::app
