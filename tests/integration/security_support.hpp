#pragma once
// Helpers of security_test.cpp: reading how a login attempt ended, driving a SCRAM exchange by
// hand, an HTTP GET, and the expected outcome of each cell of the authentication matrix.

#include <chrono>
#include <optional>
#include <string>

#include "auth/scram.hpp"
#include "common/byte_view.hpp"
#include "protocol/backend.hpp"
#include "protocol/frontend.hpp"
#include "raw_client.hpp"

namespace pgw::testing {

/// Every message a connection attempt got until the proxy closed it, or ReadyForQuery came, or
/// the timeout passed.
struct Ending {
  bool authenticated = false;  ///< AuthenticationOk or ReadyForQuery came
  std::string sqlstate;        ///< of the last ErrorResponse ("" when none came)
  std::string message;
  bool closed = false;
};

inline Ending read_ending(RawClient& client, std::chrono::milliseconds timeout) {
  Ending ending;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto message = client.read_message(left);
    if (!message) {
      ending.closed = client.eof();
      break;
    }
    if (message->type == 'R') {
      auto decoded = protocol::decode_backend('R', message->body);
      if (decoded && std::holds_alternative<protocol::AuthenticationOk>(*decoded)) {
        ending.authenticated = true;
      }
    }
    if (message->type == 'E') {
      ending.sqlstate = error_sqlstate(message->body);
      ending.message = error_message(message->body);
    }
    if (message->type == 'Z') {
      ending.authenticated = true;
      break;
    }
  }
  return ending;
}

/// The authentication request code of an 'R' message, or -1.
inline int auth_code(const std::optional<RawMessage>& message) {
  if (!message || message->type != 'R' || message->body.size() < 4) return -1;
  const auto& b = message->body;
  return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
}

/// After send_startup(): expects AuthenticationSASL, sends `scram`'s client-first-message and
/// returns the server-first-message (nullopt when the proxy answered something else).
inline std::optional<std::string> begin_scram(RawClient& client, auth::ScramClientExchange& scram) {
  if (auth_code(client.read_message()) != protocol::auth_code::kSasl) return std::nullopt;
  protocol::Bytes bytes;
  auto first = scram.client_first_message();
  protocol::encode(protocol::SaslInitialResponse{"SCRAM-SHA-256", as_bytes(first)}, bytes);
  if (!client.send(bytes)) return std::nullopt;
  auto reply = client.read_message();
  if (auth_code(reply) != protocol::auth_code::kSaslContinue) return std::nullopt;
  auto decoded = protocol::decode_backend('R', reply->body);
  if (!decoded) return std::nullopt;
  auto data = std::get<protocol::AuthenticationSaslContinue>(*decoded).data;
  return std::string(as_string_view(data));
}

inline bool send_sasl_response(RawClient& client, std::string_view data) {
  protocol::Bytes bytes;
  protocol::encode(protocol::SaslResponse{as_bytes(data)}, bytes);
  return client.send(bytes);
}

/// The value of attribute `name` in a SCRAM message ("r=...,s=...,i=..."), or "".
inline std::string scram_attribute(std::string_view message, char name) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    auto end = message.find(',', pos);
    if (end == std::string_view::npos) end = message.size();
    if (end - pos >= 2 && message[pos] == name && message[pos + 1] == '=') {
      return std::string(message.substr(pos + 2, end - pos - 2));
    }
    pos = end + 1;
  }
  return "";
}

/// The body of the answer to `GET path` on 127.0.0.1:port (headers included), "" on failure.
inline std::string http_get(int port, const std::string& path) {
  auto client = RawClient::connect_tcp(port);
  if (!client) return "";
  client->send_text("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  return client->read_until_closed(std::chrono::seconds(5));
}

// ---- The authentication matrix -----------------------------------------------------------

enum class ClientMethod { kTrust, kPassword, kMd5, kScram };
enum class ServerMethod { kTrust, kMd5, kScram };
/// What the passwords file holds for the user.
enum class StoredSecret { kPlain, kMd5, kScram };

inline std::string hba_method(ClientMethod method) {
  switch (method) {
    case ClientMethod::kTrust:
      return "trust";
    case ClientMethod::kPassword:
      return "password";
    case ClientMethod::kMd5:
      return "md5";
    case ClientMethod::kScram:
      return "scram-sha-256";
  }
  return "";
}

inline std::string hba_method(ServerMethod method) {
  switch (method) {
    case ServerMethod::kTrust:
      return "trust";
    case ServerMethod::kMd5:
      return "md5";
    case ServerMethod::kScram:
      return "scram-sha-256";
  }
  return "";
}

inline std::string secret_name(StoredSecret secret) {
  switch (secret) {
    case StoredSecret::kPlain:
      return "plain";
    case StoredSecret::kMd5:
      return "md5";
    case StoredSecret::kScram:
      return "scram";
  }
  return "";
}

/// Whether a client that knows the password can authenticate to pgwarden. A SCRAM exchange
/// needs a SCRAM secret or the plain text: an md5 hash cannot verify it (mock exchange).
inline bool client_can_authenticate(ClientMethod client, StoredSecret secret) {
  return !(client == ClientMethod::kScram && secret == StoredSecret::kMd5);
}

/// Whether pgwarden can then log in to the server for that user without a pooled connection:
/// the plain text (from the client, or the passwords file) answers every method; an md5 hash
/// answers md5; the ClientKey recovered from a SCRAM exchange answers SCRAM with PostgreSQL's
/// own secret (which the matrix stores for SCRAM servers). Trust proves nothing itself.
inline bool server_login_possible(ClientMethod client, ServerMethod server, StoredSecret secret) {
  if (server == ServerMethod::kTrust) return true;
  bool plain = client == ClientMethod::kPassword || secret == StoredSecret::kPlain;
  if (plain) return true;
  if (server == ServerMethod::kMd5) return secret == StoredSecret::kMd5;
  // SCRAM server with an md5 hash: nothing; with a SCRAM secret: the keys from the client's
  // SCRAM exchange (md5 rules are upgraded to SCRAM for SCRAM secrets), not from trust.
  return secret == StoredSecret::kScram && client != ClientMethod::kTrust;
}

/// The SQLSTATE a login with the right password ends with ("" for success).
inline std::string expected_login(ClientMethod client, ServerMethod server, StoredSecret secret,
                                  bool pooled) {
  if (!client_can_authenticate(client, secret)) return "28P01";
  if (pooled || server_login_possible(client, server, secret)) return "";
  return "28000";
}

}  // namespace pgw::testing
