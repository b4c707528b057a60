#pragma once
/// One client connection from accept to close, in phases, each in its own file:
///   startup_phase.cpp   SSLRequest/GSSENCRequest/CancelRequest/StartupMessage
///   client_auth.cpp     pg_hba rule, then trust/password/md5/SCRAM with the client
///   server_attach.cpp   a server connection from the pool (or a new one), settings, greeting
///   relay.cpp           pass-through relay in both directions
///   server_release.cpp  reset and return the server connection, or close it
/// The session owns its client socket and, while attached, one server connection.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/passwords.hpp"
#include "auth/scram.hpp"
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
#include "proxy/session_settings.hpp"
#include "wire/message_channel.hpp"

namespace pgw::proxy {

class ProxyContext;
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
  kShutdown,
};
std::string_view to_string(SessionEnd end);

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(ProxyContext& context, net::Socket socket, net::PeerAddress peer);
  ~ClientSession();

  /// Runs the whole session; never throws.
  net::awaitable<void> run();
  /// Ends the session from outside (shutdown): closes the client socket. Call on the session's
  /// executor.
  void terminate();
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
  // server_attach.cpp
  net::awaitable<bool> attach_server();
  net::awaitable<bool> apply_settings();
  net::awaitable<bool> greet_client();
  // relay.cpp
  net::awaitable<void> relay();
  net::awaitable<void> pump_client_to_server(RelayState& state);
  net::awaitable<void> pump_server_to_client(RelayState& state);
  // server_release.cpp
  net::awaitable<void> release_server(bool reusable);
  net::awaitable<bool> reset_server();

  // client_session.cpp
  /// Sends an ErrorResponse (FATAL unless `severity` says otherwise) and records the end.
  net::awaitable<void> send_error(protocol::Severity severity, std::string_view sqlstate,
                                  std::string message, SessionEnd end);
  net::awaitable<bool> send_to_client(std::span<const std::uint8_t> bytes);
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

  pool::Pool* pool_ = nullptr;
  std::unique_ptr<pool::ServerConnection> server_;

  std::optional<SessionEnd> end_;
  std::string end_detail_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  bool counted_as_client_ = false;
  bool terminating_ = false;
};

}  // namespace pgw::proxy
