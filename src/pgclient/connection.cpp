#include "pgclient/connection.hpp"

#include <algorithm>
#include <cassert>

#include <sys/socket.h>

#include "net/watchdog.hpp"
#include "pool/server_login.hpp"
#include "protocol/frontend.hpp"
#include "protocol/sqlstate.hpp"
#include "wire/message_channel.hpp"

namespace pgw::pgclient {
namespace {

namespace sqlstate = protocol::sqlstate;
using Reply = Expected<QueryResult, QueryError>;

/// Control messages (errors, notices, ReadyForQuery) stay far below this.
constexpr std::size_t kMinMessageLimit = std::size_t{64} * 1024;

QueryError error(QueryError::Kind kind, std::string_view state, std::string message) {
  return QueryError{kind, std::string(state), std::move(message)};
}

QueryError from_login_failure(pool::LoginFailure failure) {
  using Kind = pool::LoginFailure::Kind;
  QueryError result{QueryError::Kind::kConnection, std::move(failure.sqlstate),
                    std::move(failure.message)};
  if (failure.kind == Kind::kServerError) result.kind = QueryError::Kind::kServer;
  if (failure.kind == Kind::kTimeout) result.kind = QueryError::Kind::kTimeout;
  if (failure.kind == Kind::kProtocol) result.kind = QueryError::Kind::kProtocol;
  return result;
}

/// A read that failed: the server's last ErrorResponse (a FATAL one precedes a close) says why
/// better than the socket does.
QueryError read_failure(const wire::ChannelError& failure, const ResultAssembler& assembler,
                        const pool::BackendAddress& address) {
  if (failure.kind == wire::ChannelError::Kind::kProtocol) {
    return error(QueryError::Kind::kProtocol, sqlstate::kProtocolViolation,
                 "server " + address.describe() + " sent an invalid message: " + failure.message);
  }
  if (const auto& server_error = assembler.server_error()) {
    return error(QueryError::Kind::kConnection, server_error->sqlstate, server_error->message);
  }
  return error(QueryError::Kind::kConnection, sqlstate::kConnectionFailure,
               "connection to server " + address.describe() + " lost: " + failure.message);
}

}  // namespace

net::awaitable<Expected<std::unique_ptr<Connection>, QueryError>> Connection::connect(
    net::Executor executor, ConnectOptions options) {
  pool::StartupRequest request;
  request.user = options.user;
  request.database = options.database;
  request.parameters.emplace_back("application_name", options.application_name);
  pool::ServerCredentials credentials;
  credentials.password = std::move(options.password);
  pool::LoginTimeouts timeouts;
  timeouts.connect = options.connect_timeout;
  timeouts.login = options.login_timeout;
  auto login = co_await pool::login_to_server(executor, std::move(options.address),
                                              std::move(request), std::move(credentials), timeouts);
  if (!login) co_return unexpected(from_login_failure(std::move(login.error())));
  co_return std::unique_ptr<Connection>(
      new Connection(std::move(*login), options.max_result_bytes));
}

Connection::Connection(std::unique_ptr<pool::ServerConnection> server, std::size_t max_result_bytes)
    : server_(std::move(server)), max_result_bytes_(max_result_bytes) {}

Connection::~Connection() {
  close();
}

bool Connection::is_open() const {
  return server_->stream().is_open();
}

void Connection::close() {
  auto& stream = server_->stream();
  if (!stream.is_open()) return;
  if (!busy_) {
    // Terminate first, so the server ends the backend without logging an unexpected EOF. Only
    // between queries: mid-write it would corrupt the message being sent.
    static constexpr std::uint8_t kTerminate[] = {'X', 0, 0, 0, 4};
    ::send(stream.native_handle(), kTerminate, sizeof kTerminate, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  stream.close();
}

net::awaitable<Reply> Connection::query(std::string sql, std::chrono::milliseconds timeout) {
  if (!is_open()) {
    co_return unexpected(
        error(QueryError::Kind::kConnection, sqlstate::kConnectionDoesNotExist,
              "connection to server " + server_->address().describe() + " is closed"));
  }
  if (sql.find('\0') != std::string::npos) {
    co_return unexpected(error(QueryError::Kind::kProtocol, sqlstate::kProtocolViolation,
                               "query text contains a NUL byte"));
  }
  assert(!busy_ && "one query at a time per connection");
  busy_ = true;
  auto* server = server_.get();
  net::Watchdog watchdog(server->executor(), timeout, [server] { server->stream().close(); });
  protocol::Bytes packet;
  protocol::encode(protocol::Query{sql}, packet);
  Reply reply = QueryResult{};
  {
    wire::MessageChannel channel(server->stream(), server->buffer());
    auto sent = co_await channel.send(packet);
    if (sent) {
      reply = co_await read_reply();
    } else {
      reply = unexpected(error(QueryError::Kind::kConnection, sqlstate::kConnectionFailure,
                               "connection to server " + server->address().describe() +
                                   " lost: " + sent.error().message));
    }
  }
  busy_ = false;
  if (watchdog.expired()) {
    close();
    co_return unexpected(error(QueryError::Kind::kTimeout, sqlstate::kQueryCanceled,
                               "query to server " + server->address().describe() +
                                   " did not finish within " + std::to_string(timeout.count()) +
                                   " ms"));
  }
  if (!reply && reply.error().kind != QueryError::Kind::kServer) close();
  co_return reply;
}

net::awaitable<Reply> Connection::read_reply() {
  ResultAssembler assembler(max_result_bytes_);
  wire::MessageChannel channel(server_->stream(), server_->buffer());
  const std::size_t limit = std::max(max_result_bytes_, kMinMessageLimit);
  for (;;) {
    auto frame = co_await channel.read_message(limit);
    if (!frame) co_return unexpected(read_failure(frame.error(), assembler, server_->address()));
    auto message = protocol::decode_backend(frame->type, frame->body);
    if (!message) {
      co_return unexpected(
          error(QueryError::Kind::kProtocol, sqlstate::kProtocolViolation,
                "server " + server_->address().describe() + " sent " + message.error().message));
    }
    if (const auto* ps = std::get_if<protocol::ParameterStatus>(&*message))
      server_->parameters.set(ps->name, ps->value);
    auto step = assembler.on_message(*message);
    if (step == ResultAssembler::Step::kContinue) continue;
    if (auto status = assembler.transaction_status())
      server_->status = static_cast<pool::ServerTxnStatus>(*status);
    co_return assembler.take();
  }
}

}  // namespace pgw::pgclient
