#include "admin/pool_nodes.hpp"
#include "admin/result_encoder.hpp"
#include "common/version.hpp"
#include "protocol/backend.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"
#include "proxy/relay_state.hpp"

namespace pgw::proxy {
namespace {

protocol::TransactionStatus status_of(const ServerSlot* slot) {
  if (slot == nullptr) return protocol::TransactionStatus::kIdle;
  return static_cast<protocol::TransactionStatus>(slot->connection->status);
}

}  // namespace

net::awaitable<bool> ClientSession::answer_locally(LocalQuery query, RelayState&) {
  admin::Table table;
  if (query == LocalQuery::kPoolNodes) {
    admin::PoolNodesOptions options;
    options.session_read_node = route_.read_node;
    options.delay_in_seconds = context_.routing_policy().delay_threshold_time.count() > 0;
    table = admin::pool_nodes_table(cluster_state(), context_.node_counters(), options);
  } else {
    table = admin::pool_version_table(kVersionText);
  }
  protocol::Bytes out;
  admin::encode_result(table, "SHOW", out);
  protocol::encode(protocol::ReadyForQuery{status_of(active_)}, out);
  co_return co_await send_to_client(out);
}

net::awaitable<bool> ClientSession::answer_error(char type, std::string_view sqlstate,
                                                 std::string message, RelayState& state) {
  protocol::Bytes out;
  protocol::ErrorBuilder(protocol::Severity::kError, sqlstate, std::move(message))
      .encode_error(out);
  if (type == 'Q' || type == 'S') {
    protocol::encode(protocol::ReadyForQuery{status_of(active_)}, out);
  } else {
    state.discard_until_sync = true;
  }
  co_return co_await send_to_client(out);
}

}  // namespace pgw::proxy
