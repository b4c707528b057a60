#pragma once
/// `pgwarden run`: the proxy daemon. Wires listeners, workers, pools and sessions together and
/// handles signals: SIGTERM drains sessions (up to shutdown_timeout) then stops, SIGINT stops
/// at once, SIGHUP reloads pg_hba rules and the passwords file.

#include <memory>

#include "common/result.hpp"
#include "config/config.hpp"

namespace pgw::app {

class ProxyServer {
 public:
  /// Loads the auth files and opens every listener; errors say which file or address failed.
  static Result<std::unique_ptr<ProxyServer>> create(std::shared_ptr<const config::Config> config);
  ~ProxyServer();

  /// Serves until a signal ends it; returns the process exit code.
  int run();

 private:
  struct Impl;
  explicit ProxyServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgw::app
