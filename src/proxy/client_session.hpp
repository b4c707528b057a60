#pragma once
/// One client connection from accept to close, in phases, each in its own file:
///   startup_phase.cpp   SSLRequest/GSSENCRequest/CancelRequest/StartupMessage
///   client_auth.cpp     pg_hba rule, then trust/password/md5/SCRAM with the client
///   server_attach.cpp   a server connection from the pool (or a new one), settings, greeting
///   relay.cpp           pass-through relay in both directions
///   server_release.cpp  reset and return the server connection, or close it
///   relay_switch.cpp    moving the session to another node (routing over several backends)
///   local_answers.cpp   SHOW POOL_NODES / SHOW POOL_VERSION answered by pgwarden itself
/// The session owns its client socket and its server connections (one per node it uses).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/hba.hpp"
#include "auth/passwords.hpp"
#include "auth/scram.hpp"
#include "cluster/cluster_state.hpp"
#include "common/io_buffer.hpp"
#include "net/listener.hpp"
#include "net/stream.hpp"
#include "pool/pool.hpp"
#include "pool/server_login.hpp"
#include "protocol/bytes.hpp"
#include "protocol/error_fields.hpp"
#include "protocol/framing.hpp"
#include "protocol/startup.hpp"
#include "proxy/cancel_registry.hpp"
#include "proxy/request_router.hpp"
#include "proxy/session_log.hpp"
#include "proxy/session_settings.hpp"
#include "proxy/statement_registry.hpp"
#include "route/router.hpp"
#include "wire/message_channel.hpp"

namespace pgw::proxy {

class ProxyContext;
struct AuthData;
struct RelayState;

/// Why a session ended; printed in its log line.
enum class SessionEnd {
  kClientTerminate,  ///< Terminate message
  kClientClosed,     ///< the client closed its socket
  kCancelRequest,    ///< the connection only carried a CancelRequest
  kStartupRejected,  ///< bad startup packet, or refused before authentication
  kAuthFailed,
  kAuthTimeout,
  kServerUnavailable,  ///< no server connection could be had (pool full, login failed)
  kServerClosed,       ///< the server closed or broke the connection
  kProtocolError,
  kIdleTimeout,
  kShutdown,
};
std::string_view to_string(SessionEnd end);

/// One server connection of the session, to one node. A session holds at most one per node:
/// the primary's (opened at startup) and those of the standbys it reads from.
struct ServerSlot {
  std::size_t node = 0;
  pool::Pool* pool = nullptr;
  std::unique_ptr<pool::ServerConnection> connection;
};

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(ProxyContext& context, net::Socket socket, net::PeerAddress peer);
  ~ClientSession();

  /// Runs the whole session; never throws.
  net::awaitable<void> run();
  /// Ends the session from outside (shutdown): closes the client socket. Call on the session's
  /// executor.
  void terminate();
  /// `node` was taken out of service: if it is this session's active server, closes that
  /// connection. The relay then loses its server like after a crash: an idle session goes on
  /// elsewhere with its next request, one with a request or a transaction under way ends with
  /// 08006. Call on the session's executor.
  void abandon_node(std::size_t node);
  std::uint64_t id() const { return id_; }
  net::Executor executor() { return client_.executor(); }

 private:
  // startup_phase.cpp
  net::awaitable<bool> read_startup();
  net::awaitable<void> forward_cancel(const protocol::CancelRequest& request);
  // client_auth.cpp
  net::awaitable<bool> authenticate();
  net::awaitable<bool> authenticate_cleartext(const auth::UserSecret* secret);
  net::awaitable<bool> authenticate_md5(const auth::UserSecret* secret);
  net::awaitable<bool> authenticate_scram(const auth::UserSecret* secret);
  net::awaitable<std::optional<protocol::Frame>> read_auth_message(wire::MessageChannel& channel);
  net::awaitable<bool> refuse_scram(const auth::ScramFailure& failure);
  /// A verified client certificate, and with `check_name` its common name matching the user
  /// (or allowed by the rule's map=); answers 28000 otherwise.
  net::awaitable<bool> check_client_certificate(const auth::HbaRule& rule,
                                                const AuthData& auth_data, bool check_name);
  // server_attach.cpp
  /// Opens the first server connection (to the primary), applies settings, greets the client.
  net::awaitable<bool> attach_server();
  /// A server connection to the primary for a new session, waiting and retrying while a
  /// failover may be on its way; nullptr after an error was sent to the client.
  net::awaitable<ServerSlot*> connect_primary();
  /// A connection to `node` (from its pool or a new login) with the client's startup settings
  /// applied; on failure `error` holds what to tell the client.
  net::awaitable<ServerSlot*> connect_slot(std::size_t node, std::string& error,
                                           std::string& sqlstate);
  net::awaitable<bool> apply_startup_settings(ServerSlot& slot, std::string& error,
                                              std::string& sqlstate);
  net::awaitable<bool> greet_client(const ServerSlot& slot);
  ServerSlot* find_slot(std::size_t node);
  void set_cancel_target(const ServerSlot& slot);
  // relay.cpp
  /// What the client pump does after one message.
  enum class Step { kNext, kNeedMore, kStop };
  net::awaitable<void> relay();
  net::awaitable<void> pump_client(RelayState& state);
  net::awaitable<Step> route_message(char type, std::uint32_t body_length, RelayState& state);
  net::awaitable<Step> forward(char type, std::uint32_t body_length, const RouteAction& action,
                               RelayState& state);
  net::awaitable<void> wait_idle(RelayState& state);
  /// Ends the session when it stays idle past client_idle_timeout or, inside a transaction,
  /// idle_in_transaction_timeout.
  net::awaitable<void> watch_idle(RelayState& state, net::asio::steady_timer& timer);
  net::awaitable<void> pump_server(ServerSlot& slot, RelayState& state);
  /// The active server connection broke: a session idle between requests goes on (the next
  /// request reconnects), one with a request under way ends.
  void lose_server(ServerSlot& slot, RelayState& state);
  /// Waits (up to failover.client_wait) until a primary is up and no failover is under way.
  net::awaitable<bool> wait_for_primary();
  // relay_switch.cpp
  /// Makes `node` the active server: stops the current pump (nothing may be outstanding),
  /// connects if needed, replays settings, prepares `injections`, starts the pump.
  net::awaitable<bool> activate(std::size_t node, const std::vector<Injection>& injections,
                                RelayState& state);
  net::awaitable<void> stop_pump(RelayState& state);
  /// Closes and forgets a broken or stale server connection.
  void drop_slot(ServerSlot* slot);
  void start_pump(ServerSlot& slot, RelayState& state);
  net::awaitable<bool> run_control(ServerSlot& slot, const protocol::Bytes& request,
                                   int expected_ready);
  // local_answers.cpp
  net::awaitable<bool> answer_locally(LocalQuery query, RelayState& state);
  /// An ErrorResponse for the request that `type` belongs to: a Query also gets its
  /// ReadyForQuery; an extended unit is skipped up to its Sync.
  net::awaitable<bool> answer_error(char type, std::string_view sqlstate, std::string message,
                                    RelayState& state);
  // server_release.cpp
  net::awaitable<void> release_servers(bool reusable);
  net::awaitable<bool> reset_server(pool::ServerConnection& connection);

  // client_session.cpp
  /// Sends an ErrorResponse (FATAL unless `severity` says otherwise) and records the end.
  net::awaitable<void> send_error(protocol::Severity severity, std::string_view sqlstate,
                                  std::string message, SessionEnd end);
  net::awaitable<bool> send_to_client(std::span<const std::uint8_t> bytes);
  /// The cluster snapshot, refreshed when a newer one was published.
  const cluster::ClusterState& cluster_state();
  void log_end();

  ProxyContext& context_;
  net::Stream client_;
  net::PeerAddress peer_;
  std::uint64_t id_;
  std::chrono::steady_clock::time_point started_at_;
  IoBuffer client_buffer_;

  protocol::StartupMessage startup_;
  std::string user_;
  std::string database_;
  Settings settings_;
  std::optional<ClientKey> client_key_;
  pool::ServerCredentials server_credentials_;

  std::vector<std::unique_ptr<ServerSlot>> slots_;
  ServerSlot* active_ = nullptr;
  std::shared_ptr<const cluster::ClusterState> snapshot_;
  route::SessionRoute route_;
  StatementRegistry statements_;
  SessionLog session_log_;
  std::unique_ptr<RequestRouter> router_;

  std::optional<SessionEnd> end_;
  std::string end_detail_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  bool counted_as_client_ = false;
  bool counted_per_user_ = false;
  bool terminating_ = false;
  /// The last connect_slot() failed before reaching its server (LoginFailure::no_connection).
  bool last_connect_refused_ = false;
  bool waited_for_primary_ = false;
};

}  // namespace pgw::proxy
