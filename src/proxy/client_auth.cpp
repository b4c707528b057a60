#include <openssl/crypto.h>

#include "auth/md5.hpp"
#include "auth/scram.hpp"
#include "common/byte_view.hpp"
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
using auth::SecretKind;

/// PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: no authentication message may be longer.
constexpr std::size_t kMaxAuthMessage = 65535;

std::shared_ptr<spdlog::logger>& logger() {
  static auto l = log::get("auth");
  return l;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// Whether `password` is the one `secret` was made from.
bool password_matches(const auth::UserSecret& secret, std::string_view user,
                      std::string_view password) {
  switch (secret.kind) {
    case SecretKind::kPlain:
      return equal_constant_time(secret.text, password);
    case SecretKind::kMd5:
      return equal_constant_time(secret.text, auth::md5_password_secret(user, password));
    case SecretKind::kScramSha256: {
      const auto& stored = *secret.scram;
      auto derived = auth::ScramSecret::from_password(password, stored.salt, stored.iterations);
      return CRYPTO_memcmp(derived.stored_key.data(), stored.stored_key.data(), 32) == 0 &&
             CRYPTO_memcmp(derived.server_key.data(), stored.server_key.data(), 32) == 0;
    }
  }
  return false;
}

std::string host_for_message(const net::PeerAddress& peer) {
  return peer.is_unix ? "[local]" : peer.ip;
}

}  // namespace

net::awaitable<std::optional<protocol::Frame>> ClientSession::read_auth_message(
    wire::MessageChannel& channel) {
  auto frame = co_await channel.read_message(kMaxAuthMessage);
  if (!frame) {
    if (!end_) end_ = SessionEnd::kClientClosed;
    co_return std::nullopt;
  }
  if (frame->type != 'p') {
    context_.counters().protocol_errors++;
    std::string got = frame->type == 'X' ? "Terminate" : std::string(1, frame->type);
    co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                        "expected password response, got message type " + got,
                        SessionEnd::kProtocolError);
    co_return std::nullopt;
  }
  co_return *frame;
}

net::awaitable<bool> ClientSession::check_client_certificate(const auth::HbaRule& rule,
                                                             const AuthData& auth_data,
                                                             bool check_name) {
  auto name = client_.verified_peer_common_name();
  if (!name) {
    context_.counters().auth_failures++;
    co_await send_error(protocol::Severity::kFatal, sqlstate::kInvalidAuthorizationSpecification,
                        "connection requires a valid client certificate", SessionEnd::kAuthFailed);
    co_return false;
  }
  if (!check_name) co_return true;
  bool allowed = *name == user_;
  if (auto map = rule.options.find("map"); map != rule.options.end()) {
    allowed = auth_data.ident.allows(map->second, *name, user_);
  }
  if (allowed) co_return true;
  context_.counters().auth_failures++;
  logger()->warn(
      "session {} from {}: certificate common name \"{}\" may not log in as \"{}\" "
      "(pg_hba.conf line {})",
      id_, peer_.to_string(), *name, user_, rule.line);
  co_await send_error(protocol::Severity::kFatal, sqlstate::kInvalidAuthorizationSpecification,
                      "certificate authentication failed for user \"" + user_ + "\"",
                      SessionEnd::kAuthFailed);
  co_return false;
}

net::awaitable<bool> ClientSession::refuse_scram(const auth::ScramFailure& failure) {
  if (failure.kind == auth::ScramFailureKind::kWrongPassword) co_return false;
  logger()->warn("session {} from {}: SCRAM exchange refused: {}", id_, peer_.to_string(),
                 failure.message);
  co_await send_error(protocol::Severity::kFatal,
                      failure.kind == auth::ScramFailureKind::kChannelBinding
                          ? sqlstate::kInvalidAuthorizationSpecification
                          : sqlstate::kProtocolViolation,
                      failure.message, SessionEnd::kAuthFailed);
  co_return false;
}

net::awaitable<bool> ClientSession::authenticate() {
  auto auth_data = context_.auth_data();
  auth::ClientInfo client{peer_.is_unix, client_.is_tls(), std::nullopt, database_, user_};
  if (!peer_.is_unix) client.address = auth::IpAddress::parse(peer_.ip);
  const auth::HbaRule* rule = auth_data->hba.match(client);
  std::string who = "host \"" + host_for_message(peer_) + "\", user \"" + user_ +
                    "\", database \"" + database_ + "\", " +
                    (client_.is_tls() ? "SSL encryption" : "no encryption");
  if (rule == nullptr) {
    context_.counters().auth_failures++;
    co_await send_error(protocol::Severity::kFatal, sqlstate::kInvalidAuthorizationSpecification,
                        "no pg_hba.conf entry for " + who, SessionEnd::kAuthFailed);
    co_return false;
  }
  if (rule->method == auth::AuthMethod::kReject) {
    context_.counters().auth_failures++;
    co_await send_error(protocol::Severity::kFatal, sqlstate::kInvalidAuthorizationSpecification,
                        "pg_hba.conf rejects connection for " + who, SessionEnd::kAuthFailed);
    co_return false;
  }
  const auth::UserSecret* secret = auth_data->passwords.find(user_);
  // clientcert= on any rule: a verified certificate is required besides the method.
  if (auto it = rule->options.find("clientcert");
      it != rule->options.end() && rule->method != auth::AuthMethod::kCert) {
    if (!co_await check_client_certificate(*rule, *auth_data, it->second == "verify-full")) {
      co_return false;
    }
  }
  bool ok = false;
  switch (rule->method) {
    case auth::AuthMethod::kTrust:
      ok = true;
      break;
    case auth::AuthMethod::kPassword:
      ok = co_await authenticate_cleartext(secret);
      break;
    case auth::AuthMethod::kMd5:
      // As in PostgreSQL, "md5" upgrades to SCRAM when the stored secret is a SCRAM one.
      if (secret != nullptr && secret->kind == SecretKind::kScramSha256) {
        ok = co_await authenticate_scram(secret);
      } else {
        ok = co_await authenticate_md5(secret);
      }
      break;
    case auth::AuthMethod::kScramSha256:
      ok = co_await authenticate_scram(secret);
      break;
    case auth::AuthMethod::kCert:
      if (!co_await check_client_certificate(*rule, *auth_data, true)) co_return false;
      ok = true;
      break;
    case auth::AuthMethod::kReject:
      break;
  }
  if (!ok) {
    if (end_) co_return false;  // the client left or broke the protocol
    context_.counters().auth_failures++;
    logger()->warn(
        "session {} from {}: password authentication failed for user \"{}\" ({} "
        "method, pg_hba.conf line {})",
        id_, peer_.to_string(), user_, auth::to_string(rule->method), rule->line);
    co_await send_error(protocol::Severity::kFatal, sqlstate::kInvalidPassword,
                        "password authentication failed for user \"" + user_ + "\"",
                        SessionEnd::kAuthFailed);
    co_return false;
  }
  if (secret != nullptr && !server_credentials_.password) {
    // Whatever the client proved, the stored secret may still let us log in to the server.
    if (secret->kind == SecretKind::kPlain) server_credentials_.password = secret->text;
    if (secret->kind == SecretKind::kMd5) server_credentials_.md5_secret = secret->text;
  }
  protocol::Bytes ok_message;
  protocol::encode(protocol::AuthenticationOk{}, ok_message);
  co_return co_await send_to_client(ok_message);
}

net::awaitable<bool> ClientSession::authenticate_cleartext(const auth::UserSecret* secret) {
  wire::MessageChannel channel(client_, client_buffer_);
  protocol::Bytes request;
  protocol::encode(protocol::AuthenticationCleartextPassword{}, request);
  if (!co_await send_to_client(request)) co_return false;
  auto frame = co_await read_auth_message(channel);
  if (!frame) co_return false;
  auto message = protocol::decode_password_message(frame->body);
  if (!message) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                        "invalid password packet: " + message.error().message,
                        SessionEnd::kProtocolError);
    co_return false;
  }
  std::string_view password = message->password;
  if (secret == nullptr || password.empty() || !password_matches(*secret, user_, password)) {
    co_return false;
  }
  server_credentials_.password = std::string(password);
  co_return true;
}

net::awaitable<bool> ClientSession::authenticate_md5(const auth::UserSecret* secret) {
  wire::MessageChannel channel(client_, client_buffer_);
  protocol::AuthenticationMd5Password request{};
  SecureRandom::instance().fill(request.salt);
  protocol::Bytes bytes;
  protocol::encode(request, bytes);
  if (!co_await send_to_client(bytes)) co_return false;
  auto frame = co_await read_auth_message(channel);
  if (!frame) co_return false;
  auto message = protocol::decode_password_message(frame->body);
  if (!message) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                        "invalid password packet: " + message.error().message,
                        SessionEnd::kProtocolError);
    co_return false;
  }
  if (secret == nullptr || message->password.empty()) co_return false;
  std::string md5_secret = secret->kind == SecretKind::kMd5
                               ? secret->text
                               : auth::md5_password_secret(user_, secret->text);
  if (secret->kind == SecretKind::kPlain && secret->text.empty()) co_return false;
  if (!auth::md5_verify_response(md5_secret, request.salt, message->password)) co_return false;
  server_credentials_.md5_secret = md5_secret;
  co_return true;
}

net::awaitable<bool> ClientSession::authenticate_scram(const auth::UserSecret* secret) {
  wire::MessageChannel channel(client_, client_buffer_);
  auto& random = SecureRandom::instance();
  std::optional<auth::ScramSecret> scram;
  if (secret != nullptr && secret->kind == SecretKind::kScramSha256) scram = *secret->scram;
  if (secret != nullptr && secret->kind == SecretKind::kPlain && !secret->text.empty()) {
    scram = auth::ScramSecret::generate(secret->text, random);
  }
  // With no usable secret the exchange still runs (with a mock salt) and fails at the end, so
  // that a client cannot learn which users exist.
  std::vector<std::uint8_t> end_point;
  if (client_.is_tls()) {
    if (auto tls = context_.client_tls()) end_point = tls->end_point_hash();
  }
  bool has_tls = !end_point.empty();
  auth::ScramServerExchange exchange(scram, user_, random, std::move(end_point));

  auto mechanism_names = auth::ScramServerExchange::mechanisms(has_tls);
  protocol::AuthenticationSasl offer;
  for (const auto& name : mechanism_names)
    offer.mechanisms.push_back(name);
  protocol::Bytes bytes;
  protocol::encode(offer, bytes);
  if (!co_await send_to_client(bytes)) co_return false;

  auto first_frame = co_await read_auth_message(channel);
  if (!first_frame) co_return false;
  auto initial = protocol::decode_sasl_initial_response(first_frame->body);
  if (!initial || !initial->data) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                        "malformed SASL initial response", SessionEnd::kProtocolError);
    co_return false;
  }
  auto server_first = exchange.on_client_first(initial->mechanism, as_string_view(*initial->data));
  if (!server_first) co_return co_await refuse_scram(server_first.error());
  bytes.clear();
  protocol::encode(protocol::AuthenticationSaslContinue{pgw::as_bytes(*server_first)}, bytes);
  if (!co_await send_to_client(bytes)) co_return false;

  auto final_frame = co_await read_auth_message(channel);
  if (!final_frame) co_return false;
  auto response = protocol::decode_sasl_response(final_frame->body);
  if (!response) {
    co_await send_error(protocol::Severity::kFatal, sqlstate::kProtocolViolation,
                        "malformed SASL response", SessionEnd::kProtocolError);
    co_return false;
  }
  auto server_final = exchange.on_client_final(as_string_view(response->data));
  if (!server_final) co_return co_await refuse_scram(server_final.error());
  bytes.clear();
  protocol::encode(protocol::AuthenticationSaslFinal{pgw::as_bytes(*server_final)}, bytes);
  if (!co_await send_to_client(bytes)) co_return false;

  if (secret->kind == SecretKind::kPlain) {
    server_credentials_.password = secret->text;
  } else if (auto client_key = exchange.client_key()) {
    server_credentials_.scram_keys = std::pair{*client_key, secret->scram->server_key};
  }
  co_return true;
}

}  // namespace pgw::proxy
