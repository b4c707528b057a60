#pragma once
/// What the two directions of one session's relay share (relay.cpp, relay_switch.cpp). Both
/// pumps run on the session's executor, so nothing here is locked.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/event.hpp"
#include "protocol/stream_scanner.hpp"

namespace pgw::proxy {

/// A client message of the open unit, still in the client buffer, not yet forwarded.
struct HeldMessage {
  std::size_t offset = 0;  ///< of its type byte in the client buffer
  char type = 0;
  std::uint32_t body_length = 0;
};

struct RelayState {
  RelayState(const net::Executor& executor, std::size_t max_message)
      : pump_done(executor), idle(executor), max_message_size(max_message) {}

  // The active server's pump (server to client).
  protocol::StreamScanner server_scanner{std::size_t{1} << 30};
  net::Event pump_done;  ///< set when the pump stopped
  bool pump_running = false;
  bool stop_pump = false;    ///< asked to stop at the next message boundary
  bool server_gone = false;  ///< the active server closed or broke the protocol
  /// The active server connection closed while idle between requests (a restart, a failover's
  /// fence): the session goes on, and the next request reconnects wherever routing says.
  bool active_lost = false;
  const char* server_protocol_error = nullptr;
  net::Event idle;  ///< set whenever nothing is outstanding
  /// Query, Sync and FunctionCall messages sent to the active server, minus ReadyForQuery
  /// messages received from it.
  int outstanding = 0;

  // The client's side.
  std::size_t max_message_size;
  std::size_t cursor = 0;  ///< end of the held unit in the client buffer
  std::vector<HeldMessage> held;
  std::uint64_t stream_remaining = 0;  ///< rest of a large message streaming to the server
  bool discard_until_sync = false;     ///< pgwarden answered an extended unit with an error
  bool client_terminated = false;
  bool client_gone = false;
  const char* client_protocol_error = nullptr;
  /// The random draw for the message being routed: the same when the relay asks again about
  /// it (after waiting or switching), so a re-decision cannot wander between nodes.
  std::optional<std::uint64_t> draw;
  // Idle timeouts (only tracked when one is configured).
  bool track_activity = false;
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  enum class IdleExpiry { kNone, kIdle, kIdleInTransaction };
  IdleExpiry idle_expired = IdleExpiry::kNone;
  bool relay_done = false;
  std::string switch_error;  ///< why the last switch to another node failed
  std::string switch_sqlstate;
};

}  // namespace pgw::proxy
