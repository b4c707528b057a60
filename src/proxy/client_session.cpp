#include "proxy/client_session.hpp"

#include "common/log.hpp"
#include "net/watchdog.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/proxy_context.hpp"

namespace pgw::proxy {
namespace {

namespace sqlstate = protocol::sqlstate;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("session");
  return l;
}

}  // namespace

std::string_view to_string(SessionEnd end) {
  switch (end) {
    case SessionEnd::kClientTerminate:
      return "client terminated";
    case SessionEnd::kClientClosed:
      return "client closed the connection";
    case SessionEnd::kCancelRequest:
      return "cancel request";
    case SessionEnd::kStartupRejected:
      return "startup rejected";
    case SessionEnd::kAuthFailed:
      return "authentication failed";
    case SessionEnd::kAuthTimeout:
      return "authentication timeout";
    case SessionEnd::kServerUnavailable:
      return "no server connection";
    case SessionEnd::kServerClosed:
      return "server closed the connection";
    case SessionEnd::kProtocolError:
      return "protocol error";
    case SessionEnd::kIdleTimeout:
      return "idle timeout";
    case SessionEnd::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

ClientSession::ClientSession(ProxyContext& context, net::Socket socket, net::PeerAddress peer)
    : context_(context),
      client_(std::move(socket)),
      peer_(std::move(peer)),
      id_(context.next_session_id()),
      started_at_(std::chrono::steady_clock::now()) {}

ClientSession::~ClientSession() = default;

net::awaitable<void> ClientSession::run() {
  context_.sessions().add(id_, shared_from_this());
  context_.counters().sessions_total++;
  const auto& limits = context_.config().limits;
  bool ready = false;
  {
    net::Watchdog auth_watchdog(client_.executor(), limits.authentication_timeout,
                                [this] { client_.cancel(); });
    ready = co_await read_startup();
    if (ready) ready = co_await authenticate();
    if (auth_watchdog.expired()) {
      ready = false;
      end_.reset();
      co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                          "authentication timeout expired", SessionEnd::kAuthTimeout);
    }
  }
  if (ready && co_await attach_server()) co_await relay();
  if (!slots_.empty()) co_await release_servers(false);
  if (client_key_) context_.cancels().unregister_client(*client_key_);
  if (counted_as_client_) context_.counters().clients--;
  if (counted_per_user_) context_.connection_counts().remove(user_, database_);
  context_.counters().bytes_from_clients += bytes_in_;
  context_.counters().bytes_to_clients += bytes_out_;
  auto end = end_.value_or(SessionEnd::kClientClosed);
  if (end == SessionEnd::kClientTerminate || end == SessionEnd::kClientClosed ||
      end == SessionEnd::kCancelRequest) {
    client_.close();
  } else {
    co_await client_.close_gracefully(std::chrono::seconds(1), 1024 * 1024);
  }
  context_.sessions().remove(id_);
  log_end();
}

void ClientSession::terminate() {
  if (!end_) end_ = SessionEnd::kShutdown;
  terminating_ = true;
  client_.cancel();
  if (active_ != nullptr) active_->connection->stream().cancel();
}

void ClientSession::abandon_node(std::size_t node) {
  if (active_ == nullptr || active_->node != node) return;
  logger()->warn("session {}: {} was taken out of service; closing the connection to it", id_,
                 active_->connection->address().describe());
  // close(), not cancel(): a wait that starts after this fails too.
  active_->connection->stream().close();
}

net::awaitable<bool> ClientSession::send_to_client(std::span<const std::uint8_t> bytes) {
  auto ec = co_await client_.write_all(bytes);
  if (!ec) bytes_out_ += bytes.size();
  co_return !ec;
}

net::awaitable<void> ClientSession::send_error(protocol::Severity severity, std::string_view state,
                                               std::string message, SessionEnd end) {
  if (!end_) {
    end_ = end;
    end_detail_ = message;
  }
  protocol::Bytes bytes;
  protocol::ErrorBuilder(severity, state, std::move(message)).encode_error(bytes);
  co_await send_to_client(bytes);
}

void ClientSession::log_end() {
  const auto& log_config = context_.config().log;
  auto end = end_.value_or(SessionEnd::kClientClosed);
  if (end == SessionEnd::kCancelRequest) return;
  if (!log_config.log_sessions && end != SessionEnd::kProtocolError) return;
  // A connection that never sent a startup packet (a port probe, a health check) is noise.
  bool probe = end == SessionEnd::kClientClosed && user_.empty();
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_);
  auto level = probe ? spdlog::level::debug
               : (end == SessionEnd::kClientTerminate || end == SessionEnd::kClientClosed)
                   ? spdlog::level::info
                   : spdlog::level::warn;
  logger()->log(level,
                "session {} from {} user=\"{}\" database=\"{}\": {}{}{} after {:.3f} s, {} B in, "
                "{} B out",
                id_, peer_.to_string(), user_, database_, to_string(end),
                end_detail_.empty() ? "" : ": ", end_detail_, elapsed.count(), bytes_in_,
                bytes_out_);
}

}  // namespace pgw::proxy
