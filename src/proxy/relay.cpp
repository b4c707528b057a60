#include "common/log.hpp"
#include "protocol/backend.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"
#include "proxy/relay_state.hpp"

namespace pgw::proxy {

namespace sqlstate = protocol::sqlstate;
using protocol::ScanAction;

namespace {

/// Query and Parse texts up to this size are classified; larger ones go to the primary.
constexpr std::uint32_t kMaxInspected = 1024 * 1024;
/// A unit that only reads is held until its Sync, up to this size; then it goes to the primary.
constexpr std::size_t kMaxHeldUnit = 1024 * 1024;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("relay");
  return l;
}

/// A fast non-cryptographic generator for load-balancing draws (per thread, seeded once).
std::uint64_t random_bits() {
  thread_local std::uint64_t state = [] {
    std::uint64_t seed = 0;
    SecureRandom::instance().fill({reinterpret_cast<std::uint8_t*>(&seed), sizeof seed});
    return seed | 1;
  }();
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/// How much of a client message's body routing needs to see before deciding.
std::size_t body_wanted(char type, std::uint32_t body_length) {
  switch (type) {
    case 'Q':
    case 'P':
      return body_length <= kMaxInspected ? body_length : 0;
    case 'B':
      return body_length < 512 ? body_length : 512;
    case 'D':
    case 'C':
    case 'E':
    case 'S':
    case 'H':
    case 'X':
      return body_length <= kMaxInspected ? body_length : 0;
    default:
      return 0;
  }
}

bool expects_ready(char type) {
  return type == 'Q' || type == 'S' || type == 'F';
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

/// Server to client: transaction status and the end of requests from ReadyForQuery, parameter
/// values from ParameterStatus; everything else passes through unread.
struct ServerMessages {
  RelayState& state;
  pool::ServerConnection& server;
  RequestRouter& router;
  route::SessionRoute& route;
  bool wants_body(char type, std::uint32_t length) const {
    return type == 'Z' || (type == 'S' && length <= 64 * 1024);
  }
  ScanAction on_message(char type, std::uint32_t length, std::span<const std::uint8_t> body) {
    if (type == 'Z' && length == 1) {
      if (state.outstanding > 0) --state.outstanding;
      if (state.track_activity) state.last_activity = std::chrono::steady_clock::now();
      server.status = static_cast<pool::ServerTxnStatus>(body[0]);
      if (server.status == pool::ServerTxnStatus::kIdle && router.wrote()) {
        route::note_write_commit(route, std::chrono::steady_clock::now());
        router.clear_wrote();
      }
      if (state.outstanding == 0) state.idle.set();
    } else if (type == 'S') {
      auto message = protocol::decode_backend('S', body);
      if (message) {
        const auto& ps = std::get<protocol::ParameterStatus>(*message);
        server.parameters.set(ps.name, ps.value);
      }
    }
    return ScanAction::kContinue;
  }
};

net::awaitable<void> ClientSession::relay() {
  const auto& limits = context_.config().limits;
  RelayState state(client_.executor(), limits.max_message_size);
  state.idle.set();
  start_pump(*active_, state);
  net::Event watch_done(client_.executor());
  net::asio::steady_timer idle_timer(client_.executor());
  state.track_activity =
      limits.client_idle_timeout.count() > 0 || limits.idle_in_transaction_timeout.count() > 0;
  if (state.track_activity) {
    net::asio::co_spawn(client_.executor(), watch_idle(state, idle_timer),
                        [&watch_done](const std::exception_ptr&) { watch_done.set(); });
  } else {
    watch_done.set();
  }
  co_await pump_client(state);
  state.relay_done = true;
  idle_timer.cancel();
  co_await watch_done.wait();
  if (state.pump_running) co_await stop_pump(state);

  bool at_boundary = state.server_scanner.at_boundary() && active_ != nullptr &&
                     active_->connection->buffer().empty();
  if (state.idle_expired != RelayState::IdleExpiry::kNone) {
    bool in_transaction = state.idle_expired == RelayState::IdleExpiry::kIdleInTransaction;
    if (at_boundary) {
      co_await send_error(protocol::Severity::kFatal,
                          in_transaction ? sqlstate::kIdleInTransactionSessionTimeout
                                         : sqlstate::kIdleSessionTimeout,
                          in_transaction
                              ? "terminating connection due to idle-in-transaction timeout"
                              : "terminating connection due to idle-session timeout",
                          SessionEnd::kIdleTimeout);
    }
    end_ = SessionEnd::kIdleTimeout;
  } else if (terminating_) {
    if (at_boundary) {
      co_await send_error(protocol::Severity::kFatal, sqlstate::kAdminShutdown,
                          "terminating connection due to administrator command",
                          SessionEnd::kShutdown);
    }
  } else if (state.client_protocol_error != nullptr) {
    context_.counters().protocol_errors++;
    logger()->warn("session {} from {}: invalid message from client: {}", id_, peer_.to_string(),
                   state.client_protocol_error);
    if (at_boundary) {
      co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                          std::string("invalid message: ") + state.client_protocol_error,
                          SessionEnd::kProtocolError);
    }
    end_ = SessionEnd::kProtocolError;
  } else if (state.server_gone) {
    if (!end_) end_ = SessionEnd::kServerClosed;
    if (state.server_protocol_error != nullptr) end_detail_ = state.server_protocol_error;
    if (at_boundary && !state.client_gone) {
      co_await send_error(protocol::Severity::kFatal, sqlstate::kConnectionFailure,
                          "the server connection was lost during this request or transaction; "
                          "reconnect to continue (if it was the primary, failover is under way)",
                          SessionEnd::kServerClosed);
    }
  } else if (!end_) {
    end_ = state.client_terminated ? SessionEnd::kClientTerminate : SessionEnd::kClientClosed;
  }
  bool clean = !state.server_gone && at_boundary && state.outstanding == 0 &&
               state.stream_remaining == 0 && (state.client_terminated || state.client_gone);
  co_await release_servers(clean);
}

net::awaitable<void> ClientSession::pump_client(RelayState& state) {
  for (;;) {
    if (state.server_gone || terminating_) co_return;
    auto data = client_buffer_.data();
    std::size_t available = data.size() - state.cursor;
    if (state.stream_remaining > 0 && available > 0) {
      // The rest of a large message: straight to the active server.
      auto take =
          static_cast<std::size_t>(std::min<std::uint64_t>(state.stream_remaining, data.size()));
      if (co_await active_->connection->stream().write_all(data.first(take))) {
        state.server_gone = true;
        co_return;
      }
      client_buffer_.consume(take);
      state.stream_remaining -= take;
      continue;
    }
    if (state.stream_remaining == 0 && available >= 5) {
      const std::uint8_t* header = data.data() + state.cursor;
      char type = static_cast<char>(header[0]);
      std::uint32_t length = read_be32(header + 1);
      if (length < 4 || length - 4 > state.max_message_size) {
        state.client_protocol_error =
            length < 4 ? "invalid message length" : "message exceeds the maximum message size";
        co_return;
      }
      std::uint32_t body_length = length - 4;
      std::size_t wanted = body_wanted(type, body_length);
      std::size_t body_available = available - 5;
      if (body_available >= wanted) {
        auto outcome = co_await route_message(type, body_length, state);
        if (outcome == Step::kStop) co_return;
        if (outcome == Step::kNext) continue;
        // kNeedMore: fall through to read
      } else {
        client_buffer_.reserve(state.cursor + 5 + wanted);
      }
    }
    auto ec = co_await client_.wait_readable();
    if (ec) {
      if (ec != net::asio::error::operation_aborted) state.client_gone = true;
      co_return;
    }
    std::size_t n = client_.read_available(client_buffer_.writable(), ec);
    if (ec == net::asio::error::would_block) continue;
    if (ec) {
      state.client_gone = true;
      co_return;
    }
    client_buffer_.commit(n);
    bytes_in_ += n;
    if (state.track_activity) state.last_activity = std::chrono::steady_clock::now();
  }
}

net::awaitable<ClientSession::Step> ClientSession::route_message(char type,
                                                                 std::uint32_t body_length,
                                                                 RelayState& state) {
  auto data = client_buffer_.data();
  std::size_t total = std::size_t{body_length} + 5;
  std::size_t body_available = data.size() - state.cursor - 5;
  bool complete = body_available >= body_length;
  auto body = data.subspan(state.cursor + 5, std::min<std::size_t>(body_available, body_length));

  if (state.discard_until_sync) {
    // pgwarden already answered this extended unit with an error; like PostgreSQL, skip to
    // its Sync and then say ready.
    if (!complete) co_return Step::kNeedMore;
    client_buffer_.consume(total);
    if (type == 'S') {
      state.discard_until_sync = false;
      protocol::Bytes ready;
      protocol::encode(protocol::ReadyForQuery{protocol::TransactionStatus::kIdle}, ready);
      if (!co_await send_to_client(ready)) co_return Step::kStop;
    }
    co_return Step::kNext;
  }

  if (state.active_lost) {
    state.active_lost = false;
    if (active_ != nullptr) drop_slot(active_);
  }
  RelayView view;
  if (active_ != nullptr) {
    view.active = active_->node;
    view.in_transaction = active_->connection->status != pool::ServerTxnStatus::kIdle;
  }
  view.outstanding = state.outstanding;
  if (!state.draw) state.draw = random_bits();
  auto action = router_->decide(type, body, body_length, view, cluster_state(), *state.draw);
  switch (action.kind) {
    case RouteAction::Kind::kTerminate:
      state.client_terminated = true;
      co_return Step::kStop;
    case RouteAction::Kind::kHold:
      if (!complete) {
        if (state.cursor + total > kMaxHeldUnit) {
          router_->overflow();
          co_return Step::kNext;  // decide again: now the unit goes to the primary
        }
        client_buffer_.reserve(state.cursor + total);
        co_return Step::kNeedMore;
      }
      state.held.push_back({state.cursor, type, body_length});
      state.cursor += total;
      state.draw.reset();
      co_return Step::kNext;
    case RouteAction::Kind::kAnswerLocally:
    case RouteAction::Kind::kNoServer: {
      if (!complete) co_return Step::kNeedMore;
      if (state.outstanding > 0) {
        co_await wait_idle(state);
        co_return Step::kNext;
      }
      // During a failover the request waits for the new primary instead of failing.
      if (action.kind == RouteAction::Kind::kNoServer && !waited_for_primary_) {
        waited_for_primary_ = true;
        if (co_await wait_for_primary()) co_return Step::kNext;
      }
      waited_for_primary_ = false;
      client_buffer_.consume(state.cursor + total);
      state.cursor = 0;
      state.held.clear();
      state.draw.reset();
      bool ok = action.kind == RouteAction::Kind::kAnswerLocally
                    ? co_await answer_locally(action.local, state)
                    : co_await answer_error(
                          type, sqlstate::kCannotConnectNow,
                          std::string("cannot route the statement: ") + action.reason, state);
      co_return ok ? Step::kNext : Step::kStop;
    }
    case RouteAction::Kind::kForward:
      break;
  }
  co_return co_await forward(type, body_length, action, state);
}

net::awaitable<ClientSession::Step> ClientSession::forward(char type, std::uint32_t body_length,
                                                           const RouteAction& action,
                                                           RelayState& state) {
  std::size_t node = action.node;
  bool switching = active_ == nullptr || active_->node != node;
  std::vector<Injection> injections;
  if (router_->unit_open()) injections = router_->injections_for(node);
  if (switching || !injections.empty() || !session_log_.up_to_date(node)) {
    if (state.outstanding > 0) {
      co_await wait_idle(state);
      co_return Step::kNext;  // decide again: the transaction status may have changed
    }
    if (!co_await activate(node, injections, state)) {
      if (state.server_gone) co_return Step::kStop;
      auto data = client_buffer_.data();
      std::size_t total = std::size_t{body_length} + 5;
      if (data.size() < state.cursor + total) co_return Step::kNeedMore;
      client_buffer_.consume(state.cursor + total);
      state.cursor = 0;
      state.held.clear();
      state.draw.reset();
      bool ok = co_await answer_error(type, state.switch_sqlstate, state.switch_error, state);
      co_return ok ? Step::kNext : Step::kStop;
    }
    co_return Step::kNext;  // decide again with the new active server
  }
  auto data = client_buffer_.data();
  std::size_t total = std::size_t{body_length} + 5;
  std::size_t in_buffer = std::min(data.size(), state.cursor + total);
  bool complete = in_buffer == state.cursor + total;
  for (const auto& held : state.held) {
    auto whole = data.subspan(held.offset, std::size_t{held.body_length} + 5);
    router_->forwarded(held.type, whole.subspan(5), node, whole);
    if (expects_ready(held.type)) ++state.outstanding;
  }
  auto whole = data.subspan(state.cursor, in_buffer - state.cursor);
  router_->forwarded(type, whole.subspan(5), node, complete ? whole : protocol::ByteView());
  if (expects_ready(type)) ++state.outstanding;
  if (state.outstanding > 0) state.idle.reset();
  if (action.counts_as_select) context_.node_counters().count_select(node);
  if (co_await active_->connection->stream().write_all(data.first(in_buffer))) {
    state.server_gone = true;
    co_return Step::kStop;
  }
  client_buffer_.consume(in_buffer);
  state.stream_remaining = complete ? 0 : state.cursor + total - in_buffer;
  state.cursor = 0;
  state.held.clear();
  state.draw.reset();
  waited_for_primary_ = false;
  co_return Step::kNext;
}

net::awaitable<void> ClientSession::watch_idle(RelayState& state, net::asio::steady_timer& timer) {
  const auto& limits = context_.config().limits;
  // How often to look when the current state has no limit: the smaller configured one.
  auto smallest = std::chrono::milliseconds::max();
  for (auto limit : {limits.client_idle_timeout, limits.idle_in_transaction_timeout}) {
    if (limit.count() > 0 && limit < smallest) smallest = limit;
  }
  while (!state.relay_done) {
    bool in_transaction =
        active_ != nullptr && active_->connection->status != pool::ServerTxnStatus::kIdle;
    auto limit = in_transaction ? limits.idle_in_transaction_timeout : limits.client_idle_timeout;
    bool idle = state.outstanding == 0 && state.cursor == 0 && state.stream_remaining == 0;
    auto now = std::chrono::steady_clock::now();
    if (idle && limit.count() > 0 && now - state.last_activity >= limit) {
      state.idle_expired = in_transaction ? RelayState::IdleExpiry::kIdleInTransaction
                                          : RelayState::IdleExpiry::kIdle;
      client_.cancel();
      co_return;
    }
    auto next = idle && limit.count() > 0 ? state.last_activity + limit : now + smallest;
    timer.expires_at(next);
    net::error_code ec;
    co_await timer.async_wait(net::use_awaitable_ec(ec));
  }
}

net::awaitable<void> ClientSession::wait_idle(RelayState& state) {
  while (state.outstanding > 0 && state.pump_running && !state.server_gone) {
    co_await state.idle.wait();
    if (state.outstanding > 0) state.idle.reset();
  }
}

net::awaitable<void> ClientSession::pump_server(ServerSlot& slot, RelayState& state) {
  ServerMessages visitor{state, *slot.connection, *router_, route_};
  auto& server = slot.connection->stream();
  auto& buffer = slot.connection->buffer();
  for (;;) {
    if (state.stop_pump && state.server_scanner.at_boundary() && buffer.empty()) break;
    auto ec = co_await server.wait_readable();
    if (ec) {
      if (state.stop_pump && ec == net::asio::error::operation_aborted) continue;
      lose_server(slot, state);
      break;
    }
    std::size_t n = server.read_available(buffer.writable(), ec);
    if (ec == net::asio::error::would_block) continue;
    if (ec) {
      lose_server(slot, state);
      break;
    }
    buffer.commit(n);
    auto outcome = state.server_scanner.scan(buffer.data(), visitor);
    if (outcome.forwardable > 0) {
      ec = co_await client_.write_all(buffer.data().first(outcome.forwardable));
      if (ec) {
        state.client_gone = true;
        break;
      }
      bytes_out_ += outcome.forwardable;
      buffer.consume(outcome.forwardable);
    }
    if (outcome.error != nullptr) {
      state.server_protocol_error = outcome.error;
      state.server_gone = true;
      break;
    }
    if (outcome.needed_capacity > 0) buffer.reserve(outcome.needed_capacity);
  }
  state.pump_running = false;
  state.idle.set();
  // Wake the client pump if it waits on the client while the server is gone.
  if (!state.stop_pump && !state.active_lost) client_.cancel();
}

void ClientSession::lose_server(ServerSlot& slot, RelayState& state) {
  context_.report_server_lost(slot.node);
  bool idle = state.outstanding == 0 && slot.connection->status == pool::ServerTxnStatus::kIdle &&
              state.server_scanner.at_boundary() && slot.connection->buffer().empty();
  if (idle) {
    state.active_lost = true;
  } else {
    state.server_gone = true;
  }
}

net::awaitable<bool> ClientSession::wait_for_primary() {
  const auto limit = context_.config().failover.client_wait;
  auto deadline = std::chrono::steady_clock::now() + limit;
  net::asio::steady_timer timer(client_.executor());
  for (;;) {
    const auto& state = cluster_state();
    if (state.primary && state.nodes[*state.primary].status == cluster::NodeStatus::kUp &&
        !state.failover_in_progress) {
      co_return true;
    }
    if (std::chrono::steady_clock::now() >= deadline || terminating_) co_return false;
    timer.expires_after(std::chrono::milliseconds(20));
    net::error_code ec;
    co_await timer.async_wait(net::use_awaitable_ec(ec));
  }
}

}  // namespace pgw::proxy
