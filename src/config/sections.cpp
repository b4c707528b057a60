#include "config/sections.hpp"

#include <algorithm>

#include "config/validate.hpp"

namespace pgw::config::detail {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kZero{0};
constexpr milliseconds kOneMs{1};

void read_addresses(TableReader& table, std::vector<std::string>& out) {
  const toml::node* node = table.find("addresses");
  if (node == nullptr) return;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    table.error(*node, "addresses", "expected an array of strings, got " + describe(*node));
    return;
  }
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    const std::string key = "addresses[" + std::to_string(i) + "]";
    const auto* text = item.as_string();
    if (text == nullptr || (text->get() != "*" && !is_ip_address(text->get()))) {
      table.error(item, key, "expected an IP address or \"*\", got " + describe(item));
    } else if (text->get() == "*" && array->size() > 1) {
      table.error(item, key, "\"*\" already means every address: it must be the only one");
    } else {
      addresses.push_back(text->get());
    }
  }
  out = std::move(addresses);
}

void read_socket_dir(TableReader& table, const std::filesystem::path& base_dir, std::string& out) {
  std::string dir = out;
  table.read_string("unix_socket_dir", dir);
  dir = resolve_path(base_dir, dir);
  const toml::node* node = table.find("unix_socket_dir");
  if (node != nullptr && dir.size() > kMaxSocketDirLength) {
    table.error(*node, "unix_socket_dir",
                "too long for a unix socket: at most " + std::to_string(kMaxSocketDirLength) +
                    " bytes, this one is " + std::to_string(dir.size()));
    return;
  }
  out = std::move(dir);
}

void read_socket_mode(TableReader& table, std::uint32_t& out) {
  const toml::node* node = table.find("unix_socket_mode");
  if (node == nullptr) return;
  std::optional<std::uint32_t> mode;
  if (node->is_string()) mode = parse_octal_mode(node->as_string()->get());
  if (!mode) {
    table.error(*node, "unix_socket_mode",
                "expected permissions as an octal string such as \"0777\", got " + describe(*node));
    return;
  }
  out = *mode;
}

// The value of `key` when it is one of `names`; nullopt when absent or after reporting.
std::optional<std::string> read_choice(TableReader& table, std::string_view key,
                                       std::initializer_list<std::string_view> names) {
  const toml::node* node = table.find(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* text = node->as_string()) {
    if (std::find(names.begin(), names.end(), text->get()) != names.end()) return text->get();
  }
  std::string expected;
  for (std::string_view name : names) {
    expected += (expected.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  }
  table.error(*node, key, "expected one of " + expected + ", got " + describe(*node));
  return std::nullopt;
}

void read_pool_mode(TableReader& table, PoolMode& out) {
  const toml::node* node = table.find("mode");
  if (node == nullptr) return;
  if (node->value_exact<std::string>() == "transaction") {
    table.error(*node, "mode", "transaction pooling is not supported yet; use \"session\"");
    return;
  }
  if (read_choice(table, "mode", {"session"})) out = PoolMode::kSession;
}

}  // namespace

std::string resolve_path(const std::filesystem::path& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base_dir / path).lexically_normal().string();
}

void read_root(TableReader& root, Config& out) {
  root.read_int("workers", 0, 256, out.workers);
}

void read_listen(TableReader& table, const std::filesystem::path& base_dir, ListenConfig& out) {
  table.check_keys({"addresses", "port", "unix_socket_dir", "unix_socket_mode"});
  read_addresses(table, out.addresses);
  table.read_int("port", 1, 65535, out.port);
  read_socket_dir(table, base_dir, out.unix_socket_dir);
  read_socket_mode(table, out.unix_socket_mode);
  const toml::node* addresses = table.find("addresses");
  if (addresses != nullptr && out.addresses.empty() && out.unix_socket_dir.empty()) {
    table.error(*addresses, "addresses", "nothing to listen on: no address and no unix_socket_dir");
  }
}

void read_auth(TableReader& table, const std::filesystem::path& base_dir, AuthConfig& out) {
  table.check_keys({"hba_file", "passwords_file", "ident_file"});
  table.read_string("hba_file", out.hba_file, true);
  table.read_string("passwords_file", out.passwords_file, true);
  table.read_string("ident_file", out.ident_file);
  out.hba_file = resolve_path(base_dir, out.hba_file);
  out.passwords_file = resolve_path(base_dir, out.passwords_file);
  out.ident_file = resolve_path(base_dir, out.ident_file);
}

void read_tls(TableReader& table, const std::filesystem::path& base_dir, TlsConfig& out) {
  table.check_keys({"cert_file", "key_file", "ca_file", "min_protocol", "ciphers"});
  table.read_string("cert_file", out.cert_file);
  table.read_string("key_file", out.key_file);
  table.read_string("ca_file", out.ca_file);
  if (auto version = read_choice(table, "min_protocol", {"TLSv1.2", "TLSv1.3"})) {
    out.min_protocol = std::move(*version);
  }
  table.read_string("ciphers", out.ciphers);
  out.cert_file = resolve_path(base_dir, out.cert_file);
  out.key_file = resolve_path(base_dir, out.key_file);
  out.ca_file = resolve_path(base_dir, out.ca_file);
  const toml::node* cert = table.find("cert_file");
  const toml::node* key = table.find("key_file");
  if (cert != nullptr && !out.cert_file.empty() && out.key_file.empty()) {
    table.error(*cert, "key_file", "a certificate needs its key: set tls.key_file too");
  }
  if (key != nullptr && !out.key_file.empty() && out.cert_file.empty()) {
    table.error(*key, "cert_file", "a key needs its certificate: set tls.cert_file too");
  }
}

void read_pool(TableReader& table, PoolConfig& out) {
  table.check_keys({"mode", "pool_size", "pool_wait_timeout", "reset_query",
                    "server_connect_timeout", "server_login_timeout", "server_idle_timeout",
                    "server_lifetime"});
  read_pool_mode(table, out.mode);
  table.read_int("pool_size", 1, 10'000, out.pool_size);
  table.read_duration("pool_wait_timeout", kOneMs, kMaxDuration, out.pool_wait_timeout);
  table.read_string("reset_query", out.reset_query);
  table.read_duration("server_connect_timeout", kOneMs, kMaxDuration, out.server_connect_timeout);
  table.read_duration("server_login_timeout", kOneMs, kMaxDuration, out.server_login_timeout);
  table.read_duration("server_idle_timeout", kZero, kMaxDuration, out.server_idle_timeout);
  table.read_duration("server_lifetime", kZero, kMaxDuration, out.server_lifetime);
}

void read_limits(TableReader& table, LimitsConfig& out) {
  table.check_keys({"max_client_connections", "authentication_timeout", "max_message_size",
                    "max_startup_packet_size", "shutdown_timeout", "client_idle_timeout",
                    "idle_in_transaction_timeout", "max_user_connections",
                    "max_database_connections", "max_cancel_rate"});
  table.read_int("max_client_connections", 1, 1'000'000, out.max_client_connections);
  table.read_duration("authentication_timeout", kOneMs, kMaxDuration, out.authentication_timeout);
  table.read_size("max_message_size", 1024, 1024ull * 1024 * 1024, out.max_message_size);
  std::uint64_t startup = out.max_startup_packet_size;
  table.read_size("max_startup_packet_size", 64, 65'536, startup);
  out.max_startup_packet_size = static_cast<std::uint32_t>(startup);
  table.read_duration("shutdown_timeout", kZero, kMaxDuration, out.shutdown_timeout);
  table.read_duration("client_idle_timeout", kZero, kMaxDuration, out.client_idle_timeout);
  table.read_duration("idle_in_transaction_timeout", kZero, kMaxDuration,
                      out.idle_in_transaction_timeout);
  table.read_int("max_user_connections", 0, 1'000'000, out.max_user_connections);
  table.read_int("max_database_connections", 0, 1'000'000, out.max_database_connections);
  table.read_int("max_cancel_rate", 1, 1'000'000, out.max_cancel_rate);
}

void read_log(TableReader& table, const std::filesystem::path& base_dir, LogConfig& out) {
  table.check_keys({"level", "file", "log_sessions"});
  if (auto level = read_choice(table, "level", {"debug", "info", "warning", "error"})) {
    out.level = std::move(*level);
  }
  table.read_string("file", out.file);
  out.file = resolve_path(base_dir, out.file);
  table.read_bool("log_sessions", out.log_sessions);
}

}  // namespace pgw::config::detail
