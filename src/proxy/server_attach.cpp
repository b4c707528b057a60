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

/// Between two attempts to reach a primary that failed to answer a new session.
constexpr std::chrono::milliseconds kPrimaryRetryPause{100};

/// Server replies to our own small queries (SET, DISCARD ALL) are small.
constexpr std::size_t kMaxControlReply = 1024 * 1024;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("session");
  return l;
}

}  // namespace

const cluster::ClusterState& ClientSession::cluster_state() {
  auto& store = context_.cluster();
  if (!snapshot_ || snapshot_->generation != store.generation()) snapshot_ = store.current();
  return *snapshot_;
}

ServerSlot* ClientSession::find_slot(std::size_t node) {
  for (auto& slot : slots_) {
    if (slot->node == node) return slot.get();
  }
  return nullptr;
}

void ClientSession::set_cancel_target(const ServerSlot& slot) {
  if (!client_key_) return;
  const auto& c = *slot.connection;
  context_.cancels().set_target(*client_key_,
                                CancelTarget{c.address(), c.process_id, c.secret_key});
}

net::awaitable<bool> ClientSession::attach_server() {
  route_.database = database_;
  route_.user = user_;
  if (const auto* app = startup_.find("application_name")) route_.application_name = *app;
  router_ = std::make_unique<RequestRouter>(context_.classifier(), context_.routing_policy(),
                                            route_, statements_, session_log_);
  ServerSlot* slot = co_await connect_primary();
  if (slot == nullptr) co_return false;
  active_ = slot;
  client_key_ = context_.cancels().register_client();
  set_cancel_target(*slot);
  co_return co_await greet_client(*slot);
}

net::awaitable<ServerSlot*> ClientSession::connect_primary() {
  // A new connection during a failover waits for the new primary; so does one that cannot
  // connect to the primary before the health checks have noticed that it failed (it reports
  // the loss, which starts a check at once, and tries again) — up to [failover] client_wait.
  const auto give_up = std::chrono::steady_clock::now() + context_.config().failover.client_wait;
  net::asio::steady_timer pause(client_.executor());
  for (;;) {
    co_await wait_for_primary();
    const auto& state = cluster_state();
    if (!state.primary || state.nodes[*state.primary].status != cluster::NodeStatus::kUp) {
      co_await send_error(protocol::Severity::kFatal, sqlstate::kCannotConnectNow,
                          "no primary server is available", SessionEnd::kServerUnavailable);
      co_return nullptr;
    }
    const std::size_t primary = *state.primary;
    std::string error;
    std::string state_code;
    last_connect_refused_ = false;
    ServerSlot* slot = co_await connect_slot(primary, error, state_code);
    if (slot != nullptr || end_) co_return slot;
    // Only a server that could not be reached at all may be a primary that just failed; a
    // login that failed half-way (protocol violation, TLS refusal, timeout, the server's own
    // refusal) is final.
    if (!last_connect_refused_ || terminating_ || std::chrono::steady_clock::now() >= give_up) {
      co_await send_error(protocol::Severity::kFatal, state_code, error,
                          SessionEnd::kServerUnavailable);
      co_return nullptr;
    }
    context_.report_server_lost(primary);
    pause.expires_after(kPrimaryRetryPause);
    net::error_code ec;
    co_await pause.async_wait(net::use_awaitable_ec(ec));
  }
}

net::awaitable<ServerSlot*> ClientSession::connect_slot(std::size_t node, std::string& error,
                                                        std::string& sqlstate_out) {
  const auto& backend = context_.backend(node);
  const auto& pool_config = context_.config().pool;
  auto& pool = context_.pools().pool_for({backend.name, database_, user_});
  auto checkout = co_await pool.acquire(client_.executor());
  if (!checkout) {
    logger()->warn("session {} from {}: {}", id_, peer_.to_string(), checkout.error().message);
    error = "no more connections allowed: " + checkout.error().message;
    sqlstate_out = sqlstate::kTooManyConnections;
    co_return nullptr;
  }
  auto slot = std::make_unique<ServerSlot>();
  slot->node = node;
  slot->pool = &pool;
  if (checkout->connection) {
    slot->connection = std::move(checkout->connection);
  } else {
    pool::LoginTimeouts timeouts{pool_config.server_connect_timeout,
                                 pool_config.server_login_timeout};
    // A named request, not a braced temporary: g++ 12 frees a braced aggregate passed by value
    // to a coroutine twice (docs/architecture.md, "Coroutine rules").
    pool::StartupRequest request{user_, database_, {}};
    auto login = co_await pool::login_to_server(client_.executor(), backend, std::move(request),
                                                server_credentials_, timeouts);
    if (!login) {
      pool.discard();
      const auto& failure = login.error();
      last_connect_refused_ = failure.no_connection;
      logger()->warn("session {} from {}: {}", id_, peer_.to_string(), failure.message);
      if (!failure.server_error.empty() && slots_.empty()) {
        // The server refused this user or database: relay its words (e.g. 3D000).
        end_ = SessionEnd::kServerUnavailable;
        end_detail_ = failure.message;
        co_await send_to_client(failure.server_error);
      }
      error = failure.message;
      sqlstate_out =
          failure.sqlstate.empty() ? std::string(sqlstate::kConnectionFailure) : failure.sqlstate;
      co_return nullptr;
    }
    slot->connection = std::move(*login);
  }
  slots_.push_back(std::move(slot));
  ServerSlot* added = slots_.back().get();
  session_log_.reset_node(node);
  statements_.forget_node(node);
  if (!co_await apply_startup_settings(*added, error, sqlstate_out)) co_return nullptr;
  co_return added;
}

net::awaitable<bool> ClientSession::apply_startup_settings(ServerSlot& slot, std::string& error,
                                                           std::string& sqlstate_out) {
  auto& server = *slot.connection;
  std::string sql = build_set_statements(settings_, server.parameters);
  if (sql.empty()) co_return true;
  protocol::Bytes query;
  protocol::encode(protocol::Query{sql}, query);
  wire::MessageChannel channel(server.stream(), server.buffer());
  if (!co_await channel.send(query)) {
    error = "server connection lost while applying startup settings";
    sqlstate_out = sqlstate::kConnectionFailure;
    co_return false;
  }
  std::optional<std::pair<std::string, std::string>> failed;  // sqlstate, message
  for (;;) {
    auto frame = co_await channel.read_message(kMaxControlReply);
    if (!frame) {
      error = "server connection lost while applying startup settings";
      sqlstate_out = sqlstate::kConnectionFailure;
      co_return false;
    }
    auto message = protocol::decode_backend(frame->type, frame->body);
    if (!message) continue;
    if (const auto* ps = std::get_if<protocol::ParameterStatus>(&*message)) {
      server.parameters.set(ps->name, ps->value);
    } else if (const auto* e = std::get_if<protocol::ErrorResponse>(&*message)) {
      failed.emplace(std::string(e->fields.sqlstate()), std::string(e->fields.message()));
    } else if (const auto* ready = std::get_if<protocol::ReadyForQuery>(&*message)) {
      server.status = static_cast<pool::ServerTxnStatus>(ready->status);
      break;
    }
  }
  if (!failed) co_return true;
  // PostgreSQL refuses an invalid startup setting with FATAL; so do we.
  error = failed->second;
  sqlstate_out = failed->first;
  end_ = SessionEnd::kStartupRejected;
  end_detail_ = error;
  co_await send_error(protocol::Severity::kFatal, failed->first, failed->second,
                      SessionEnd::kStartupRejected);
  co_return false;
}

net::awaitable<bool> ClientSession::greet_client(const ServerSlot& slot) {
  protocol::Bytes bytes;
  for (const auto& [name, value] : slot.connection->parameters.items()) {
    protocol::encode(protocol::ParameterStatus{name, value}, bytes);
  }
  protocol::encode(protocol::BackendKeyData{client_key_->process_id, client_key_->secret_key},
                   bytes);
  protocol::encode(protocol::ReadyForQuery{protocol::TransactionStatus::kIdle}, bytes);
  co_return co_await send_to_client(bytes);
}

}  // namespace pgw::proxy
