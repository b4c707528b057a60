#pragma once
/// A pgwarden proxy process in front of a LocalCluster: writes its configuration, pg_hba.conf
/// and passwords file into a directory, starts `pgwarden run` in the background and waits
/// until it accepts connections. Used by the integration tests and `pgwarden sandbox`.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/result.hpp"
#include "testbed/local_cluster.hpp"

namespace pgw::testbed {

struct ProxySettings {
  std::string binary;  ///< path of the pgwarden executable
  std::string dir;     ///< where its files go; empty: a new temporary directory (removed)
  int port = 0;        ///< 0: a free port
  std::vector<std::string> listen_addresses = {"127.0.0.1"};
  bool unix_socket = true;  ///< in `dir`
  std::uint32_t workers = 1;
  /// pg_hba.conf text; empty: scram-sha-256 for everyone from loopback and the unix socket.
  std::string hba;
  /// Extra passwords-file lines; the app user's entry (PostgreSQL's own SCRAM secret, copied
  /// from pg_authid) is always written first.
  std::vector<std::string> extra_password_lines;
  /// Extra TOML appended per section, e.g. {"pool", "pool_size = 2"}.
  std::vector<std::pair<std::string, std::string>> settings;
  std::string log_level = "info";
  /// Every node is a backend; weights by node index (missing: 1).
  std::vector<std::uint32_t> weights;
  /// List the backends in reverse node order (roles must still be discovered right).
  bool reverse_backends = false;
  /// Serve the admin HTTP API on a free loopback port (admin_port()).
  bool admin_api = true;
  /// Keep the process and files when this object is destroyed (sandbox).
  bool keep = false;
};

class ProxyInstance {
 public:
  /// Writes the files and starts the proxy; fails with the tail of its log if it does not
  /// accept connections within `timeout`.
  static Result<std::unique_ptr<ProxyInstance>> start(
      LocalCluster& cluster, ProxySettings settings,
      std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// Unless `keep`: SIGINT, then SIGKILL if it lingers; removes a temporary directory.
  ~ProxyInstance();

  int port() const { return port_; }
  /// The admin API's port (0 when it is off).
  int admin_port() const { return admin_port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/pgwarden.toml"; }
  std::string hba_path() const { return dir_ + "/pg_hba.conf"; }
  std::string passwords_path() const { return dir_ + "/passwords"; }
  std::string log_path() const { return dir_ + "/pgwarden.log"; }
  std::string log_text() const;
  /// "host=127.0.0.1 port=P user=U password=W dbname=D" plus `extra`.
  std::string conninfo(const std::string& user, const std::string& password,
                       const std::string& database, const std::string& extra = "") const;

  bool alive() const;
  bool signal(int sig) const;
  /// Waits for the process to exit; true if it did within `timeout`.
  bool wait_exit(std::chrono::milliseconds timeout);

 private:
  ProxyInstance() = default;
  std::string dir_;
  bool temporary_dir_ = false;
  bool keep_ = false;
  int port_ = 0;
  int admin_port_ = 0;
  pid_t pid_ = 0;
};

/// The TOML text of a proxy configuration for `cluster`: every node a backend (roles are
/// discovered), the monitor role's credentials, the admin API on `admin_port` (0: off).
std::string proxy_config_text(LocalCluster& cluster, const ProxySettings& settings,
                              const std::string& dir, int port, int admin_port);

}  // namespace pgw::testbed
