#include "common/log.hpp"
#include "net/event.hpp"
#include "protocol/backend.hpp"
#include "protocol/sqlstate.hpp"
#include "protocol/stream_scanner.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"

namespace pgw::proxy {

namespace sqlstate = protocol::sqlstate;
using protocol::ScanAction;

/// What the two directions of one relay share. Both pumps run on the session's executor, so
/// no locking is needed.
struct RelayState {
  RelayState(const net::Executor& executor, std::size_t max_message_size)
      : client_scanner(max_message_size),
        server_scanner(std::size_t{1} << 30),
        server_pump_done(executor) {}

  protocol::StreamScanner client_scanner;
  protocol::StreamScanner server_scanner;
  /// Query, Sync and FunctionCall messages sent, minus ReadyForQuery messages received.
  int outstanding = 0;
  bool client_terminated = false;
  bool client_gone = false;
  bool server_gone = false;
  bool stop_server_pump = false;
  bool server_pump_finished = false;
  const char* client_protocol_error = nullptr;
  const char* server_protocol_error = nullptr;
  net::Event server_pump_done;
};

namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("relay");
  return l;
}

/// Client to server: counts requests that the server will answer with ReadyForQuery, and
/// stops at Terminate (which is not forwarded: the server connection outlives the client).
struct ClientMessages {
  RelayState& state;
  bool wants_body(char, std::uint32_t) const { return false; }
  ScanAction on_message(char type, std::uint32_t, std::span<const std::uint8_t>) {
    switch (type) {
      case 'X':
        state.client_terminated = true;
        return ScanAction::kStopBefore;
      case 'Q':
      case 'S':
      case 'F':
        ++state.outstanding;
        break;
      default:
        break;
    }
    return ScanAction::kContinue;
  }
};

/// Server to client: transaction status from ReadyForQuery, parameter values from
/// ParameterStatus; everything else passes through unread.
struct ServerMessages {
  RelayState& state;
  pool::ServerConnection& server;
  bool wants_body(char type, std::uint32_t length) const {
    return type == 'Z' || (type == 'S' && length <= 64 * 1024);
  }
  ScanAction on_message(char type, std::uint32_t length, std::span<const std::uint8_t> body) {
    if (type == 'Z' && length == 1) {
      --state.outstanding;
      server.status = static_cast<pool::ServerTxnStatus>(body[0]);
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

}  // namespace

net::awaitable<void> ClientSession::relay() {
  RelayState state(client_.executor(), context_.config().limits.max_message_size);
  net::asio::co_spawn(client_.executor(), pump_server_to_client(state),
                      [&state](const std::exception_ptr&) { state.server_pump_done.set(); });
  co_await pump_client_to_server(state);
  if (!state.server_pump_done.is_set()) {
    state.stop_server_pump = true;
    server_->stream().cancel();
  }
  co_await state.server_pump_done.wait();

  bool at_boundary = state.server_scanner.at_boundary() && server_->buffer().empty();
  if (terminating_) {
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
                          "server closed the connection unexpectedly", SessionEnd::kServerClosed);
    }
  } else if (!end_) {
    end_ = state.client_terminated ? SessionEnd::kClientTerminate : SessionEnd::kClientClosed;
  }
  bool reusable = !state.server_gone && at_boundary && state.outstanding == 0 &&
                  server_->status == pool::ServerTxnStatus::kIdle &&
                  (state.client_terminated || state.client_gone);
  co_await release_server(reusable);
}

net::awaitable<void> ClientSession::pump_client_to_server(RelayState& state) {
  ClientMessages visitor{state};
  for (;;) {
    if (!client_buffer_.empty()) {
      auto outcome = state.client_scanner.scan(client_buffer_.data(), visitor);
      if (outcome.forwardable > 0) {
        auto ec =
            co_await server_->stream().write_all(client_buffer_.data().first(outcome.forwardable));
        if (ec) {
          state.server_gone = true;
          co_return;
        }
        client_buffer_.consume(outcome.forwardable);
      }
      if (outcome.error != nullptr) {
        state.client_protocol_error = outcome.error;
        co_return;
      }
      if (outcome.stopped) co_return;
      if (outcome.needed_capacity > 0) client_buffer_.reserve(outcome.needed_capacity);
    }
    if (state.server_pump_finished || terminating_) co_return;
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
  }
}

net::awaitable<void> ClientSession::pump_server_to_client(RelayState& state) {
  ServerMessages visitor{state, *server_};
  auto& server = server_->stream();
  auto& buffer = server_->buffer();
  for (;;) {
    auto ec = co_await server.wait_readable();
    if (ec) {
      if (!state.stop_server_pump) state.server_gone = true;
      break;
    }
    std::size_t n = server.read_available(buffer.writable(), ec);
    if (ec == net::asio::error::would_block) continue;
    if (ec) {
      state.server_gone = true;
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
  // Wake the other pump if it is still waiting on the client.
  state.server_pump_finished = true;
  if (!state.stop_server_pump) client_.cancel();
}

}  // namespace pgw::proxy
