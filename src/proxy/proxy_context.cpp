#include "proxy/proxy_context.hpp"

#include "net/asio.hpp"
#include "proxy/client_session.hpp"

namespace pgw::proxy {

Result<std::shared_ptr<const AuthData>> load_auth_data(const config::Config& config) {
  auto hba = auth::HbaRules::load(config.auth.hba_file);
  if (!hba) return fail(hba.error().to_string());
  auto passwords = auth::PasswordsFile::load(config.auth.passwords_file);
  if (!passwords) return fail(passwords.error().to_string());
  auto ident = auth::IdentMaps::load(config.auth.ident_file);
  if (!ident) return fail(ident.error().to_string());
  return std::shared_ptr<const AuthData>(std::make_shared<AuthData>(
      AuthData{std::move(*hba), std::move(*passwords), std::move(*ident)}));
}

Result<std::shared_ptr<net::TlsContext>> load_client_tls(const config::Config& config) {
  if (!config.tls.enabled()) return std::shared_ptr<net::TlsContext>();
  net::TlsServerSettings settings{config.tls.cert_file, config.tls.key_file, config.tls.ca_file,
                                  config.tls.min_protocol, config.tls.ciphers};
  return net::TlsContext::for_server(settings);
}

namespace {

/// How pgwarden reaches backend `b`, with its TLS context per its tls setting.
Result<pool::BackendAddress> backend_address(const config::BackendConfig& b) {
  pool::BackendAddress address{b.name, b.host, b.port, nullptr, false};
  if (b.tls == config::ServerTlsMode::kDisable) return address;
  net::TlsClientSettings settings;
  settings.ca_file = b.tls_ca_file;
  settings.verify = b.tls == config::ServerTlsMode::kVerifyFull ? net::TlsVerify::kFull
                    : b.tls == config::ServerTlsMode::kVerifyCa ? net::TlsVerify::kCa
                                                                : net::TlsVerify::kNone;
  auto context = net::TlsContext::for_client(settings);
  if (!context) return fail("backend " + b.name + ": " + context.error().message);
  address.tls = std::move(*context);
  address.tls_required = b.tls != config::ServerTlsMode::kPrefer;
  return address;
}

}  // namespace

Result<std::unique_ptr<ProxyContext>> ProxyContext::create(
    std::shared_ptr<const config::Config> config, std::shared_ptr<const AuthData> auth_data,
    std::shared_ptr<net::TlsContext> client_tls) {
  std::vector<pool::BackendAddress> backends;
  for (const auto& b : config->backends) {
    auto address = backend_address(b);
    if (!address) return unexpected(address.error());
    backends.push_back(std::move(*address));
  }
  auto context = std::make_unique<ProxyContext>(std::move(config), std::move(auth_data));
  context->backends_ = std::move(backends);
  context->client_tls_ = std::move(client_tls);
  return context;
}

void SessionRegistry::add(std::uint64_t id, const std::shared_ptr<ClientSession>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(id, session);
}

void SessionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionRegistry::terminate_all() {
  std::lock_guard lock(mutex_);
  for (auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) {
      net::asio::post(session->executor(), [session] { session->terminate(); });
    }
  }
}

void SessionRegistry::abandon_node(std::size_t node) {
  std::lock_guard lock(mutex_);
  for (auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) {
      net::asio::post(session->executor(), [session, node] { session->abandon_node(node); });
    }
  }
}

std::string ConnectionCounts::try_add(const std::string& user, const std::string& database,
                                      std::uint32_t max_per_user, std::uint32_t max_per_database) {
  std::lock_guard lock(mutex_);
  auto& by_user = per_user_[user];
  auto& by_database = per_database_[database];
  if (max_per_user > 0 && by_user >= max_per_user) {
    return "too many connections for role \"" + user + "\"";
  }
  if (max_per_database > 0 && by_database >= max_per_database) {
    return "too many connections for database \"" + database + "\"";
  }
  ++by_user;
  ++by_database;
  return "";
}

void ConnectionCounts::remove(const std::string& user, const std::string& database) {
  std::lock_guard lock(mutex_);
  if (auto it = per_user_.find(user); it != per_user_.end() && --it->second == 0) {
    per_user_.erase(it);
  }
  if (auto it = per_database_.find(database); it != per_database_.end() && --it->second == 0) {
    per_database_.erase(it);
  }
}

bool RateLimiter::allow() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(rate_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
  last_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

pool::PoolSettings pool_settings_from(const config::Config& config) {
  return pool::PoolSettings{config.pool.pool_size, config.pool.pool_wait_timeout,
                            config.pool.server_idle_timeout, config.pool.server_lifetime};
}

ProxyContext::ProxyContext(std::shared_ptr<const config::Config> config,
                           std::shared_ptr<const AuthData> auth_data)
    : config_(std::move(config)),
      auth_data_(std::move(auth_data)),
      cluster_(cluster::initial_state(*config_)),
      node_counters_(config_->backends.size()),
      routing_policy_(route::RoutingPolicy::from_config(*config_)),
      functions_(config_->routing.write_functions, config_->routing.read_only_functions),
      pools_(pool_settings_from(*config_)),
      cancels_(SecureRandom::instance()),
      cancel_limiter_(config_->limits.max_cancel_rate) {
  for (const auto& b : config_->backends)
    backends_.push_back({b.name, b.host, b.port});
  // A node taken out of service may hang rather than fail (a stopped primary that failover
  // detached): sessions waiting on it would wait until it wakes up, and then relay its answer
  // although another node is the primary by then.
  cluster_.set_listener(
      [this](const cluster::ClusterState& previous, const cluster::ClusterState& next) {
        for (const auto& node : next.nodes) {
          bool was_detached = node.id < previous.nodes.size() && previous.nodes[node.id].detached;
          if (node.detached && !was_detached) sessions_.abandon_node(node.id);
        }
      });
}

ProxyContext::~ProxyContext() = default;

sql::Classifier& ProxyContext::classifier() {
  // One classifier per thread: its cache needs no lock. Keyed by context so tests that build
  // several contexts in one thread stay apart.
  thread_local const ProxyContext* owner = nullptr;
  thread_local std::unique_ptr<sql::Classifier> classifier;
  if (owner != this || !classifier) {
    classifier =
        std::make_unique<sql::Classifier>(functions_, config_->routing.primary_routing_patterns);
    owner = this;
  }
  return *classifier;
}

std::shared_ptr<const AuthData> ProxyContext::auth_data() const {
  std::lock_guard lock(auth_mutex_);
  return auth_data_;
}

void ProxyContext::set_auth_data(std::shared_ptr<const AuthData> data) {
  std::lock_guard lock(auth_mutex_);
  auth_data_ = std::move(data);
}

std::shared_ptr<net::TlsContext> ProxyContext::client_tls() const {
  std::lock_guard lock(auth_mutex_);
  return client_tls_;
}

void ProxyContext::set_client_tls(std::shared_ptr<net::TlsContext> context) {
  std::lock_guard lock(auth_mutex_);
  client_tls_ = std::move(context);
}

}  // namespace pgw::proxy
