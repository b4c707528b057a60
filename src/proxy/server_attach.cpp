#include "common/log.hpp"
#include "protocol/backend.hpp"
#include "protocol/frontend.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"
#include "wire/message_channel.hpp"

namespace pgw::proxy {
namespace {

namespace sqlstate = protocol::sqlstate;

/// Server replies to our own small queries (SET, DISCARD ALL) are small.
constexpr std::size_t kMaxControlReply = 1024 * 1024;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("session");
  return l;
}

}  // namespace

net::awaitable<bool> ClientSession::attach_server() {
  const auto& backend = context_.backend();
  const auto& pool_config = context_.config().pool;
  pool_ = &context_.pools().pool_for({backend.name, database_, user_});
  auto checkout = co_await pool_->acquire(client_.executor());
  if (!checkout) {
    logger()->warn("session {} from {}: {}", id_, peer_.to_string(), checkout.error().message);
    co_await send_error(protocol::Severity::kFatal, sqlstate::kTooManyConnections,
                        "no more connections allowed: " + checkout.error().message,
                        SessionEnd::kServerUnavailable);
    co_return false;
  }
  if (checkout->connection) {
    server_ = std::move(checkout->connection);
  } else {
    pool::LoginTimeouts timeouts{pool_config.server_connect_timeout,
                                 pool_config.server_login_timeout};
    // A named request, not a braced temporary: g++ 12 frees a braced aggregate passed by value
    // to a coroutine twice (docs/architecture.md, "Coroutine rules").
    pool::StartupRequest request{user_, database_, {}};
    auto login = co_await pool::login_to_server(client_.executor(), backend, std::move(request),
                                                server_credentials_, timeouts);
    if (!login) {
      pool_->discard();
      const auto& failure = login.error();
      logger()->warn("session {} from {}: {}", id_, peer_.to_string(), failure.message);
      if (!failure.server_error.empty()) {
        end_ = SessionEnd::kServerUnavailable;
        end_detail_ = failure.message;
        co_await send_to_client(failure.server_error);
      } else {
        co_await send_error(protocol::Severity::kFatal, failure.sqlstate, failure.message,
                            SessionEnd::kServerUnavailable);
      }
      co_return false;
    }
    server_ = std::move(*login);
  }
  client_key_ = context_.cancels().register_client();
  context_.cancels().set_target(
      *client_key_, CancelTarget{server_->address(), server_->process_id, server_->secret_key});
  if (!co_await apply_settings()) co_return false;
  co_return co_await greet_client();
}

net::awaitable<bool> ClientSession::apply_settings() {
  std::string sql = build_set_statements(settings_, server_->parameters);
  if (sql.empty()) co_return true;
  protocol::Bytes query;
  protocol::encode(protocol::Query{sql}, query);
  wire::MessageChannel channel(server_->stream(), server_->buffer());
  if (!co_await channel.send(query)) co_return false;
  std::optional<std::pair<std::string, std::string>> error;  // sqlstate, message
  for (;;) {
    auto frame = co_await channel.read_message(kMaxControlReply);
    if (!frame) {
      co_await send_error(protocol::Severity::kFatal, sqlstate::kConnectionFailure,
                          "server connection lost while applying startup settings",
                          SessionEnd::kServerClosed);
      co_return false;
    }
    auto message = protocol::decode_backend(frame->type, frame->body);
    if (!message) continue;
    if (const auto* ps = std::get_if<protocol::ParameterStatus>(&*message)) {
      server_->parameters.set(ps->name, ps->value);
    } else if (const auto* e = std::get_if<protocol::ErrorResponse>(&*message)) {
      error.emplace(std::string(e->fields.sqlstate()), std::string(e->fields.message()));
    } else if (const auto* ready = std::get_if<protocol::ReadyForQuery>(&*message)) {
      server_->status = static_cast<pool::ServerTxnStatus>(ready->status);
      break;
    }
  }
  if (!error) co_return true;
  // PostgreSQL refuses an invalid startup setting with FATAL; so do we. The server
  // connection itself is fine and goes back to the pool.
  co_await send_error(protocol::Severity::kFatal, error->first, error->second,
                      SessionEnd::kStartupRejected);
  co_await release_server(server_->status == pool::ServerTxnStatus::kIdle);
  co_return false;
}

net::awaitable<bool> ClientSession::greet_client() {
  protocol::Bytes bytes;
  for (const auto& [name, value] : server_->parameters.items()) {
    protocol::encode(protocol::ParameterStatus{name, value}, bytes);
  }
  protocol::encode(protocol::BackendKeyData{client_key_->process_id, client_key_->secret_key},
                   bytes);
  protocol::encode(protocol::ReadyForQuery{protocol::TransactionStatus::kIdle}, bytes);
  co_return co_await send_to_client(bytes);
}

}  // namespace pgw::proxy
