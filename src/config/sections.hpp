#pragma once
/// Internal to src/config: readers of each section of pgwarden.toml into its Config part.
/// Each reports its problems to the reader's ErrorSink and leaves defaults where keys are absent.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/table_reader.hpp"

namespace pgw::config::detail {

/// Longest accepted duration (30 days): far beyond any useful timeout, and small enough that
/// adding it to a steady_clock time point cannot overflow.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(720);

/// `path` unchanged when empty or absolute, else `base_dir / path` normalised.
std::string resolve_path(const std::filesystem::path& base_dir, const std::string& path);

/// The keys of the root table, other than the sections.
void read_root(TableReader& root, Config& out);
void read_listen(TableReader& table, const std::filesystem::path& base_dir, ListenConfig& out);
void read_auth(TableReader& table, const std::filesystem::path& base_dir, AuthConfig& out);
void read_pool(TableReader& table, PoolConfig& out);
void read_limits(TableReader& table, LimitsConfig& out);
void read_log(TableReader& table, const std::filesystem::path& base_dir, LogConfig& out);
void read_tls(TableReader& table, const std::filesystem::path& base_dir, TlsConfig& out);
void read_monitor(TableReader& table, MonitorConfig& out);
void read_routing(TableReader& table, RoutingConfig& out);
void read_health_check(TableReader& table, HealthCheckConfig& out);
void read_failover(TableReader& table, FailoverConfig& out);
void read_admin(TableReader& table, const std::filesystem::path& base_dir, AdminConfig& out);
/// Redirect rules that name a backend must name one that exists.
void check_redirect_nodes(const Config& config, ErrorSink& errors);
/// `node` is the root's "backends" value (null when absent): an array of at least one table.
void read_backends(const toml::node* node, ErrorSink& errors, std::vector<BackendConfig>& out);

}  // namespace pgw::config::detail
