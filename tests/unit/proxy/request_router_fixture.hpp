#pragma once
// A RequestRouter over a real Classifier and FunctionCatalog, a primary (node 0, weight 1) and
// two standbys (nodes 1 and 2, weights 2 and 1), balanced per statement so that each draw
// names its node: below 0.25 node 0, below 0.75 node 1, else node 2.

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "cluster/cluster_state.hpp"
#include "protocol/frontend.hpp"
#include "proxy/request_router.hpp"
#include "sql/classifier.hpp"
#include "sql/function_catalog.hpp"

namespace pgw::proxy::testing {

/// 64 random bits whose weight half (router.cpp's split_draw) is `fraction`.
inline std::uint64_t draw(double fraction) {
  return static_cast<std::uint64_t>(fraction * 4294967296.0);
}
inline const std::uint64_t kToPrimary = draw(0.1);
inline const std::uint64_t kToNode1 = draw(0.5);
inline const std::uint64_t kToNode2 = draw(0.9);

template <class Message>
protocol::Bytes wire(const Message& message) {
  protocol::Bytes out;
  protocol::encode(message, out);
  return out;
}

inline protocol::Bytes query(std::string_view sql) {
  return wire(protocol::Query{sql});
}
inline protocol::Bytes parse(std::string_view name, std::string_view sql) {
  return wire(protocol::Parse{name, sql, {}});
}
inline protocol::Bytes bind(std::string_view statement, std::string_view portal = "") {
  return wire(protocol::Bind{portal, statement, {}, {}, {}});
}
inline protocol::Bytes describe(char kind, std::string_view name) {
  return wire(protocol::Describe{kind, name});
}
inline protocol::Bytes execute(std::string_view portal = "") {
  return wire(protocol::Execute{portal, 0});
}
inline protocol::Bytes close(char kind, std::string_view name) {
  return wire(protocol::Close{kind, name});
}
inline protocol::Bytes sync() {
  return wire(protocol::Sync{});
}
inline protocol::Bytes flush() {
  return wire(protocol::Flush{});
}

inline cluster::NodeState up_node(std::size_t id, cluster::NodeRole role, std::uint32_t weight) {
  cluster::NodeState node;
  node.id = id;
  node.name = "node" + std::to_string(id);
  node.weight = weight;
  node.status = cluster::NodeStatus::kUp;
  node.role = role;
  node.reachable = true;
  node.wal_lsn = 1000;
  node.replay_lsn = 1000;
  node.lag_bytes = 0;
  node.lag_seconds = 0.0;
  return node;
}

inline RelayView active(std::size_t node, bool in_transaction = false) {
  RelayView view;
  view.active = node;
  view.in_transaction = in_transaction;
  return view;
}

class RequestRouterTest : public ::testing::Test {
 protected:
  RequestRouterTest() : catalog_({}, {}), classifier_(catalog_, {"to_the_primary"}) {
    catalog_.learn_builtins({{"inet_server_port", 's'}, {"now", 's'}, {"random", 'v'}});
    policy_.statement_level = true;
    state_.nodes = {up_node(0, cluster::NodeRole::kPrimary, 1),
                    up_node(1, cluster::NodeRole::kStandby, 2),
                    up_node(2, cluster::NodeRole::kStandby, 1)};
    state_.primary = 0;
  }

  RouteAction decide(const protocol::Bytes& message, const RelayView& view = {},
                     std::uint64_t random = kToNode1) {
    auto body = protocol::ByteView(message).subspan(5);
    return router_.decide(static_cast<char>(message[0]), body,
                          static_cast<std::uint32_t>(body.size()), view, state_, random);
  }
  void forwarded(const protocol::Bytes& message, std::size_t node) {
    protocol::ByteView whole(message);
    router_.forwarded(static_cast<char>(message[0]), whole.subspan(5), node, whole);
  }

  sql::FunctionCatalog catalog_;
  sql::Classifier classifier_;
  route::RoutingPolicy policy_;
  route::SessionRoute session_;
  StatementRegistry statements_;
  SessionLog log_;
  RequestRouter router_{classifier_, policy_, session_, statements_, log_};
  cluster::ClusterState state_;
};

/// Expects a kForward to `node`.
inline ::testing::AssertionResult forwards_to(const RouteAction& action, std::size_t node) {
  if (action.kind != RouteAction::Kind::kForward) {
    return ::testing::AssertionFailure()
           << "kind " << static_cast<int>(action.kind) << " (" << action.reason << ")";
  }
  if (action.node != node) return ::testing::AssertionFailure() << "node " << action.node;
  return ::testing::AssertionSuccess();
}

inline bool holds(const RouteAction& action) {
  return action.kind == RouteAction::Kind::kHold;
}

}  // namespace pgw::proxy::testing
