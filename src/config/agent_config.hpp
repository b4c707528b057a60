#pragma once
/// `agent.toml`, the configuration of `pgwarden agent` (docs/agent.md): read and validated like
/// pgwarden.toml, with the same error style (file, line, key, what was expected).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "config/config.hpp"

namespace pgw::config {

struct AgentSection {
  /// "address:port" with an IP literal ("localhost" means 127.0.0.1).
  std::string listen = "127.0.0.1:8009";
  /// Holds the bearer token of the authenticated routes; must be readable by its owner only
  /// (checked when the agent loads it). Required.
  std::string token_file;
  /// Bounds each pg_ctl operation (pg_ctl -t) and each helper program run.
  std::chrono::milliseconds operation_timeout{60'000};
};

struct AgentPostgresSection {
  std::string data_directory;  ///< required
  std::string bin_directory = "/usr/lib/postgresql/15/bin";
  std::uint16_t port = 5432;
  /// Where the local monitoring connection goes: a unix socket directory (starts with '/') or
  /// an IP address.
  std::string host = "/var/run/postgresql";
  std::string user = "postgres";
  std::string password;       ///< never logged
  std::string password_file;  ///< alternative to password: the file's first line
  std::string database = "postgres";
  /// Non-empty: pg_ctl and the other PostgreSQL programs run as this OS user (needs root).
  std::string os_user;
  /// The server's output when pg_ctl starts it (pg_ctl -l). Default: DATA_DIRECTORY/pg_ctl.log.
  std::string log_file;
};

struct AgentConfig {
  std::string source_path;  ///< absolute path of the file read
  AgentSection agent;
  AgentPostgresSection postgres;
  LogConfig log;
};

/// Reads and validates `path`. Relative paths inside are resolved against its directory.
Expected<AgentConfig, ConfigError> load_agent_config(const std::string& path);

/// Parses TOML text; `source_name` names it in errors and anchors relative paths.
Expected<AgentConfig, ConfigError> parse_agent_config(std::string_view toml_text,
                                                      const std::string& source_name);

}  // namespace pgw::config
