#pragma once
/// A real PostgreSQL streaming-replication cluster on loopback, built from nothing: one primary
/// and N standbys, each on its own physical replication slot. Used by the integration tests,
/// `pgwarden sandbox` and the benchmarks. See src/testbed/README.md.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "common/result.hpp"
#include "testbed/cluster_manifest.hpp"
#include "testbed/cluster_options.hpp"
#include "testbed/postgres_node.hpp"

namespace pgw::testbed {

class CertificateAuthority;

/// Roles: the superuser "postgres" (trust over the Unix socket, a password over TCP),
/// "repl" (REPLICATION), "pgwarden_monitor" (pg_monitor) and the app user, owner of the app
/// database. Passwords are random unless given; all TCP logins use scram-sha-256.
///
/// The servers run as an unprivileged OS user (find_unprivileged_user()), also when the test
/// runs as root. Not thread-safe: drive a cluster from one thread.
class LocalCluster {
 public:
  /// Builds and starts the cluster, and waits until every standby streams. On failure,
  /// whatever was built is stopped and removed (unless keep_on_exit).
  static Result<std::unique_ptr<LocalCluster>> create(ClusterOptions options);

  /// Reattaches to a cluster kept by an earlier process (keep_on_exit) from its manifest. The
  /// result keeps it too; call destroy() to stop and remove it.
  static Result<std::unique_ptr<LocalCluster>> open(const std::string& dir);

  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  /// Unless keep_on_exit: stops every node (immediate) and removes the directory.
  ~LocalCluster();

  /// The node built as the primary (node 0). After a failover, ask is_in_recovery().
  PostgresNode& primary() { return *nodes_.front(); }
  /// Nodes 1..N, built as standbys.
  std::vector<PostgresNode*> standbys();
  PostgresNode& node(std::size_t index) { return *nodes_.at(index); }
  std::size_t size() const { return nodes_.size(); }

  const std::string& dir() const { return dir_; }
  const ClusterOptions& options() const { return options_; }
  /// The OS user the servers run as.
  const std::string& os_user() const { return manifest_.os_user; }

  std::string superuser() const;
  const std::string& superuser_password() const { return manifest_.superuser_password; }
  const std::string& app_user() const { return manifest_.app_user; }
  const std::string& app_password() const { return manifest_.app_password; }
  const std::string& app_database() const { return manifest_.app_database; }
  std::string monitor_user() const;
  const std::string& monitor_password() const { return manifest_.monitor_password; }
  std::string repl_user() const;
  const std::string& repl_password() const { return manifest_.repl_password; }
  /// With ClusterOptions::ssl: the CA certificate that signed every node's certificate
  /// (DIR/tls/ca.crt), for sslrootcert= or pgwarden's tls_ca_file. Empty without ssl.
  std::string tls_ca_file() const;

  /// Polls node 0 until every standby appears in pg_stat_replication (by application_name,
  /// which is the node name) with state 'streaming'.
  Result<void> wait_for_streaming(std::chrono::milliseconds timeout);

  /// Stops every node (immediate), standbys first. Reports the first failure.
  Result<void> stop_all();

  /// Stops every node and removes the directory, even when keep_on_exit is set. The destructor
  /// then does nothing.
  Result<void> destroy();

 private:
  LocalCluster(ClusterOptions options, ClusterManifest manifest, std::string dir);

  Result<void> build(const std::string& template_dir);
  Result<PostgresNode*> add_node(const std::string& name);
  Result<void> configure_node(PostgresNode& node);
  /// ssl = on for `node`: its certificate and key in NODE/tls/, lines added to its conf file.
  Result<void> configure_node_tls(PostgresNode& node);
  Result<void> build_primary(const std::string& template_dir);
  Result<void> create_roles();
  Result<void> build_standby(std::size_t index);
  Result<void> enable_synchronous();
  Result<void> write_manifest();

  ClusterOptions options_;
  ClusterManifest manifest_;
  std::string dir_;
  UserInfo os_user_info_;
  std::vector<std::unique_ptr<PostgresNode>> nodes_;
  /// Signs the nodes' certificates while the cluster is built (ClusterOptions::ssl).
  std::unique_ptr<CertificateAuthority> ca_;
  bool destroyed_ = false;
};

}  // namespace pgw::testbed
