#pragma once
/// pgwarden's configuration: the typed, validated form of pgwarden.toml.
/// docs/configuration.md documents every key; load_config() is the only way to build one from a
/// file and it rejects anything it does not understand, naming the file, line, key and what was
/// expected.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pgw::config {

using std::chrono::milliseconds;

/// Where clients connect.
struct ListenConfig {
  /// IP addresses to listen on; "*" means every IPv4 and IPv6 address, "::" every IPv6 one.
  std::vector<std::string> addresses = {"127.0.0.1"};
  std::uint16_t port = 6432;
  /// Directory of the unix socket `.s.PGSQL.<port>`; empty disables the unix socket.
  std::string unix_socket_dir = "/tmp";
  /// Permissions of the socket file (octal in the file, e.g. "0777").
  std::uint32_t unix_socket_mode = 0777;
};

/// TLS between pgwarden and a server, with libpq's sslmode meanings.
enum class ServerTlsMode { kDisable, kPrefer, kRequire, kVerifyCa, kVerifyFull };

/// One PostgreSQL server. Its role (primary or standby) is discovered, never configured.
struct BackendConfig {
  std::string name;
  std::string host;
  std::uint16_t port = 5432;
  std::uint32_t weight = 1;
  /// Optional node agent address (host:port); used by later capabilities.
  std::string agent;
  bool no_load_balance = false;
  bool no_failover = false;
  /// The name this server's WAL receiver reports as application_name (primary_conninfo), to
  /// find it in the primary's pg_stat_replication. Empty: the backend's name.
  std::string application_name;
  /// TLS to this server (every connection pgwarden opens to it, the monitor's too).
  ServerTlsMode tls = ServerTlsMode::kPrefer;
  /// CA certificates for verify-ca / verify-full; empty: the system's.
  std::string tls_ca_file;
  /// Failover tie-breaker: among equally advanced standbys, the higher priority wins.
  std::int32_t priority = 0;
  /// The server's data directory, for the hook command's %D (optional).
  std::string data_directory;
};

/// Health checks: a query on every node every period, retried before a node counts as failed.
struct HealthCheckConfig {
  milliseconds period{1000};
  milliseconds connect_timeout{2000};
  milliseconds query_timeout{2000};
  /// Further attempts after a failed check before the node is failed.
  std::uint32_t retries = 2;
  milliseconds retry_delay{500};
};

/// Automatic failover and the operations that change roles.
struct FailoverConfig {
  bool enabled = true;
  /// A superuser (pg_promote, ALTER SYSTEM, replication slots); empty password: the user's
  /// plain-text entry in the passwords file.
  std::string superuser = "postgres";
  std::string password;
  std::string database = "postgres";
  /// A standby further behind the failed primary than this is never promoted (0: no limit).
  std::uint64_t maximum_lag = 16ull * 1024 * 1024;
  /// pgwarden manages synchronous_standby_names and promotes only synchronous standbys.
  bool synchronous_mode = false;
  milliseconds promote_timeout{60'000};
  /// Clients needing the primary wait this long for failover to finish before getting an error.
  milliseconds client_wait{30'000};
  /// A node whose health changed this many times within flap_window is flapping: no failover.
  std::uint32_t flap_threshold = 6;
  milliseconds flap_window{60'000};
  /// Run on failover events with pgpool-II's placeholders (%d %h %p %D %m %H %P %r %N %S %%).
  std::string hook_command;
};

/// TLS for clients. With no certificate, an SSLRequest is answered 'N'.
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  /// CA certificates that client certificates must chain to (cert method, clientcert=).
  std::string ca_file;
  std::string min_protocol = "TLSv1.2";
  /// OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default ("HIGH" quality ciphers).
  std::string ciphers;
  bool enabled() const { return !cert_file.empty(); }
};

/// The replication monitor: how pgwarden connects to every backend to learn roles and lag.
struct MonitorConfig {
  /// A role granted pg_monitor (or a superuser).
  std::string user = "pgwarden_monitor";
  /// Empty: the user's plain-text entry in the passwords file.
  std::string password;
  std::string database = "postgres";
  milliseconds period{1000};
  milliseconds connect_timeout{2000};
  milliseconds query_timeout{2000};
};

/// A load-balancing preference, like pgpool-II's *_redirect_preference_list entries:
/// statements of sessions whose database / application / user matches `pattern` go to
/// `target`.
struct RedirectRule {
  enum class Target { kPrimary, kStandby, kNode };
  std::string pattern;  ///< a regular expression matching the whole name
  Target target = Target::kPrimary;
  std::string node;  ///< for kNode: the backend name
  /// For kStandby/kNode: the share of reads sent there (the rest goes by weight), 0..1.
  double ratio = 1.0;
};

struct RoutingConfig {
  /// Send reads to standbys (false: everything goes to the primary).
  bool load_balance = true;
  /// Pick a node per statement instead of once per session.
  bool statement_level = false;
  /// A standby whose replay lag exceeds this gets no reads (0: no limit).
  std::uint64_t delay_threshold_bytes = 0;
  milliseconds delay_threshold_time{0};
  /// After a session commits a write, its reads go only to nodes that replayed it.
  bool read_your_writes = true;
  /// Regular expressions on function names (whole name, lower case).
  std::vector<std::string> write_functions;
  std::vector<std::string> read_only_functions;
  /// Statements matching any of these regular expressions always go to the primary.
  std::vector<std::string> primary_routing_patterns;
  std::vector<RedirectRule> database_redirect;
  std::vector<RedirectRule> application_redirect;
  std::vector<RedirectRule> user_redirect;
};

/// The HTTP admin API.
struct AdminConfig {
  /// "host:port"; empty disables the API.
  std::string listen = "127.0.0.1:6433";
  /// A file holding the token that state-changing requests must present (Authorization:
  /// Bearer); readable by its owner only. Empty: state-changing requests are refused.
  std::string token_file;
  /// Serve read-only requests to other addresses than loopback.
  bool allow_remote_reads = false;
};

struct AuthConfig {
  /// pg_hba.conf-style rules; relative paths are relative to the config file's directory.
  std::string hba_file;
  /// "user" "secret" lines; the secret is a SCRAM verifier, an md5 hash or plain text.
  std::string passwords_file;
  /// pg_ident.conf-style user name maps for the cert method's map= option; empty: none.
  std::string ident_file;
};

enum class PoolMode { kSession };

struct PoolConfig {
  PoolMode mode = PoolMode::kSession;
  /// Server connections per (database, user).
  std::uint32_t pool_size = 20;
  /// How long a client waits for a server connection when its pool is full (53300 after).
  milliseconds pool_wait_timeout{30'000};
  /// Run on a server connection before another client gets it.
  std::string reset_query = "DISCARD ALL";
  milliseconds server_connect_timeout{5'000};
  /// Startup + authentication with the server.
  milliseconds server_login_timeout{10'000};
  /// Idle server connections older than this are closed (0: never).
  milliseconds server_idle_timeout{600'000};
  /// Server connections are closed when released after this age (0: never).
  milliseconds server_lifetime{3'600'000};
};

struct LimitsConfig {
  /// Total client connections; more get 53300.
  std::uint32_t max_client_connections = 1000;
  /// From accept to the end of authentication.
  milliseconds authentication_timeout{60'000};
  /// Largest message accepted from a client (PostgreSQL's own limit is 1 GB).
  std::uint64_t max_message_size = 1024ull * 1024 * 1024;
  /// Largest startup packet (PostgreSQL refuses more than 10,000 bytes).
  std::uint32_t max_startup_packet_size = 10'000;
  /// SIGTERM waits this long for sessions to end before closing them.
  milliseconds shutdown_timeout{30'000};
  /// A session idle (not in a transaction) longer than this is closed with 57P05 (0: never).
  milliseconds client_idle_timeout{0};
  /// A session idle inside a transaction longer than this is closed with 25P03 (0: never).
  milliseconds idle_in_transaction_timeout{0};
  /// Client connections per user and per database (0: no limit); more get 53300.
  std::uint32_t max_user_connections = 0;
  std::uint32_t max_database_connections = 0;
  /// Cancel requests accepted per second in total; more are dropped (a flood harms nobody).
  std::uint32_t max_cancel_rate = 1000;
};

struct LogConfig {
  std::string level = "info";
  /// Empty: stderr.
  std::string file;
  /// One line per client session when it ends.
  bool log_sessions = true;
};

struct Config {
  /// The file this was read from (absolute), for messages and for relative paths.
  std::string source_path;
  /// I/O threads; 0 means one per core.
  std::uint32_t workers = 1;
  ListenConfig listen;
  std::vector<BackendConfig> backends;
  AuthConfig auth;
  PoolConfig pool;
  LimitsConfig limits;
  LogConfig log;
  TlsConfig tls;
  MonitorConfig monitor;
  HealthCheckConfig health_check;
  FailoverConfig failover;
  RoutingConfig routing;
  AdminConfig admin;
};

/// A configuration error, pointing at where it is.
struct ConfigError {
  std::string file;
  int line = 0;  ///< 1-based; 0 when the error is not tied to a line (missing key, I/O)
  int column = 0;
  std::string key;  ///< dotted path, e.g. "pool.pool_size" or "backends[1].port"
  std::string message;

  /// "FILE:LINE:COLUMN: KEY: MESSAGE", the parts that are known.
  std::string to_string() const;
};

/// Reads and validates `path`. Relative file paths inside are resolved against its directory.
Expected<Config, ConfigError> load_config(const std::string& path);

/// Parses TOML text; `source_name` names it in errors and anchors relative paths.
Expected<Config, ConfigError> parse_config(std::string_view toml_text,
                                           const std::string& source_name);

}  // namespace pgw::config
