#pragma once
/// How LocalCluster builds a PostgreSQL streaming-replication cluster on loopback.

#include <string>
#include <vector>

namespace pgw::testbed {

struct ClusterOptions {
  /// Where the cluster lives. Empty: a new directory /tmp/pgwarden-XXXXXX. Otherwise it is
  /// created if missing and must be empty; either way the cluster owns it and removes it.
  std::string base_dir;
  /// Number of streaming standbys, each on its own physical replication slot.
  int standbys = 1;
  /// At destruction, leave the nodes running and the directory in place (for `pgwarden
  /// sandbox up`, or to inspect a failed test). LocalCluster::open() reattaches later.
  bool keep_on_exit = false;
  /// Unless keep_on_exit: the nodes get an immediate shutdown (SIGQUIT) when the thread that
  /// started them ends, so a crashed test leaves no servers behind. Start nodes from a thread
  /// that outlives them (a test's main thread); turn this off otherwise.
  bool stop_with_creator = true;
  std::string app_user = "app";
  /// Empty: 16 random alphanumeric characters.
  std::string app_password;
  std::string app_database = "app";
  /// Lines appended to every node's configuration, e.g. "work_mem = '8MB'".
  std::vector<std::string> extra_settings;
  /// Commits wait for one standby: synchronous_standby_names = 'ANY 1 (*)'. Needs standbys >= 1.
  bool synchronous = false;
  /// Every node serves TLS (ssl = on) with its own certificate for localhost, 127.0.0.1 and
  /// ::1, all signed by one CA (LocalCluster::tls_ca_file()); see testbed/certificates.hpp.
  bool ssl = false;
  /// PostgreSQL binaries. Empty: $PGW_PG_BIN_DIR, else /usr/lib/postgresql/15/bin.
  std::string bin_dir;
};

}  // namespace pgw::testbed
