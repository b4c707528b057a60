#pragma once
/// The text the test bed writes: PostgreSQL configuration files, SQL and conninfo quoting.
/// Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "testbed/cluster_options.hpp"

namespace pgw::testbed {

/// The database superuser every cluster is initialized with.
inline constexpr std::string_view kSuperuser = "postgres";
inline constexpr std::string_view kMonitorUser = "pgwarden_monitor";
inline constexpr std::string_view kReplUser = "repl";
/// Included from postgresql.conf: settings shared by every node, then the node's own.
inline constexpr std::string_view kClusterConfFile = "pgwarden_cluster.conf";
inline constexpr std::string_view kNodeConfFile = "pgwarden_node.conf";

/// The lines postgresql.conf ends with, so that the two files above take effect.
std::string include_lines();

/// Settings shared by every node: replication, small memory, fsync off, logging to stderr (the
/// node's log file), then `options.extra_settings`.
std::string cluster_conf(const ClusterOptions& options);

/// The node's own settings: port, socket directory and cluster_name (which is also the
/// application_name its WAL receiver reports in pg_stat_replication).
std::string node_conf(std::string_view name, int port, std::string_view socket_dir);

/// Unix socket: trust for the superuser (the socket directory is mode 0700, so only the OS user
/// and root reach it), scram-sha-256 for other roles. TCP on loopback: scram-sha-256 for all,
/// and replication connections for the replication role.
std::string hba_conf();

/// The name of the physical replication slot of standby `index` (1-based): "standby_1", ...
std::string slot_name(std::size_t index);

/// 'text' for SQL, quotes doubled (standard_conforming_strings is on).
std::string sql_literal(std::string_view text);
/// "name" for SQL, double quotes doubled.
std::string sql_identifier(std::string_view name);
/// A value for a libpq conninfo string, quoted when needed.
std::string conninfo_value(std::string_view value);

/// `length` random characters from [A-Za-z0-9], from the CSPRNG.
std::string random_password(std::size_t length = 16);

}  // namespace pgw::testbed
