#include "auth/scram_client.hpp"

#include <charconv>

#include "auth/saslprep.hpp"
#include "auth/scram_message.hpp"
#include "auth/scram_secret.hpp"
#include "auth/scram_server.hpp"
#include "common/base64.hpp"

namespace pgw::auth {
namespace {

using detail::AttributeReader;
using detail::malformed;

constexpr std::size_t kClientNonceBytes = 24;
constexpr std::string_view kEndPointHeader = "p=tls-server-end-point,,";

Unexpected<ScramFailure> failure(ScramFailureKind kind, std::string message) {
  return {ScramFailure{kind, std::move(message)}};
}

// A decimal iteration count in 1..max; refused before any arithmetic can overflow.
std::optional<std::uint32_t> parse_iterations(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  std::uint64_t limit = std::min<std::uint64_t>(max, kScramMaxStoredIterations);
  if (value < 1 || value > limit) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

ScramFailureKind kind_of_server_error(std::string_view error) {
  if (error == "invalid-proof" || error == "unknown-user") return ScramFailureKind::kWrongPassword;
  if (error.find("channel-binding") != std::string_view::npos) {
    return ScramFailureKind::kChannelBinding;
  }
  return ScramFailureKind::kUnsupported;
}

}  // namespace

ScramClientExchange::ScramClientExchange(std::optional<std::string> password, Key32 client_key,
                                         Key32 server_key, RandomSource& random,
                                         ScramClientOptions options)
    : password_(std::move(password)),
      client_key_(client_key),
      server_key_(server_key),
      options_(std::move(options)) {
  if (options_.fixed_nonce) {
    client_nonce_ = *options_.fixed_nonce;
  } else {
    std::array<std::uint8_t, kClientNonceBytes> raw{};
    random.fill(raw);
    client_nonce_ = base64_encode(raw);
  }
}

ScramClientExchange ScramClientExchange::with_password(std::string password, RandomSource& random,
                                                       ScramClientOptions options) {
  return ScramClientExchange(std::move(password), {}, {}, random, std::move(options));
}

ScramClientExchange ScramClientExchange::with_keys(Key32 client_key, Key32 server_key,
                                                   RandomSource& random,
                                                   ScramClientOptions options) {
  return ScramClientExchange(std::nullopt, client_key, server_key, random, std::move(options));
}

ScramClientExchange::ScramClientExchange(ScramClientExchange&&) noexcept = default;
ScramClientExchange& ScramClientExchange::operator=(ScramClientExchange&&) noexcept = default;

ScramClientExchange::~ScramClientExchange() {
  if (password_) detail::wipe(*password_);
  detail::wipe(client_key_);
  detail::wipe(server_key_);
}

std::string_view ScramClientExchange::mechanism() const {
  return options_.tls_end_point.empty() ? kScramSha256 : kScramSha256Plus;
}

std::string ScramClientExchange::gs2_header() const {
  return options_.tls_end_point.empty() ? "n,," : std::string(kEndPointHeader);
}

std::string ScramClientExchange::channel_binding_value() const {
  std::string input = gs2_header();
  input.append(options_.tls_end_point.begin(), options_.tls_end_point.end());
  return base64_encode(input);
}

std::string ScramClientExchange::client_first_message() {
  if (state_ == State::kInit) {
    client_first_bare_ = "n=" + options_.sasl_user + ",r=" + client_nonce_;
    state_ = State::kFirstSent;
  }
  return gs2_header() + client_first_bare_;
}

void ScramClientExchange::derive_keys(std::span<const std::uint8_t> salt,
                                      std::uint32_t iterations) {
  if (!password_) return;  // pass-through: keys given
  auto prepared = saslprep(*password_);
  Key32 salted = detail::pbkdf2_sha256(prepared.password, salt, iterations);
  detail::wipe(prepared.password);
  client_key_ = detail::scram_client_key(salted);
  server_key_ = detail::scram_server_key(salted);
  detail::wipe(salted);
}

Expected<std::string, ScramFailure> ScramClientExchange::on_server_first(
    std::string_view server_first_message, std::uint32_t max_iterations) {
  if (state_ != State::kFirstSent) {
    state_ = State::kFailed;
    return malformed("server-first-message before client-first-message or after it was handled");
  }
  state_ = State::kFailed;
  auto parsed = parse_server_first(server_first_message, max_iterations);
  if (!parsed) return unexpected(parsed.error());
  derive_keys(parsed->salt, parsed->iterations);
  std::string without_proof = "c=" + channel_binding_value() + ",r=" + std::string(parsed->nonce);
  std::string auth_message =
      client_first_bare_ + "," + std::string(server_first_message) + "," + without_proof;
  Key32 stored_key = detail::sha256(client_key_);
  Key32 proof = detail::xor_keys(client_key_, detail::hmac_sha256(stored_key, auth_message));
  expected_server_signature_ = detail::hmac_sha256(server_key_, auth_message);
  state_ = State::kFinalSent;
  return without_proof + ",p=" + base64_encode(proof);
}

// server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
Expected<ScramClientExchange::ServerFirst, ScramFailure> ScramClientExchange::parse_server_first(
    std::string_view server_first_message, std::uint32_t max_iterations) const {
  if (auto bad = detail::check_message_bytes(server_first_message)) return unexpected(*bad);
  AttributeReader reader(server_first_message);
  if (reader.peek() == 'm') {
    return failure(ScramFailureKind::kUnsupported,
                   "server requires an unsupported SCRAM extension");
  }
  auto nonce = reader.read('r');
  if (!nonce) return unexpected(nonce.error());
  if (nonce->size() > kMaxServerNonceLength) {
    return malformed("server nonce longer than " + std::to_string(kMaxServerNonceLength));
  }
  if (nonce->size() < client_nonce_.size() ||
      !detail::constant_time_equal(nonce->substr(0, client_nonce_.size()), client_nonce_)) {
    return malformed("server nonce does not start with the client nonce");
  }
  if (!detail::is_printable(*nonce)) return malformed("non-printable characters in SCRAM nonce");
  auto salt_text = reader.read('s');
  if (!salt_text) return unexpected(salt_text.error());
  auto salt = base64_decode(*salt_text);
  if (!salt || salt->empty()) return malformed("invalid salt");
  auto iterations_text = reader.read('i');
  if (!iterations_text) return unexpected(iterations_text.error());
  auto iterations = parse_iterations(*iterations_text, max_iterations);
  if (!iterations) {
    return malformed("invalid iteration count \"" + detail::sanitize(*iterations_text) +
                     "\" (accepted: 1.." + std::to_string(max_iterations) + ")");
  }
  while (!reader.at_end()) {  // optional extensions, ignored
    auto ext = reader.read_any();
    if (!ext) return unexpected(ext.error());
  }
  return ServerFirst{*nonce, std::move(*salt), *iterations};
}

Expected<void, ScramFailure> ScramClientExchange::on_server_final(
    std::string_view server_final_message) {
  if (state_ != State::kFinalSent) {
    state_ = State::kFailed;
    return malformed("server-final-message at this point of the exchange");
  }
  state_ = State::kFailed;
  if (auto bad = detail::check_message_bytes(server_final_message)) return unexpected(*bad);
  AttributeReader reader(server_final_message);
  if (reader.peek() == 'e') {
    auto error = reader.read('e');
    if (!error) return unexpected(error.error());
    return failure(kind_of_server_error(*error),
                   "error received from server in SCRAM exchange: " + detail::sanitize(*error));
  }
  auto verifier = reader.read('v');
  if (!verifier) return unexpected(verifier.error());
  while (!reader.at_end()) {  // optional extensions, ignored
    auto ext = reader.read_any();
    if (!ext) return unexpected(ext.error());
  }
  auto signature = base64_decode(*verifier);
  if (!signature || signature->size() != Key32{}.size()) {
    return malformed("invalid server signature");
  }
  if (!detail::constant_time_equal(*signature, expected_server_signature_)) {
    return failure(ScramFailureKind::kWrongPassword,
                   "server signature does not match: the server does not know the password");
  }
  state_ = State::kSucceeded;
  return {};
}

}  // namespace pgw::auth
