#include <iostream>

#include "app/commands.hpp"
#include "app/proxy_server.hpp"
#include "app/version.hpp"
#include "common/log.hpp"
#include "proxy/proxy_context.hpp"

namespace pgw::app {

int run_proxy(const std::string& config_path) {
  auto config = config::load_config(config_path);
  if (!config) {
    std::cerr << "pgwarden: " << config.error().to_string() << "\n";
    return 2;
  }
  std::string error;
  if (!log::init(config->log.level, config->log.file, &error)) {
    std::cerr << "pgwarden: log: " << error << "\n";
    return 2;
  }
  auto shared = std::make_shared<const config::Config>(std::move(*config));
  auto server = ProxyServer::create(shared);
  if (!server) {
    log::get("main")->error("cannot start: {}", server.error().message);
    std::cerr << "pgwarden: " << server.error().message << "\n";
    return 1;
  }
  log::get("main")->info("pgwarden {} starting with {}", kVersion, shared->source_path);
  return (*server)->run();
}

int check_config(const std::string& config_path) {
  auto config = config::load_config(config_path);
  if (!config) {
    std::cerr << config.error().to_string() << "\n";
    return 1;
  }
  auto auth_data = proxy::load_auth_data(*config);
  if (!auth_data) {
    std::cerr << auth_data.error().message << "\n";
    return 1;
  }
  auto client_tls = proxy::load_client_tls(*config);
  if (!client_tls) {
    std::cerr << client_tls.error().message << "\n";
    return 1;
  }
  std::cout << config->source_path << ": OK (" << config->backends.size() << " backend(s), "
            << (*auth_data)->hba.rules().size() << " hba rule(s), "
            << (*auth_data)->passwords.size() << " user(s))\n";
  return 0;
}

}  // namespace pgw::app
