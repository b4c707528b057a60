#include <sys/socket.h>

#include "net/watchdog.hpp"
#include "protocol/backend.hpp"
#include "protocol/frontend.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"
#include "wire/message_channel.hpp"

namespace pgw::proxy {
namespace {

constexpr std::size_t kMaxControlReply = 1024 * 1024;

void close_with_terminate(pool::ServerConnection& connection) {
  // Terminate first, so the server ends the backend without logging an unexpected EOF.
  static constexpr std::uint8_t kTerminate[] = {'X', 0, 0, 0, 4};
  ::send(connection.stream().native_handle(), kTerminate, sizeof kTerminate,
         MSG_DONTWAIT | MSG_NOSIGNAL);
  connection.stream().close();
}

}  // namespace

net::awaitable<void> ClientSession::release_servers(bool active_clean) {
  if (client_key_) context_.cancels().set_target(*client_key_, std::nullopt);
  auto slots = std::move(slots_);
  ServerSlot* was_active = active_;
  active_ = nullptr;
  for (auto& slot : slots) {
    auto& connection = *slot->connection;
    // Only the active connection can be mid-request; the others are idle between uses.
    bool clean = (slot.get() != was_active || active_clean) && connection.buffer().empty() &&
                 connection.status == pool::ServerTxnStatus::kIdle;
    if (clean && co_await reset_server(connection)) {
      slot->pool->give_back(std::move(slot->connection));
      continue;
    }
    close_with_terminate(connection);
    slot->connection.reset();
    slot->pool->discard();
  }
}

net::awaitable<bool> ClientSession::reset_server(pool::ServerConnection& server) {
  if (server.status != pool::ServerTxnStatus::kIdle) co_return false;
  const auto& pool_config = context_.config().pool;
  if (pool_config.reset_query.empty()) co_return true;
  protocol::Bytes query;
  protocol::encode(protocol::Query{pool_config.reset_query}, query);
  auto* target = &server;
  net::Watchdog watchdog(server.executor(), pool_config.server_login_timeout,
                         [target] { target->stream().close(); });
  wire::MessageChannel channel(server.stream(), server.buffer());
  if (!co_await channel.send(query)) co_return false;
  bool failed = false;
  for (;;) {
    auto frame = co_await channel.read_message(kMaxControlReply);
    if (!frame) co_return false;
    if (frame->type == 'E') failed = true;
    if (frame->type == 'S') {
      auto message = protocol::decode_backend('S', frame->body);
      if (message) {
        const auto& ps = std::get<protocol::ParameterStatus>(*message);
        server.parameters.set(ps.name, ps.value);
      }
    }
    if (frame->type == 'Z') {
      bool idle = frame->body.size() == 1 && frame->body[0] == 'I';
      co_return !failed && idle && !watchdog.expired();
    }
  }
}

}  // namespace pgw::proxy
