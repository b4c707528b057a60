#include <algorithm>
#include <cctype>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace pgw::config::detail {
namespace {

std::string backend_path(std::size_t index) {
  return "backends[" + std::to_string(index) + "]";
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

void check_name(TableReader& table, const std::string& name) {
  const toml::node* node = table.find("name");
  if (node == nullptr || name.empty() || is_backend_name(name)) return;
  table.error(*node, "name",
              "expected 1 to 63 letters, digits, '_', '.' or '-', got " + describe(*node));
}

void check_host(TableReader& table, const std::string& host) {
  const toml::node* node = table.find("host");
  if (node == nullptr || host.empty()) return;
  if (host.front() == '/') {
    if (host.size() <= kMaxSocketDirLength) return;
    table.error(*node, "host",
                "too long for a unix socket directory: at most " +
                    std::to_string(kMaxSocketDirLength) + " bytes");
    return;
  }
  if (is_ip_address(host) || is_host_name(host)) return;
  table.error(*node, "host",
              "expected a host name, an IP address or a unix socket directory starting with "
              "'/', got " +
                  describe(*node));
}

void check_agent(TableReader& table, const std::string& agent) {
  const toml::node* node = table.find("agent");
  if (node == nullptr || agent.empty() || is_host_and_port(agent)) return;
  table.error(*node, "agent",
              "expected \"host:port\" (\"[address]:port\" for IPv6) with a port from 1 to 65535, "
              "got " +
                  describe(*node));
}

void read_server_tls(TableReader& table, BackendConfig& backend) {
  table.read_string("tls_ca_file", backend.tls_ca_file);
  const toml::node* node = table.find("tls");
  if (node == nullptr) return;
  static const std::pair<std::string_view, ServerTlsMode> kModes[] = {
      {"disable", ServerTlsMode::kDisable},
      {"prefer", ServerTlsMode::kPrefer},
      {"require", ServerTlsMode::kRequire},
      {"verify-ca", ServerTlsMode::kVerifyCa},
      {"verify-full", ServerTlsMode::kVerifyFull}};
  if (const auto* text = node->as_string()) {
    for (const auto& [name, mode] : kModes) {
      if (text->get() == name) {
        backend.tls = mode;
        return;
      }
    }
  }
  table.error(*node, "tls",
              "expected one of \"disable\", \"prefer\", \"require\", \"verify-ca\", "
              "\"verify-full\", got " +
                  describe(*node));
}

// A backend as read, with where its table, name and host are (for duplicate reports).
struct ReadBackend {
  BackendConfig config;
  toml::source_region table_at;
  toml::source_region name_at;
  toml::source_region host_at;
};

ReadBackend read_backend(const toml::table& item, TableReader& table) {
  table.check_keys({"name", "host", "port", "weight", "agent", "no_load_balance", "no_failover",
                    "application_name", "tls", "tls_ca_file", "priority", "data_directory"});
  ReadBackend read{.table_at = item.source()};
  BackendConfig& backend = read.config;
  table.read_string("name", backend.name, true);
  check_name(table, backend.name);
  table.read_string("host", backend.host, true);
  check_host(table, backend.host);
  table.read_int("port", 1, 65535, backend.port);
  table.read_int("weight", 0, 1'000'000, backend.weight);
  table.read_string("agent", backend.agent);
  check_agent(table, backend.agent);
  table.read_bool("no_load_balance", backend.no_load_balance);
  table.read_bool("no_failover", backend.no_failover);
  table.read_string("application_name", backend.application_name);
  if (backend.application_name.empty()) backend.application_name = backend.name;
  read_server_tls(table, backend);
  table.read_int("priority", -1'000'000, 1'000'000, backend.priority);
  table.read_string("data_directory", backend.data_directory);
  if (const toml::node* name = table.find("name")) read.name_at = name->source();
  if (const toml::node* host = table.find("host")) read.host_at = host->source();
  return read;
}

// Two backends may share neither a name nor a server (same host and port).
void check_duplicates(const std::vector<ReadBackend>& backends, ErrorSink& errors) {
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const BackendConfig& b = backends[i].config;
    for (std::size_t j = 0; j < i; ++j) {
      const BackendConfig& a = backends[j].config;
      if (!b.name.empty() && a.name == b.name) {
        errors.add(backends[i].name_at, backend_path(i) + ".name",
                   "duplicate name \"" + b.name + "\", already used by " + backend_path(j) +
                       " at line " + std::to_string(backends[j].table_at.begin.line));
      }
      if (!b.host.empty() && lowercase(a.host) == lowercase(b.host) && a.port == b.port) {
        errors.add(backends[i].host_at, backend_path(i) + ".host",
                   "same host and port as " + backend_path(j) + " (\"" + a.name + "\"): host \"" +
                       b.host + "\", port " + std::to_string(b.port));
      }
    }
  }
}

}  // namespace

void read_backends(const toml::node* node, ErrorSink& errors, std::vector<BackendConfig>& out) {
  constexpr std::string_view kNone = "at least one [[backends]] table is required";
  if (node == nullptr) {
    errors.add_unpositioned("backends", std::string(kNone));
    return;
  }
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    errors.add(node->source(), "backends",
               "expected an array of tables ([[backends]]), got " + describe(*node));
    return;
  }
  if (array->empty()) errors.add(node->source(), "backends", std::string(kNone));
  std::vector<ReadBackend> backends;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    const toml::table* table = item.as_table();
    if (table == nullptr) {
      errors.add(item.source(), backend_path(i), "expected a table, got " + describe(item));
      return;
    }
    TableReader reader(table, backend_path(i), errors);
    backends.push_back(read_backend(*table, reader));
  }
  check_duplicates(backends, errors);
  for (ReadBackend& read : backends)
    out.push_back(std::move(read.config));
}

}  // namespace pgw::config::detail
