#pragma once
/// Actuators that act over SQL with a superuser connection (a new one per action: failover is
/// rare, and a connection kept open could be stale just when it is needed).

#include <vector>

#include "cluster/actuators.hpp"
#include "pgclient/connection.hpp"

namespace pgw::cluster {

struct SqlActuatorSettings {
  std::string user;
  std::string password;
  std::string database = "postgres";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds query_timeout{5000};
};

class SqlActuators final : public Actuators {
 public:
  SqlActuators(net::Executor executor, std::vector<pool::BackendAddress> addresses,
               SqlActuatorSettings settings);

  net::awaitable<bool> answers(std::size_t node, std::chrono::milliseconds timeout) override;
  /// Without access to the host, the fence is: default_transaction_read_only on, and every
  /// client session ended. A server that does not answer is already fenced by pgwarden (it
  /// gets no traffic).
  net::awaitable<Result<void>> fence(std::size_t node) override;
  net::awaitable<Result<void>> promote(std::size_t node,
                                       std::chrono::milliseconds timeout) override;
  net::awaitable<Result<void>> follow(std::size_t node, std::size_t primary) override;
  net::awaitable<Result<std::uint64_t>> wal_position(std::size_t node) override;
  net::awaitable<Result<void>> set_synchronous_standbys(std::size_t primary,
                                                        std::string value) override;
  void run_hook(std::string command) override;

 private:
  using Connection = std::unique_ptr<pgclient::Connection>;
  net::awaitable<Result<Connection>> connect(std::size_t node, std::chrono::milliseconds timeout);
  /// Runs `sql` on `node` (a new connection) and returns the first value of the last result.
  net::awaitable<Result<std::string>> run(std::size_t node, std::string sql);
  /// Runs each statement as its own query on one connection; the last one's first value.
  net::awaitable<Result<std::string>> run_each(std::size_t node,
                                               std::vector<std::string> statements);

  net::Executor executor_;
  std::vector<pool::BackendAddress> addresses_;
  SqlActuatorSettings settings_;
};

}  // namespace pgw::cluster
