#include <atomic>

#include "common/log.hpp"
#include "pool/cancel_request.hpp"
#include "protocol/backend.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"
#include "wire/message_channel.hpp"

namespace pgw::proxy {
namespace {

namespace sqlstate = protocol::sqlstate;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("session");
  return l;
}

bool is_true_setting(std::string_view value) {
  return value == "true" || value == "on" || value == "yes" || value == "1" || value == "database";
}

}  // namespace

net::awaitable<bool> ClientSession::read_startup() {
  wire::MessageChannel channel(client_, client_buffer_);
  const std::size_t max_packet = context_.config().limits.max_startup_packet_size;
  bool ssl_answered = false;
  bool gss_answered = false;
  for (;;) {
    auto frame = co_await channel.read_startup_packet(max_packet);
    if (!frame) {
      if (frame.error().kind != wire::ChannelError::Kind::kProtocol) {
        end_ = SessionEnd::kClientClosed;  // e.g. a port probe; PostgreSQL logs nothing either
        co_return false;
      }
      context_.counters().protocol_errors++;
      logger()->warn("session {} from {}: invalid startup packet: {}", id_, peer_.to_string(),
                     frame.error().message);
      co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                          "invalid startup packet: " + frame.error().message,
                          SessionEnd::kProtocolError);
      co_return false;
    }
    auto packet = protocol::decode_startup_packet(frame->body);
    if (!packet) {
      context_.counters().protocol_errors++;
      logger()->warn("session {} from {}: invalid startup packet: {}", id_, peer_.to_string(),
                     packet.error().message);
      co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                          packet.error().message, SessionEnd::kProtocolError);
      co_return false;
    }
    if (std::holds_alternative<protocol::SslRequest>(*packet) ||
        std::holds_alternative<protocol::GssEncRequest>(*packet)) {
      bool is_ssl = std::holds_alternative<protocol::SslRequest>(*packet);
      bool& answered = is_ssl ? ssl_answered : gss_answered;
      std::string what = is_ssl ? "SSL request" : "GSSAPI encryption request";
      // Bytes sent before our answer would otherwise be read as if they came through the
      // encrypted channel (CVE-2021-23214); PostgreSQL refuses them the same way.
      if (answered || channel.unread_bytes() > 0 || client_.is_tls()) {
        context_.counters().protocol_errors++;
        std::string message = answered || client_.is_tls()
                                  ? "duplicate " + what
                                  : "received unencrypted data after " + what;
        logger()->warn("session {} from {}: {}", id_, peer_.to_string(), message);
        co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation, message,
                            SessionEnd::kProtocolError);
        co_return false;
      }
      answered = true;
      auto tls = is_ssl ? context_.client_tls() : nullptr;
      if (!tls) {
        static constexpr std::uint8_t kNo[] = {'N'};
        if (!co_await send_to_client(kNo)) co_return false;
        continue;
      }
      static constexpr std::uint8_t kYes[] = {'S'};
      if (!co_await send_to_client(kYes)) co_return false;
      auto handshake = co_await client_.accept_tls(std::move(tls));
      if (!handshake) {
        logger()->warn("session {} from {}: {}", id_, peer_.to_string(), handshake.error().message);
        end_ = SessionEnd::kProtocolError;
        end_detail_ = handshake.error().message;
        co_return false;
      }
      continue;
    }
    if (const auto* cancel = std::get_if<protocol::CancelRequest>(&*packet)) {
      end_ = SessionEnd::kCancelRequest;
      co_await forward_cancel(*cancel);
      co_return false;
    }
    startup_ = std::get<protocol::StartupMessage>(std::move(*packet));
    break;
  }

  user_ = *startup_.find("user");
  const auto* database = startup_.find("database");
  database_ = database != nullptr && !database->empty() ? *database : user_;
  if (const auto* replication = startup_.find("replication");
      replication != nullptr && is_true_setting(*replication)) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kFeatureNotSupported,
                        "replication connections are not supported by pgwarden",
                        SessionEnd::kStartupRejected);
    co_return false;
  }
  protocol::NegotiateProtocolVersion negotiate{0, {}};
  for (const auto& [name, value] : startup_.parameters) {
    if (name.starts_with("_pq_.")) negotiate.unrecognized_options.push_back(name);
  }
  if (startup_.minor_version > 0 || !negotiate.unrecognized_options.empty()) {
    protocol::Bytes bytes;
    protocol::encode(negotiate, bytes);
    if (!co_await send_to_client(bytes)) co_return false;
  }
  auto settings = settings_from_startup(startup_);
  if (!settings) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kInvalidParameterValue,
                        settings.error().message, SessionEnd::kStartupRejected);
    co_return false;
  }
  settings_ = std::move(*settings);

  if (context_.shutting_down) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kCannotConnectNow,
                        "the database system is shutting down", SessionEnd::kShutdown);
    co_return false;
  }
  auto clients = ++context_.counters().clients;
  counted_as_client_ = true;
  const auto& limits = context_.config().limits;
  if (clients > limits.max_client_connections) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kTooManyConnections,
                        "sorry, too many clients already (max_client_connections " +
                            std::to_string(limits.max_client_connections) + ")",
                        SessionEnd::kStartupRejected);
    co_return false;
  }
  auto refused = context_.connection_counts().try_add(user_, database_, limits.max_user_connections,
                                                      limits.max_database_connections);
  if (!refused.empty()) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kTooManyConnections, refused,
                        SessionEnd::kStartupRejected);
    co_return false;
  }
  counted_per_user_ = true;
  co_return true;
}

net::awaitable<void> ClientSession::forward_cancel(const protocol::CancelRequest& request) {
  context_.counters().cancel_requests++;
  if (!context_.cancel_limiter().allow()) {
    // A flood of cancel requests costs us a lookup each, never a server connection.
    static std::atomic<std::int64_t> last_warning{0};
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = last_warning.load();
    if (now - last > 1'000'000'000 && last_warning.compare_exchange_strong(last, now)) {
      logger()->warn(
          "cancel requests arrive faster than max_cancel_rate ({} per second); "
          "dropping the excess",
          context_.config().limits.max_cancel_rate);
    }
    co_return;
  }
  auto target = context_.cancels().find(request.process_id, request.secret_key);
  if (!target) {
    logger()->debug("cancel request from {} matches no session", peer_.to_string());
    co_return;
  }
  auto sent = co_await pool::send_cancel_request(client_.executor(), target->address,
                                                 target->process_id, target->secret_key,
                                                 context_.config().pool.server_connect_timeout);
  if (!sent) logger()->warn("cancel request not delivered: {}", sent.error().message);
}

}  // namespace pgw::proxy
