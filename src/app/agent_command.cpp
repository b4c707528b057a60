// `pgwarden agent -c agent.toml`: the node agent beside one PostgreSQL server (docs/agent.md).

#include <csignal>
#include <iostream>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <unistd.h>

#include "admin/admin_access.hpp"
#include "admin/http_server.hpp"
#include "agent/agent_api.hpp"
#include "app/commands.hpp"
#include "app/version.hpp"
#include "auth/file_error.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "config/agent_config.hpp"

namespace pgw::app {
namespace {

// pg_ctl runs block a thread each; one operation runs at a time, beside status and probe runs.
constexpr int kBlockingThreads = 2;

Result<std::string> load_token(const std::string& path) {
  auto content = auth::read_config_file(path, true);
  if (!content) return fail("[agent] token_file: " + content.error().to_string());
  auto token = admin::parse_token(*content);
  if (!token) return fail("[agent] token_file: " + path + ": " + token.error().message);
  return token;
}

Result<std::string> load_password(const config::AgentPostgresSection& postgres) {
  if (postgres.password_file.empty()) return postgres.password;
  auto content = auth::read_config_file(postgres.password_file, true);
  if (!content) return fail("[postgres] password_file: " + content.error().to_string());
  std::string password = content->substr(0, content->find('\n'));
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    return fail("[postgres] password_file: " + postgres.password_file + ": empty first line");
  }
  return password;
}

Result<agent::AgentSettings> agent_settings(const config::AgentConfig& config) {
  agent::AgentSettings settings;
  auto token = load_token(config.agent.token_file);
  if (!token) return unexpected(token.error());
  settings.token = std::move(*token);
  auto password = load_password(config.postgres);
  if (!password) return unexpected(password.error());
  const auto& pg = config.postgres;
  if (pg.os_user.empty() && ::geteuid() == 0) {
    return fail("[postgres] os_user: required when the agent runs as root (pg_ctl refuses root)");
  }
  if (!pg.os_user.empty()) {
    auto user = lookup_user(pg.os_user);
    if (!user) return fail("[postgres] os_user: " + user.error().message);
    if (::geteuid() != 0 && user->uid != ::geteuid()) {
      return fail("[postgres] os_user: running programs as \"" + pg.os_user + "\" needs root");
    }
  }
  settings.paths = {pg.bin_directory, pg.data_directory, pg.log_file, pg.os_user};
  settings.login = {pg.host, pg.port, pg.user, std::move(*password), pg.database};
  settings.operation_timeout = config.agent.operation_timeout;
  return settings;
}

void on_server_end(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::get("agent")->error("the HTTP server ended with an exception: {}", e.what());
  }
}

}  // namespace

int run_agent(const std::string& config_path) {
  auto config = config::load_agent_config(config_path);
  if (!config) {
    std::cerr << "pgwarden agent: " << config.error().to_string() << "\n";
    return 2;
  }
  std::string error;
  if (!log::init(config->log.level, config->log.file, &error)) {
    std::cerr << "pgwarden agent: log: " << error << "\n";
    return 2;
  }
  auto settings = agent_settings(*config);
  if (!settings) {
    std::cerr << "pgwarden agent: " << settings.error().message << "\n";
    return 2;
  }
  net::asio::io_context context(1);
  // Before the listener opens, so that a SIGTERM never finds the default action.
  net::asio::signal_set signals(context, SIGTERM, SIGINT);
  net::asio::thread_pool blocking(kBlockingThreads);
  agent::AgentApi api(std::move(*settings), blocking.get_executor());
  auto server =
      admin::HttpServer::open(context.get_executor(), config->agent.listen, api.handler());
  if (!server) {
    log::get("agent")->error("cannot listen on {}: {}", config->agent.listen,
                             server.error().message);
    std::cerr << "pgwarden agent: [agent] listen: " << server.error().message << "\n";
    return 1;
  }
  admin::HttpServer* http = server->get();
  signals.async_wait([http](const net::error_code& ec, int signal) {
    if (ec) return;
    log::get("agent")->info("signal {}: stopping", signal);
    http->close();
  });
  net::asio::co_spawn(context, http->run(), on_server_end);
  log::get("agent")->info("pgwarden {} agent for {} listening on {}", kVersion,
                          config->postgres.data_directory, config->agent.listen);
  context.run();
  blocking.join();
  log::get("agent")->info("stopped");
  return 0;
}

}  // namespace pgw::app
