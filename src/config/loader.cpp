#include <filesystem>

#include "config/config.hpp"
#include "config/sections.hpp"
#include "config/table_reader.hpp"

namespace pgw::config {
namespace {

using detail::ErrorSink;
using detail::section;
using detail::TableReader;

// Far above any real configuration; stops a mistaken path (a log, a device) from being read whole.
constexpr std::size_t kMaxFileSize = 16 * 1024 * 1024;

std::filesystem::path absolute_path(const std::string& name) {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(name, ec);
  return ec ? std::filesystem::path(name) : path.lexically_normal();
}

Expected<Config, ConfigError> build_config(const toml::table& root, const std::string& source) {
  Config config;
  const std::filesystem::path path = absolute_path(source);
  const std::filesystem::path base_dir = path.parent_path();
  config.source_path = path.string();
  ErrorSink errors(source);
  TableReader reader(&root, "", errors);
  reader.check_keys({"workers", "listen", "auth", "pool", "limits", "log", "tls", "monitor",
                     "health_check", "failover", "routing", "admin", "backends"});
  detail::read_root(reader, config);
  TableReader listen(section(root, "listen", errors), "listen", errors);
  detail::read_listen(listen, base_dir, config.listen);
  TableReader auth(section(root, "auth", errors), "auth", errors);
  detail::read_auth(auth, base_dir, config.auth);
  TableReader pool(section(root, "pool", errors), "pool", errors);
  detail::read_pool(pool, config.pool);
  TableReader limits(section(root, "limits", errors), "limits", errors);
  detail::read_limits(limits, config.limits);
  TableReader log(section(root, "log", errors), "log", errors);
  detail::read_log(log, base_dir, config.log);
  TableReader tls(section(root, "tls", errors), "tls", errors);
  detail::read_tls(tls, base_dir, config.tls);
  TableReader monitor(section(root, "monitor", errors), "monitor", errors);
  detail::read_monitor(monitor, config.monitor);
  TableReader health(section(root, "health_check", errors), "health_check", errors);
  detail::read_health_check(health, config.health_check);
  TableReader failover(section(root, "failover", errors), "failover", errors);
  detail::read_failover(failover, config.failover);
  TableReader routing(section(root, "routing", errors), "routing", errors);
  detail::read_routing(routing, config.routing);
  TableReader admin(section(root, "admin", errors), "admin", errors);
  detail::read_admin(admin, base_dir, config.admin);
  detail::read_backends(root.get("backends"), errors, config.backends);
  detail::check_redirect_nodes(config, errors);
  for (auto& backend : config.backends) {
    backend.tls_ca_file = detail::resolve_path(base_dir, backend.tls_ca_file);
  }
  if (auto error = errors.first()) return unexpected(std::move(*error));
  return config;
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

Expected<Config, ConfigError> load_config(const std::string& path) {
  auto text = detail::read_file_text(path, kMaxFileSize);
  if (!text) return unexpected(text.error());
  return parse_config(*text, path);
}

Expected<Config, ConfigError> parse_config(std::string_view toml_text,
                                           const std::string& source_name) {
  return detail::parse_toml(toml_text, source_name, [&](const toml::table& root) {
    return build_config(root, source_name);
  });
}

}  // namespace pgw::config
