#include "testbed/config_text.hpp"

#include <cstdint>
#include <vector>

#include "common/random.hpp"

namespace pgw::testbed {

std::string include_lines() {
  return "\n# pgwarden test bed\ninclude '" + std::string(kClusterConfFile) + "'\ninclude '" +
         std::string(kNodeConfFile) + "'\n";
}

std::string cluster_conf(const ClusterOptions& options) {
  std::string text =
      "# Written by the pgwarden test bed: shared by every node of the cluster.\n"
      "listen_addresses = '127.0.0.1'\n"
      "max_connections = 200\n"
      "shared_buffers = '32MB'\n"
      "password_encryption = 'scram-sha-256'\n"
      "wal_level = replica\n"
      "wal_log_hints = on\n"
      "hot_standby = on\n"
      "max_wal_senders = 10\n"
      "max_replication_slots = 10\n"
      // A standby retries a lost primary quickly, which keeps failover tests short.
      "wal_retrieve_retry_interval = '500ms'\n"
      // Test speed only: an OS crash may corrupt these throw-away clusters. Never in production.
      "fsync = off\n"
      "logging_collector = off\n"
      "log_line_prefix = '%m [%p] %q%u@%d '\n";
  if (options.synchronous) {
    text += "synchronous_commit = on\nsynchronous_standby_names = 'ANY 1 (*)'\n";
  } else {
    text += "synchronous_commit = local\n";
  }
  for (const auto& line : options.extra_settings)
    text += line + "\n";
  return text;
}

std::string node_conf(std::string_view name, int port, std::string_view socket_dir) {
  return "# Written by the pgwarden test bed: this node only.\nport = " + std::to_string(port) +
         "\nunix_socket_directories = " + sql_literal(socket_dir) +
         "\ncluster_name = " + sql_literal(name) + "\n";
}

std::string hba_conf() {
  const std::string su(kSuperuser);
  const std::string repl(kReplUser);
  return "# Written by the pgwarden test bed.\n"
         "# TYPE  DATABASE     USER  ADDRESS       METHOD\n"
         "local   all          " +
         su +
         "            trust\n"
         "local   replication  " +
         su +
         "            trust\n"
         "local   all          all                 scram-sha-256\n"
         "host    all          all   127.0.0.1/32  scram-sha-256\n"
         "host    all          all   ::1/128       scram-sha-256\n"
         "host    replication  " +
         repl +
         "  127.0.0.1/32  scram-sha-256\n"
         "host    replication  " +
         repl + "  ::1/128       scram-sha-256\n";
}

std::string slot_name(std::size_t index) {
  return "standby_" + std::to_string(index);
}

namespace {

std::string quote_doubling(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string sql_literal(std::string_view text) {
  return quote_doubling(text, '\'');
}

std::string sql_identifier(std::string_view name) {
  return quote_doubling(name, '"');
}

std::string conninfo_value(std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string_view::npos;
  if (plain) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string random_password(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < length) {
    // 62 * 4 = 248: rejecting bytes >= 248 keeps every character equally likely.
    std::uint8_t byte = 0;
    SecureRandom::instance().fill({&byte, 1});
    if (byte < 4 * kAlphabet.size()) out += kAlphabet[byte % kAlphabet.size()];
  }
  return out;
}

}  // namespace pgw::testbed
