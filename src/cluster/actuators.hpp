#pragma once
/// The effects of failover, behind a small interface (DESIGN.md: decisions are pure, effects
/// are injected): the ClusterManager decides, actuators act. SqlActuators does everything over
/// SQL with a superuser connection; the node agent (a later capability) replaces what SQL
/// cannot do (stopping a server on its host, rewind, basebackup).

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.hpp"
#include "net/asio.hpp"

namespace pgw::cluster {

class Actuators {
 public:
  virtual ~Actuators() = default;
  /// Whether `node` answers a query within `timeout` (a last look before promoting another).
  virtual net::awaitable<bool> answers(std::size_t node, std::chrono::milliseconds timeout) = 0;
  /// Stops `node` from taking writes, as far as can be done from here.
  virtual net::awaitable<Result<void>> fence(std::size_t node) = 0;
  /// Promotes standby `node` and waits until it is out of recovery (or `timeout`).
  virtual net::awaitable<Result<void>> promote(std::size_t node,
                                               std::chrono::milliseconds timeout) = 0;
  /// Points standby `node` at `primary`: its primary_conninfo's host and port, and its
  /// replication slot created on `primary` when it uses one.
  virtual net::awaitable<Result<void>> follow(std::size_t node, std::size_t primary) = 0;
  /// `node`'s current WAL position (out of recovery) or replay position (standby).
  virtual net::awaitable<Result<std::uint64_t>> wal_position(std::size_t node) = 0;
  /// Sets synchronous_standby_names on `primary` ("" to turn synchronous replication off).
  virtual net::awaitable<Result<void>> set_synchronous_standbys(std::size_t primary,
                                                                std::string value) = 0;
  /// Runs the operator's hook command (never awaited by failover itself).
  virtual void run_hook(std::string command) = 0;
};

}  // namespace pgw::cluster
