#pragma once
/// admin::AdminActions over the ClusterManager, for the admin API; and the admin token read
/// from [admin] token_file.

#include <string>

#include "admin/admin_actions.hpp"
#include "cluster/cluster_manager.hpp"

namespace pgw::app {

/// Forwards each request to the manager. Both run on worker 0's executor: a request waits
/// there for its role change to finish.
class ClusterAdminActions final : public admin::AdminActions {
 public:
  explicit ClusterAdminActions(cluster::ClusterManager& manager) : manager_(manager) {}

  net::awaitable<Result<std::string>> detach(std::size_t node) override;
  net::awaitable<Result<std::string>> attach(std::size_t node) override;
  net::awaitable<Result<std::string>> promote(std::size_t node, bool force) override;
  net::awaitable<Result<std::string>> switchover(std::size_t node) override;

 private:
  cluster::ClusterManager& manager_;
};

/// The token in `path` (admin::parse_token); "" for an empty path (no token: every
/// state-changing request is refused). Refuses a file group or others may access, like the
/// passwords file. Errors name the file and never quote its content.
Result<std::string> load_admin_token(const std::string& path);

}  // namespace pgw::app
