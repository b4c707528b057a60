#pragma once
/// What every client session shares: configuration, the authentication rules and secrets
/// (swapped whole on reload), pools, cancel keys, live sessions and counters. Thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "auth/hba.hpp"
#include "auth/ident_map.hpp"
#include "auth/passwords.hpp"
#include "cluster/cluster_state_store.hpp"
#include "cluster/node_counters.hpp"
#include "config/config.hpp"
#include "pool/pool_manager.hpp"
#include "proxy/cancel_registry.hpp"
#include "route/router.hpp"
#include "sql/classifier.hpp"
#include "sql/function_catalog.hpp"

namespace pgw::proxy {

/// One immutable snapshot of pg_hba rules and the passwords file.
struct AuthData {
  auth::HbaRules hba;
  auth::PasswordsFile passwords;
  auth::IdentMaps ident;
};

/// Loads the hba, passwords and ident files named by the config; errors name the file and line.
Result<std::shared_ptr<const AuthData>> load_auth_data(const config::Config& config);

/// The TLS context for clients from [tls]; null when no certificate is configured.
Result<std::shared_ptr<net::TlsContext>> load_client_tls(const config::Config& config);

class ClientSession;

/// Live sessions, so shutdown can wait for them or end them.
class SessionRegistry {
 public:
  void add(std::uint64_t id, const std::shared_ptr<ClientSession>& session);
  void remove(std::uint64_t id);
  std::size_t size() const;
  /// Asks every live session to end now (each on its own executor).
  void terminate_all();
  /// Tells every live session that `node` was taken out of service (each on its own executor;
  /// see ClientSession::abandon_node).
  void abandon_node(std::size_t node);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<ClientSession>> sessions_;
};

struct ProxyCounters {
  std::atomic<std::uint32_t> clients{0};  ///< connected now
  std::atomic<std::uint64_t> sessions_total{0};
  std::atomic<std::uint64_t> auth_failures{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> cancel_requests{0};
  std::atomic<std::uint64_t> bytes_from_clients{0};
  std::atomic<std::uint64_t> bytes_to_clients{0};
};

/// Client connections per user and per database, for max_user_connections and
/// max_database_connections. Thread-safe.
class ConnectionCounts {
 public:
  /// Counts one more connection of `user` to `database` unless that exceeds a limit (0: none);
  /// returns "" when counted, else the PostgreSQL-worded reason.
  std::string try_add(const std::string& user, const std::string& database,
                      std::uint32_t max_per_user, std::uint32_t max_per_database);
  void remove(const std::string& user, const std::string& database);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> per_user_;
  std::unordered_map<std::string, std::uint32_t> per_database_;
};

/// A token bucket: at most `rate` events per second, bursts up to `rate`. Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(std::uint32_t rate) : rate_(rate), tokens_(rate) {}
  bool allow();

 private:
  std::mutex mutex_;
  double rate_;
  double tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

class ProxyContext {
 public:
  /// Builds the per-backend TLS contexts; fails on an unreadable CA file.
  static Result<std::unique_ptr<ProxyContext>> create(std::shared_ptr<const config::Config> config,
                                                      std::shared_ptr<const AuthData> auth_data,
                                                      std::shared_ptr<net::TlsContext> client_tls);
  ProxyContext(std::shared_ptr<const config::Config> config,
               std::shared_ptr<const AuthData> auth_data);
  ~ProxyContext();

  const config::Config& config() const { return *config_; }
  std::shared_ptr<const AuthData> auth_data() const;
  void set_auth_data(std::shared_ptr<const AuthData> data);
  /// TLS for clients (null: SSLRequest is answered 'N'); replaced whole on reload, sessions
  /// keep the context they started with.
  std::shared_ptr<net::TlsContext> client_tls() const;
  void set_client_tls(std::shared_ptr<net::TlsContext> context);

  /// Node `id`'s address (the config's [[backends]] in order).
  const pool::BackendAddress& backend(std::size_t id) const { return backends_.at(id); }
  std::size_t backend_count() const { return backends_.size(); }

  cluster::ClusterStateStore& cluster() { return cluster_; }
  cluster::NodeCounters& node_counters() { return node_counters_; }
  const route::RoutingPolicy& routing_policy() const { return routing_policy_; }
  sql::FunctionCatalog& functions() { return functions_; }
  /// The statement classifier of the calling thread (each worker has its own cache).
  sql::Classifier& classifier();

  pool::PoolManager& pools() { return pools_; }
  CancelRegistry& cancels() { return cancels_; }
  SessionRegistry& sessions() { return sessions_; }
  ProxyCounters& counters() { return counters_; }
  ConnectionCounts& connection_counts() { return connection_counts_; }
  RateLimiter& cancel_limiter() { return cancel_limiter_; }
  std::uint64_t next_session_id() { return ++last_session_id_; }

  /// Sessions call this when a server connection broke under them: the node gets a health
  /// check at once instead of at the next period. Thread-safe once set (before serving).
  void report_server_lost(std::size_t node) const {
    if (server_lost_) server_lost_(node);
  }
  void set_server_lost_handler(std::function<void(std::size_t)> handler) {
    server_lost_ = std::move(handler);
  }

  /// Set when SIGTERM starts a graceful shutdown: new clients are refused with 57P01.
  std::atomic<bool> shutting_down{false};

 private:
  std::shared_ptr<const config::Config> config_;
  mutable std::mutex auth_mutex_;
  std::shared_ptr<const AuthData> auth_data_;
  std::shared_ptr<net::TlsContext> client_tls_;
  std::vector<pool::BackendAddress> backends_;
  cluster::ClusterStateStore cluster_;
  cluster::NodeCounters node_counters_;
  route::RoutingPolicy routing_policy_;
  sql::FunctionCatalog functions_;
  pool::PoolManager pools_;
  CancelRegistry cancels_;
  SessionRegistry sessions_;
  ProxyCounters counters_;
  ConnectionCounts connection_counts_;
  RateLimiter cancel_limiter_;
  std::atomic<std::uint64_t> last_session_id_{0};
  std::function<void(std::size_t)> server_lost_;
};

pool::PoolSettings pool_settings_from(const config::Config& config);

}  // namespace pgw::proxy
