#include "app/proxy_server.hpp"

#include <csignal>

#include <boost/asio/signal_set.hpp>

#include "admin/admin_api.hpp"
#include "admin/http_server.hpp"
#include "app/cluster_admin_actions.hpp"
#include "cluster/cluster_manager.hpp"
#include "cluster/event_log.hpp"
#include "cluster/health_checker.hpp"
#include "cluster/replication_monitor.hpp"
#include "cluster/sql_actuators.hpp"
#include "common/log.hpp"
#include "common/version.hpp"
#include "net/listener.hpp"
#include "net/worker_pool.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"

namespace pgw::app {
namespace {

using net::asio::awaitable;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("main");
  return l;
}

std::vector<net::ListenSpec> listen_specs(const config::Config& config) {
  std::vector<net::ListenSpec> specs;
  for (const auto& address : config.listen.addresses) {
    if (address == "*") {
      specs.push_back({net::ListenSpec::Kind::kTcp, "0.0.0.0", config.listen.port, "", 0});
      specs.push_back({net::ListenSpec::Kind::kTcp, "::", config.listen.port, "", 0});
    } else {
      specs.push_back({net::ListenSpec::Kind::kTcp, address, config.listen.port, "", 0});
    }
  }
  if (!config.listen.unix_socket_dir.empty()) {
    specs.push_back(
        {net::ListenSpec::Kind::kUnix, "", config.listen.port,
         config.listen.unix_socket_dir + "/.s.PGSQL." + std::to_string(config.listen.port),
         config.listen.unix_socket_mode});
  }
  return specs;
}

awaitable<void> run_session(std::shared_ptr<proxy::ClientSession> session) {
  co_await session->run();
}

void on_task_end(const char* what, const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    logger()->error("{} ended with an exception: {}", what, e.what());
  }
}

/// The failover superuser's password: [failover] password, else the passwords file's entry.
std::string superuser_password_for(const config::Config& config, const proxy::AuthData& auth) {
  if (!config.failover.password.empty()) return config.failover.password;
  const auto* secret = auth.passwords.find(config.failover.superuser);
  if (secret != nullptr && secret->kind == auth::SecretKind::kPlain) return secret->text;
  return {};
}

/// The monitor's password: [monitor] password, else the user's plain-text passwords-file entry.
std::string monitor_password_for(const config::Config& config, const proxy::AuthData& auth) {
  if (!config.monitor.password.empty()) return config.monitor.password;
  const auto* secret = auth.passwords.find(config.monitor.user);
  if (secret != nullptr && secret->kind == auth::SecretKind::kPlain) return secret->text;
  logger()->warn(
      "the replication monitor has no password for user \"{}\": set [monitor] "
      "password, or give that user a plain-text entry in {}",
      config.monitor.user, config.auth.passwords_file);
  return {};
}

}  // namespace

struct ProxyServer::Impl {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<proxy::ProxyContext> context;
  net::WorkerPool workers;
  std::vector<std::unique_ptr<net::Listener>> listeners;  // index i belongs to worker of i
  std::vector<std::size_t> listener_worker;
  std::unique_ptr<cluster::ReplicationMonitor> monitor;
  std::unique_ptr<cluster::EventLog> events;
  std::unique_ptr<cluster::SqlActuators> actuators;
  std::unique_ptr<cluster::ClusterManager> manager;
  std::unique_ptr<cluster::HealthChecker> health;
  // The server's handler refers to the API, which refers to the actions: declared in that
  // order so that they are destroyed after the server.
  std::unique_ptr<ClusterAdminActions> admin_actions;
  std::unique_ptr<admin::AdminApi> admin_api;
  std::unique_ptr<admin::HttpServer> admin_server;
  int exit_code = 0;

  // Installed before any listener opens: a SIGHUP or SIGTERM that arrives once clients can
  // connect must never find the default action (which would kill the process).
  std::unique_ptr<net::asio::signal_set> signals;

  explicit Impl(std::shared_ptr<const config::Config> c)
      : config(std::move(c)), workers(config->workers) {
    signals = std::make_unique<net::asio::signal_set>(workers.context(0), SIGTERM, SIGINT, SIGHUP);
  }

  void wire_cluster_management(const std::string& monitor_password,
                               const std::string& superuser_password);
  void start_listeners();
  awaitable<void> start_serving();
  Result<void> open_admin_api();
  void close_listeners();
  awaitable<void> handle_signals();
  awaitable<void> drain_and_stop(std::chrono::milliseconds timeout);
  awaitable<void> janitor();
  void reload();
  void reload_admin_token();
};

Result<std::unique_ptr<ProxyServer>> ProxyServer::create(
    std::shared_ptr<const config::Config> config) {
  auto auth_data = proxy::load_auth_data(*config);
  if (!auth_data) return unexpected(auth_data.error());
  auto client_tls = proxy::load_client_tls(*config);
  if (!client_tls) return unexpected(client_tls.error());
  auto impl = std::make_unique<Impl>(config);
  auto context = proxy::ProxyContext::create(config, *auth_data, *client_tls);
  if (!context) return unexpected(context.error());
  impl->context = std::move(*context);
  auto monitor_password = monitor_password_for(*config, **auth_data);
  impl->monitor = std::make_unique<cluster::ReplicationMonitor>(
      impl->workers.executor(0), *config, monitor_password, impl->context->cluster());
  impl->wire_cluster_management(monitor_password, superuser_password_for(*config, **auth_data));
  auto* ctx = impl->context.get();
  impl->monitor->pending_function_lookups = [ctx] { return ctx->functions().take_pending(); };
  impl->monitor->on_function_volatility = [ctx](const std::string& name, char volatility) {
    ctx->functions().learn(name, volatility);
  };
  impl->monitor->on_builtin_volatilities = [ctx](std::vector<std::pair<std::string, char>> all) {
    ctx->functions().learn_builtins(all);
  };
  if (auto admin = impl->open_admin_api(); !admin) return unexpected(admin.error());
  for (std::size_t w = 0; w < impl->workers.size(); ++w) {
    for (const auto& spec : listen_specs(*config)) {
      if (spec.kind == net::ListenSpec::Kind::kUnix && w > 0) continue;
      auto listener = net::Listener::open(impl->workers.executor(w), spec, true);
      if (!listener) return unexpected(listener.error());
      impl->listeners.push_back(std::move(*listener));
      impl->listener_worker.push_back(w);
    }
  }
  return std::unique_ptr<ProxyServer>(new ProxyServer(std::move(impl)));
}

ProxyServer::ProxyServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProxyServer::~ProxyServer() = default;

void ProxyServer::Impl::start_listeners() {
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    auto executor = workers.executor(listener_worker[i]);
    auto* ctx = context.get();
    net::asio::co_spawn(
        executor, listeners[i]->run([ctx, executor](net::Socket socket, net::PeerAddress peer) {
          net::tune_socket(socket);
          auto session = std::make_shared<proxy::ClientSession>(*ctx, std::move(socket), peer);
          net::asio::co_spawn(executor, run_session(std::move(session)),
                              [](const std::exception_ptr& e) { on_task_end("session", e); });
        }),
        [](const std::exception_ptr& e) { on_task_end("listener", e); });
  }
}

void ProxyServer::Impl::wire_cluster_management(const std::string& monitor_password,
                                                const std::string& superuser_password) {
  auto executor = workers.executor(0);
  std::vector<pool::BackendAddress> addresses;
  for (std::size_t i = 0; i < context->backend_count(); ++i) {
    addresses.push_back(context->backend(i));
  }
  monitor->use_addresses(addresses);
  events = std::make_unique<cluster::EventLog>();
  cluster::SqlActuatorSettings settings{
      config->failover.superuser, superuser_password, config->failover.database,
      config->health_check.connect_timeout, std::chrono::seconds(10)};
  actuators = std::make_unique<cluster::SqlActuators>(executor, addresses, std::move(settings));
  auto* monitor_ptr = monitor.get();
  manager = std::make_unique<cluster::ClusterManager>(executor, *config, context->cluster(),
                                                      *actuators, *events,
                                                      [monitor_ptr] { monitor_ptr->probe_now(); });
  manager->set_superuser_password_known(!superuser_password.empty());
  if (config->failover.enabled && superuser_password.empty()) {
    logger()->warn(
        "automatic failover has no password for superuser \"{}\": set [failover] "
        "password, or give that user a plain-text entry in {}; until then a failed "
        "primary is reported but not replaced",
        config->failover.superuser, config->auth.passwords_file);
  }
  auto* manager_ptr = manager.get();
  monitor->on_observations = [manager_ptr](const std::vector<cluster::NodeObservation>& seen,
                                           std::chrono::steady_clock::time_point at) {
    manager_ptr->on_observations(seen, at);
  };
  health = std::make_unique<cluster::HealthChecker>(
      executor, *config, addresses, monitor_password,
      [manager_ptr](std::size_t node, const cluster::NodeHealth& state) {
        manager_ptr->on_health(node, state);
      });
  auto* health_ptr = health.get();
  context->set_server_lost_handler([health_ptr](std::size_t node) { health_ptr->check_now(node); });
}

Result<void> ProxyServer::Impl::open_admin_api() {
  if (config->admin.listen.empty()) return {};
  auto token = load_admin_token(config->admin.token_file);
  if (!token) return unexpected(token.error());
  if (token->empty()) {
    logger()->info(
        "[admin] token_file is not set: the admin API refuses every state-changing request");
  }
  auto* ctx = context.get();
  admin::AdminViews views;
  views.cluster = [ctx] { return ctx->cluster().current(); };
  views.counters = &ctx->node_counters();
  views.events = events.get();
  views.delay_in_seconds = ctx->routing_policy().delay_threshold_time.count() > 0;
  views.version = kVersionText;
  admin::AdminAccess access;
  access.token = std::move(*token);
  access.allow_remote_reads = config->admin.allow_remote_reads;
  admin_actions = std::make_unique<ClusterAdminActions>(*manager);
  admin_api = std::make_unique<admin::AdminApi>(std::move(views), *admin_actions, access);
  auto server =
      admin::HttpServer::open(workers.executor(0), config->admin.listen, admin_api->handler());
  if (!server) return fail("admin API: " + server.error().message);
  admin_server = std::move(*server);
  return {};
}

awaitable<void> ProxyServer::Impl::start_serving() {
  // Clients wait in the listen backlog until the first probe of every backend has told which
  // one is the primary (bounded by the monitor's own timeouts).
  auto first = context->cluster().generation();
  monitor->start();
  health->start();
  auto executor = co_await net::asio::this_coro::executor;
  net::asio::steady_timer timer(executor);
  const auto& m = config->monitor;
  auto deadline = std::chrono::steady_clock::now() + 2 * m.connect_timeout + 2 * m.query_timeout +
                  std::chrono::milliseconds(500);
  while ((context->cluster().generation() == first || !monitor->builtins_loaded()) &&
         std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(5));
    net::error_code ec;
    co_await timer.async_wait(net::use_awaitable_ec(ec));
  }
  auto state = context->cluster().current();
  if (state->primary) {
    logger()->info("primary is {}", state->nodes[*state->primary].name);
  } else {
    logger()->warn("no primary found yet; clients get 57P03 until one is");
  }
  if (admin_server) {
    net::asio::co_spawn(executor, admin_server->run(),
                        [](const std::exception_ptr& e) { on_task_end("admin API", e); });
  }
  start_listeners();
}

void ProxyServer::Impl::close_listeners() {
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    net::asio::post(workers.executor(listener_worker[i]),
                    [listener = listeners[i].get()] { listener->close(); });
  }
}

void ProxyServer::Impl::reload_admin_token() {
  if (!admin_api) return;
  auto token = load_admin_token(config->admin.token_file);
  if (!token) {
    // Deleting or locking down the file is how an operator revokes the token: never keep the
    // previous one. State changes are refused until a valid token is reloaded.
    logger()->error(
        "reload of the admin token failed: {}; every state-changing request is refused until a "
        "valid token is reloaded",
        token.error().message);
    admin_api->set_token("");
    return;
  }
  if (!config->admin.token_file.empty()) {
    logger()->info("reloaded the admin token from {}", config->admin.token_file);
  }
  admin_api->set_token(std::move(*token));
}

void ProxyServer::Impl::reload() {
  // Runs on worker 0, like the admin API.
  reload_admin_token();
  auto auth_data = proxy::load_auth_data(*config);
  if (!auth_data) {
    logger()->error("reload failed, keeping the previous rules and passwords: {}",
                    auth_data.error().message);
    return;
  }
  auto client_tls = proxy::load_client_tls(*config);
  if (!client_tls) {
    logger()->error("reload failed, keeping the previous rules, passwords and certificate: {}",
                    client_tls.error().message);
    return;
  }
  context->set_auth_data(*auth_data);
  context->set_client_tls(*client_tls);
  context->functions().forget_learned();
  logger()->info("reloaded {} and {}{}", config->auth.hba_file, config->auth.passwords_file,
                 *client_tls ? " and the TLS certificate" : "");
}

awaitable<void> ProxyServer::Impl::drain_and_stop(std::chrono::milliseconds timeout) {
  auto executor = co_await net::asio::this_coro::executor;
  net::asio::steady_timer timer(executor);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (context->sessions().size() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    net::error_code ec;
    co_await timer.async_wait(net::use_awaitable_ec(ec));
  }
  if (auto left = context->sessions().size(); left > 0) {
    logger()->info("ending {} remaining session(s)", left);
    context->sessions().terminate_all();
    auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (context->sessions().size() > 0 && std::chrono::steady_clock::now() < grace) {
      timer.expires_after(std::chrono::milliseconds(20));
      net::error_code ec;
      co_await timer.async_wait(net::use_awaitable_ec(ec));
    }
  }
  co_await health->stop();
  co_await monitor->stop();
  if (admin_server) admin_server->close();
  context->pools().for_each([](pool::Pool& p) { p.close_idle(); });
  // Let the posted closes of idle server connections run before stopping.
  timer.expires_after(std::chrono::milliseconds(20));
  net::error_code ec;
  co_await timer.async_wait(net::use_awaitable_ec(ec));
  logger()->info("stopped");
  workers.stop();
}

awaitable<void> ProxyServer::Impl::handle_signals() {
  for (;;) {
    net::error_code ec;
    int signal = co_await signals->async_wait(net::use_awaitable_ec(ec));
    if (ec) co_return;
    if (signal == SIGHUP) {
      reload();
      continue;
    }
    context->shutting_down = true;
    close_listeners();
    if (signal == SIGTERM) {
      logger()->info("SIGTERM: no new clients; waiting up to {} ms for {} session(s) to end",
                     config->limits.shutdown_timeout.count(), context->sessions().size());
      co_await drain_and_stop(config->limits.shutdown_timeout);
    } else {
      logger()->info("SIGINT: ending {} session(s) now", context->sessions().size());
      co_await drain_and_stop(std::chrono::milliseconds(0));
    }
    co_return;
  }
}

awaitable<void> ProxyServer::Impl::janitor() {
  auto executor = co_await net::asio::this_coro::executor;
  net::asio::steady_timer timer(executor);
  while (!context->shutting_down) {
    timer.expires_after(std::chrono::seconds(1));
    net::error_code ec;
    co_await timer.async_wait(net::use_awaitable_ec(ec));
    auto now = std::chrono::steady_clock::now();
    context->pools().for_each([now](pool::Pool& p) { p.close_expired(now); });
  }
}

int ProxyServer::run() {
  auto& impl = *impl_;
  std::string where;
  for (const auto& l : impl.listeners) {
    if (impl.listener_worker[&l - &impl.listeners[0]] != 0) continue;
    where += (where.empty() ? "" : ", ") + l->spec().describe();
  }
  std::string backends;
  for (std::size_t i = 0; i < impl.context->backend_count(); ++i) {
    backends += (i == 0 ? "" : ", ") + impl.context->backend(i).describe();
  }
  logger()->info("pgwarden listening on {}; backends {}; {} worker(s){}", where, backends,
                 impl.workers.size(),
                 impl.admin_server ? "; admin API on " + impl.config->admin.listen : "");
  auto executor = impl.workers.executor(0);
  net::asio::co_spawn(executor, impl.start_serving(),
                      [](const std::exception_ptr& e) { on_task_end("start-up", e); });
  net::asio::co_spawn(executor, impl.handle_signals(),
                      [](const std::exception_ptr& e) { on_task_end("signal handler", e); });
  net::asio::co_spawn(executor, impl.janitor(),
                      [](const std::exception_ptr& e) { on_task_end("janitor", e); });
  impl.workers.run();
  return impl.exit_code;
}

}  // namespace pgw::app
