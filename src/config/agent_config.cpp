#include "config/agent_config.hpp"

#include <filesystem>

#include "config/sections.hpp"
#include "config/table_reader.hpp"

namespace pgw::config {
namespace {

using detail::ErrorSink;
using detail::section;
using detail::TableReader;
using std::chrono::milliseconds;

constexpr std::size_t kMaxFileSize = 1024 * 1024;

void read_agent(TableReader& table, const std::filesystem::path& base_dir, AgentSection& out) {
  table.check_keys({"listen", "token_file", "operation_timeout"});
  table.read_string("listen", out.listen);
  table.read_string("token_file", out.token_file, true);
  out.token_file = detail::resolve_path(base_dir, out.token_file);
  table.read_duration("operation_timeout", milliseconds(1000), std::chrono::hours(1),
                      out.operation_timeout);
}

void read_postgres(TableReader& table, const std::filesystem::path& base_dir,
                   AgentPostgresSection& out) {
  table.check_keys({"data_directory", "bin_directory", "port", "host", "user", "password",
                    "password_file", "database", "os_user", "log_file"});
  table.read_string("data_directory", out.data_directory, true);
  out.data_directory = detail::resolve_path(base_dir, out.data_directory);
  table.read_string("bin_directory", out.bin_directory);
  out.bin_directory = detail::resolve_path(base_dir, out.bin_directory);
  table.read_int("port", 1, 65535, out.port);
  table.read_string("host", out.host);
  table.read_string("user", out.user);
  table.read_string("password", out.password);
  table.read_string("password_file", out.password_file);
  out.password_file = detail::resolve_path(base_dir, out.password_file);
  if (const toml::node* node = table.find("password_file");
      node != nullptr && !out.password.empty()) {
    table.error(*node, "password_file", "give either password or password_file, not both");
  }
  table.read_string("database", out.database);
  table.read_string("os_user", out.os_user);
  table.read_string("log_file", out.log_file);
  out.log_file = detail::resolve_path(base_dir, out.log_file);
  if (out.log_file.empty() && !out.data_directory.empty()) {
    out.log_file = out.data_directory + "/pg_ctl.log";
  }
}

Expected<AgentConfig, ConfigError> build(const toml::table& root, const std::string& source) {
  AgentConfig config;
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(source, ec);
  if (ec) path = source;
  path = path.lexically_normal();
  config.source_path = path.string();
  ErrorSink errors(source);
  TableReader reader(&root, "", errors);
  reader.check_keys({"agent", "postgres", "log"});
  TableReader agent(section(root, "agent", errors), "agent", errors);
  read_agent(agent, path.parent_path(), config.agent);
  TableReader postgres(section(root, "postgres", errors), "postgres", errors);
  read_postgres(postgres, path.parent_path(), config.postgres);
  TableReader log(section(root, "log", errors), "log", errors);
  detail::read_log(log, path.parent_path(), config.log);
  if (auto error = errors.first()) return unexpected(std::move(*error));
  return config;
}

}  // namespace

Expected<AgentConfig, ConfigError> load_agent_config(const std::string& path) {
  auto text = detail::read_file_text(path, kMaxFileSize);
  if (!text) return unexpected(text.error());
  return parse_agent_config(*text, path);
}

Expected<AgentConfig, ConfigError> parse_agent_config(std::string_view toml_text,
                                                      const std::string& source_name) {
  return detail::parse_toml(toml_text, source_name,
                            [&](const toml::table& root) { return build(root, source_name); });
}

}  // namespace pgw::config
