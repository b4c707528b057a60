#include "common/log.hpp"
#include "protocol/backend.hpp"
#include "protocol/frontend.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"
#include "proxy/relay_state.hpp"
#include "wire/message_channel.hpp"

namespace pgw::proxy {
namespace {

constexpr std::size_t kMaxControlReply = 1024 * 1024;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("relay");
  return l;
}

}  // namespace

void ClientSession::start_pump(ServerSlot& slot, RelayState& state) {
  state.stop_pump = false;
  state.pump_running = true;
  state.pump_done.reset();
  state.server_scanner.reset();
  net::asio::co_spawn(client_.executor(), pump_server(slot, state),
                      [&state](const std::exception_ptr&) {
                        state.pump_running = false;
                        state.idle.set();
                        state.pump_done.set();
                      });
}

net::awaitable<void> ClientSession::stop_pump(RelayState& state) {
  if (!state.pump_running) co_return;
  state.stop_pump = true;
  active_->connection->stream().cancel();
  co_await state.pump_done.wait();
}

net::awaitable<bool> ClientSession::activate(std::size_t node,
                                             const std::vector<Injection>& injections,
                                             RelayState& state) {
  if (state.pump_running) co_await stop_pump(state);
  if (state.server_gone) co_return false;
  ServerSlot* slot = find_slot(node);
  if (slot != nullptr && slot->connection->stream().peer_closed()) {
    // An idle connection the server closed meanwhile (restart, idle timeout): a new one.
    logger()->info("session {}: server connection to {} was closed while idle; reconnecting", id_,
                   slot->connection->address().describe());
    drop_slot(slot);
    slot = nullptr;
  }
  if (slot == nullptr)
    slot = co_await connect_slot(node, state.switch_error, state.switch_sqlstate);
  bool ready = slot != nullptr;
  if (ready && !session_log_.up_to_date(node)) {
    // Each statement alone, so that one failing does not undo the others.
    protocol::Bytes replay;
    auto pending = session_log_.pending_entries(node);
    for (const auto& sql : pending)
      protocol::encode(protocol::Query{sql}, replay);
    ready = co_await run_control(*slot, replay, static_cast<int>(pending.size()));
    if (ready) session_log_.mark_applied(node);
  }
  if (ready && !injections.empty()) {
    protocol::Bytes prepare;
    for (const auto& injection : injections) {
      if (injection.close_first) protocol::encode(protocol::Close{'S', injection.name}, prepare);
      prepare.insert(prepare.end(), injection.parse_message.begin(), injection.parse_message.end());
    }
    protocol::encode(protocol::Sync{}, prepare);
    ready = co_await run_control(*slot, prepare, 1);
    if (ready) {
      for (const auto& injection : injections)
        statements_.on_prepared_here(injection.name, node);
    }
  }
  if (!ready) {
    if (slot != nullptr) {
      state.switch_error = "lost the connection to " + context_.backend(node).describe();
      state.switch_sqlstate = "08006";
      drop_slot(slot);
    }
    // Stay where the session was, if that connection is still there.
    if (active_ != nullptr) {
      start_pump(*active_, state);
    } else {
      state.server_gone = true;
    }
    co_return false;
  }
  active_ = slot;
  set_cancel_target(*slot);
  start_pump(*slot, state);
  co_return true;
}

void ClientSession::drop_slot(ServerSlot* slot) {
  slot->connection->stream().close();
  slot->pool->discard();
  session_log_.reset_node(slot->node);
  statements_.forget_node(slot->node);
  if (active_ == slot) active_ = nullptr;
  std::erase_if(slots_, [slot](const auto& s) { return s.get() == slot; });
}

net::awaitable<bool> ClientSession::run_control(ServerSlot& slot, const protocol::Bytes& request,
                                                int expected_ready) {
  auto& server = *slot.connection;
  wire::MessageChannel channel(server.stream(), server.buffer());
  if (!co_await channel.send(request)) co_return false;
  while (expected_ready > 0) {
    auto frame = co_await channel.read_message(kMaxControlReply);
    if (!frame) co_return false;
    switch (frame->type) {
      case 'Z':
        --expected_ready;
        if (!frame->body.empty())
          server.status = static_cast<pool::ServerTxnStatus>(frame->body[0]);
        break;
      case 'S':
        if (auto message = protocol::decode_backend('S', frame->body)) {
          const auto& ps = std::get<protocol::ParameterStatus>(*message);
          server.parameters.set(ps.name, ps.value);
        }
        break;
      case 'E':
        if (auto message = protocol::decode_backend('E', frame->body)) {
          const auto& fields = std::get<protocol::ErrorResponse>(*message).fields;
          logger()->warn("session {}: preparing {} for this session failed: {} ({})", id_,
                         server.address().describe(), fields.message(), fields.sqlstate());
        }
        break;
      case 'A': {
        // A notification queued while this connection was idle belongs to the client.
        const auto* start = frame->body.data() - 5;
        if (!co_await send_to_client({start, frame->size})) co_return false;
        break;
      }
      default:
        break;  // ParseComplete, CloseComplete, CommandComplete, notices of our own
    }
  }
  co_return true;
}

}  // namespace pgw::proxy
