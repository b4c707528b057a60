#include "pool/server_login.hpp"

#include <atomic>

#include "auth/md5.hpp"
#include "common/byte_view.hpp"
#include "net/watchdog.hpp"
#include "protocol/backend.hpp"
#include "protocol/frontend.hpp"
#include "protocol/sqlstate.hpp"
#include "protocol/startup.hpp"
#include "wire/message_channel.hpp"

namespace pgw::pool {
namespace {

namespace sqlstate = protocol::sqlstate;
using Login = Expected<std::unique_ptr<ServerConnection>, LoginFailure>;

/// Server messages during login are small; anything bigger is a broken or hostile server.
constexpr std::size_t kMaxLoginMessage = 64 * 1024;

std::atomic<std::uint64_t> next_connection_id{1};

LoginFailure failure(LoginFailure::Kind kind, std::string_view state, std::string message) {
  return LoginFailure{kind, std::string(state), std::move(message), {}};
}

Result<net::asio::generic::stream_protocol::endpoint> numeric_endpoint(
    const BackendAddress& address) {
  if (!address.host.empty() && address.host.front() == '/') {
    auto path = address.host + "/.s.PGSQL." + std::to_string(address.port);
    return net::asio::generic::stream_protocol::endpoint(
        net::asio::local::stream_protocol::endpoint(path));
  }
  net::error_code ec;
  auto ip = net::asio::ip::make_address(address.host, ec);
  if (ec) return fail("not numeric");
  return net::asio::generic::stream_protocol::endpoint(
      net::asio::ip::tcp::endpoint(ip, address.port));
}

/// Runs the authentication exchange the server asks for. Keeps the SCRAM state between
/// messages; every method the server may pick is answered from `credentials` or refused.
class ServerAuthenticator {
 public:
  ServerAuthenticator(const ServerCredentials& credentials, const BackendAddress& address,
                      const std::string& user, std::vector<std::uint8_t> tls_end_point)
      : credentials_(credentials),
        address_(address),
        user_(user),
        tls_end_point_(std::move(tls_end_point)) {}

  /// Handles one Authentication message; appends the reply (if any) to `reply`.
  Expected<void, LoginFailure> on_request(const protocol::BackendMessage& message,
                                          protocol::Bytes& reply);

 private:
  LoginFailure missing(std::string_view method) const {
    return failure(LoginFailure::Kind::kAuth, sqlstate::kInvalidAuthorizationSpecification,
                   "pgwarden cannot authenticate to server " + address_.describe() + " as user \"" +
                       user_ + "\": the server asks for " + std::string(method) +
                       " and the passwords file holds no usable secret for it");
  }

  const ServerCredentials& credentials_;
  const BackendAddress& address_;
  const std::string& user_;
  /// The server certificate's channel-binding data when the connection is TLS.
  std::vector<std::uint8_t> tls_end_point_;
  std::optional<auth::ScramClientExchange> scram_;
};

Expected<void, LoginFailure> ServerAuthenticator::on_request(
    const protocol::BackendMessage& message, protocol::Bytes& reply) {
  using namespace protocol;
  if (std::holds_alternative<AuthenticationOk>(message)) return {};
  if (std::holds_alternative<AuthenticationCleartextPassword>(message)) {
    if (!credentials_.password) return unexpected(missing("a cleartext password"));
    encode(PasswordMessage{*credentials_.password}, reply);
    return {};
  }
  if (const auto* md5 = std::get_if<AuthenticationMd5Password>(&message)) {
    std::string secret = credentials_.md5_secret ? *credentials_.md5_secret
                         : credentials_.password
                             ? auth::md5_password_secret(user_, *credentials_.password)
                             : std::string();
    if (secret.empty()) return unexpected(missing("md5"));
    encode(PasswordMessage{auth::md5_salted_response(secret, md5->salt)}, reply);
    return {};
  }
  if (const auto* sasl = std::get_if<AuthenticationSasl>(&message)) {
    bool offered = false;
    for (auto mechanism : sasl->mechanisms)
      offered |= mechanism == "SCRAM-SHA-256";
    if (!offered) return unexpected(missing("a SASL mechanism other than SCRAM-SHA-256"));
    auto& random = SecureRandom::instance();
    if (credentials_.password) {
      scram_.emplace(auth::ScramClientExchange::with_password(*credentials_.password, random));
    } else if (credentials_.scram_keys) {
      scram_.emplace(auth::ScramClientExchange::with_keys(credentials_.scram_keys->first,
                                                          credentials_.scram_keys->second, random));
    } else {
      return unexpected(missing("SCRAM-SHA-256"));
    }
    auto first = scram_->client_first_message();
    encode(SaslInitialResponse{"SCRAM-SHA-256", pgw::as_bytes(first)}, reply);
    return {};
  }
  if (const auto* cont = std::get_if<AuthenticationSaslContinue>(&message)) {
    if (!scram_)
      return unexpected(failure(LoginFailure::Kind::kProtocol, sqlstate::kProtocolViolation,
                                "unexpected SASLContinue"));
    auto final_message = scram_->on_server_first(as_string_view(cont->data));
    if (!final_message) {
      return unexpected(failure(LoginFailure::Kind::kAuth,
                                sqlstate::kInvalidAuthorizationSpecification,
                                "SCRAM exchange with server " + address_.describe() +
                                    " failed: " + final_message.error().message));
    }
    encode(SaslResponse{pgw::as_bytes(*final_message)}, reply);
    return {};
  }
  if (const auto* fin = std::get_if<AuthenticationSaslFinal>(&message)) {
    if (!scram_)
      return unexpected(failure(LoginFailure::Kind::kProtocol, sqlstate::kProtocolViolation,
                                "unexpected SASLFinal"));
    auto verified = scram_->on_server_final(as_string_view(fin->data));
    if (!verified) {
      return unexpected(failure(LoginFailure::Kind::kAuth,
                                sqlstate::kInvalidAuthorizationSpecification,
                                "server " + address_.describe() +
                                    " failed SCRAM verification: " + verified.error().message));
    }
    return {};
  }
  if (const auto* other = std::get_if<AuthenticationOther>(&message)) {
    return unexpected(missing("authentication method code " + std::to_string(other->code)));
  }
  return unexpected(failure(LoginFailure::Kind::kProtocol, sqlstate::kProtocolViolation,
                            "unexpected message during authentication"));
}

/// Reads messages until ReadyForQuery, answering authentication requests.
net::awaitable<Expected<void, LoginFailure>> run_login(wire::MessageChannel& channel,
                                                       ServerConnection& connection,
                                                       ServerAuthenticator& authenticator) {
  using namespace protocol;
  for (;;) {
    auto frame = co_await channel.read_message(kMaxLoginMessage);
    if (!frame) {
      co_return unexpected(
          failure(LoginFailure::Kind::kConnect, sqlstate::kConnectionFailure,
                  "server " + connection.address().describe() +
                      " closed the connection during login: " + frame.error().message));
    }
    if (frame->type == 'E') {
      LoginFailure f = failure(LoginFailure::Kind::kServerError, "", "");
      auto decoded = decode_backend('E', frame->body);
      if (decoded) {
        const auto& fields = std::get<ErrorResponse>(*decoded).fields;
        f.sqlstate = std::string(fields.sqlstate());
        f.message = std::string(fields.message());
      }
      // The whole message, header included, is relayed to the client as is.
      const auto* start = frame->body.data() - 5;
      f.server_error.assign(start, start + frame->size);
      co_return unexpected(std::move(f));
    }
    auto message = decode_backend(frame->type, frame->body);
    if (!message) {
      co_return unexpected(failure(
          LoginFailure::Kind::kProtocol, sqlstate::kProtocolViolation,
          "server " + connection.address().describe() + " sent " + message.error().message));
    }
    if (frame->type == 'R') {
      Bytes reply;
      auto handled = authenticator.on_request(*message, reply);
      if (!handled) co_return unexpected(handled.error());
      if (!reply.empty()) {
        auto sent = co_await channel.send(reply);
        if (!sent) {
          co_return unexpected(failure(
              LoginFailure::Kind::kConnect, sqlstate::kConnectionFailure,
              "server " + connection.address().describe() + " closed the connection during login"));
        }
      }
    } else if (const auto* ps = std::get_if<ParameterStatus>(&*message)) {
      connection.parameters.set(ps->name, ps->value);
    } else if (const auto* key = std::get_if<BackendKeyData>(&*message)) {
      connection.process_id = key->process_id;
      connection.secret_key = key->secret_key;
    } else if (const auto* ready = std::get_if<ReadyForQuery>(&*message)) {
      connection.status = static_cast<ServerTxnStatus>(ready->status);
      co_return Expected<void, LoginFailure>{};
    }
    // NoticeResponse and NegotiateProtocolVersion need no answer.
  }
}

}  // namespace

net::awaitable<Expected<net::Socket, ConnectFailure>> connect_to(
    net::Executor executor, const BackendAddress& address, std::chrono::milliseconds timeout) {
  net::Socket socket(executor);
  std::vector<net::asio::generic::stream_protocol::endpoint> endpoints;
  if (auto numeric = numeric_endpoint(address)) {
    endpoints.push_back(*numeric);
  } else {
    net::asio::ip::tcp::resolver resolver(executor);
    net::error_code ec;
    auto results = co_await resolver.async_resolve(address.host, std::to_string(address.port),
                                                   net::use_awaitable_ec(ec));
    if (ec) {
      co_return unexpected(
          ConnectFailure{"cannot resolve \"" + address.host + "\": " + ec.message()});
    }
    for (const auto& entry : results)
      endpoints.emplace_back(entry.endpoint());
  }
  ConnectFailure last_error{"no address"};
  for (const auto& endpoint : endpoints) {
    net::error_code ec;
    socket = net::Socket(executor);
    net::Watchdog watchdog(executor, timeout, [&socket] {
      net::error_code ignored;
      socket.close(ignored);
    });
    co_await socket.async_connect(endpoint, net::use_awaitable_ec(ec));
    if (!ec && socket.is_open()) {
      net::tune_socket(socket);
      co_return std::move(socket);
    }
    last_error =
        watchdog.expired()
            ? ConnectFailure{"timed out after " + std::to_string(timeout.count()) + " ms", true}
            : ConnectFailure{ec.message()};
  }
  co_return unexpected(last_error);
}

/// Asks the server for TLS (SSLRequest) and performs the handshake when it agrees. A server
/// that answers anything but 'S' or 'N', or sends bytes after its 'S' before the handshake, is
/// dropped without relaying a word of it (CVE-2021-23222: a man in the middle could otherwise
/// inject responses ahead of the encrypted stream).
net::awaitable<Expected<void, LoginFailure>> negotiate_tls(ServerConnection& connection) {
  const auto& address = connection.address();
  protocol::Bytes request;
  protocol::encode(protocol::SslRequest{}, request);
  auto& stream = connection.stream();
  if (auto ec = co_await stream.write_all(request)) {
    co_return unexpected(failure(LoginFailure::Kind::kConnect, sqlstate::kConnectionFailure,
                                 "server " + address.describe() + " closed the connection"));
  }
  std::uint8_t answer = 0;
  if (auto ec = co_await stream.read_exact({&answer, 1})) {
    co_return unexpected(
        failure(LoginFailure::Kind::kConnect, sqlstate::kConnectionFailure,
                "server " + address.describe() + " closed the connection after the SSL request"));
  }
  if (answer == 'N') {
    if (!address.tls_required) co_return Expected<void, LoginFailure>{};
    co_return unexpected(failure(
        LoginFailure::Kind::kConnect, sqlstate::kSqlclientUnableToEstablishSqlconnection,
        "server " + address.describe() + " does not support TLS, which its tls setting requires"));
  }
  if (answer != 'S') {
    co_return unexpected(failure(LoginFailure::Kind::kProtocol, sqlstate::kProtocolViolation,
                                 "server " + address.describe() +
                                     " answered the SSL request with something other than S or "
                                     "N; dropped it"));
  }
  if (stream.has_pending_input_or_eof()) {
    co_return unexpected(failure(LoginFailure::Kind::kProtocol, sqlstate::kProtocolViolation,
                                 "server " + address.describe() +
                                     " sent unencrypted data after agreeing to TLS; dropped it"));
  }
  auto handshake = co_await stream.connect_tls(address.tls, address.host);
  if (!handshake) {
    co_return unexpected(
        failure(LoginFailure::Kind::kConnect, sqlstate::kSqlclientUnableToEstablishSqlconnection,
                "TLS with server " + address.describe() + " failed: " + handshake.error().message));
  }
  co_return Expected<void, LoginFailure>{};
}

net::awaitable<Login> login_to_server(net::Executor executor, BackendAddress address,
                                      StartupRequest request, ServerCredentials credentials,
                                      LoginTimeouts timeouts) {
  auto socket = co_await connect_to(executor, address, timeouts.connect);
  if (!socket) {
    auto refused =
        failure(LoginFailure::Kind::kConnect, sqlstate::kSqlclientUnableToEstablishSqlconnection,
                "cannot connect to server " + address.describe() + ": " + socket.error().message);
    // Refused or unreachable at once, not timed out: a caller that tries again does not
    // wait a whole connect timeout more each time.
    refused.no_connection = !socket.error().timed_out;
    co_return unexpected(std::move(refused));
  }
  auto connection = std::make_unique<ServerConnection>(net::Stream(std::move(*socket)),
                                                       std::move(address), next_connection_id++);
  connection->created_at = std::chrono::steady_clock::now();
  net::Watchdog watchdog(executor, timeouts.login, [&connection] { connection->stream().close(); });

  protocol::StartupMessage startup;
  startup.parameters.emplace_back("user", request.user);
  startup.parameters.emplace_back("database", request.database);
  for (auto& parameter : request.parameters)
    startup.parameters.push_back(parameter);
  protocol::Bytes packet;
  protocol::encode(startup, packet);

  Expected<void, LoginFailure> result{};
  if (connection->address().tls) result = co_await negotiate_tls(*connection);
  if (!result) {
    if (watchdog.expired()) {
      co_return unexpected(failure(LoginFailure::Kind::kTimeout, sqlstate::kConnectionFailure,
                                   "TLS with server " + connection->address().describe() +
                                       " did not finish within " +
                                       std::to_string(timeouts.login.count()) + " ms"));
    }
    co_return unexpected(result.error());
  }
  wire::MessageChannel channel(connection->stream(), connection->buffer());
  auto sent = co_await channel.send(packet);
  if (!sent) {
    result = unexpected(
        failure(LoginFailure::Kind::kConnect, sqlstate::kConnectionFailure,
                "server " + connection->address().describe() + " closed the connection"));
  } else {
    ServerAuthenticator authenticator(credentials, connection->address(), request.user,
                                      connection->stream().peer_end_point_hash());
    result = co_await run_login(channel, *connection, authenticator);
  }
  if (watchdog.expired()) {
    co_return unexpected(failure(LoginFailure::Kind::kTimeout, sqlstate::kConnectionFailure,
                                 "login to server " + connection->address().describe() +
                                     " did not finish within " +
                                     std::to_string(timeouts.login.count()) + " ms"));
  }
  if (!result) co_return unexpected(result.error());
  co_return std::move(connection);
}

}  // namespace pgw::pool
