#include "auth/scram_server.hpp"

#include <algorithm>

#include "auth/scram_message.hpp"
#include "common/base64.hpp"

namespace pgw::auth {
namespace {

using detail::AttributeReader;
using detail::malformed;

// PostgreSQL's SCRAM_RAW_NONCE_LEN.
constexpr std::size_t kServerNonceBytes = 18;
constexpr std::string_view kEndPointType = "tls-server-end-point";
constexpr std::string_view kEndPointHeader = "p=tls-server-end-point,,";

Unexpected<ScramFailure> failure(ScramFailureKind kind, std::string message) {
  return {ScramFailure{kind, std::move(message)}};
}

const Key32& process_mock_salt_key() {
  static const Key32 kKey = [] {
    Key32 k{};
    SecureRandom::instance().fill(k);
    return k;
  }();
  return kKey;
}

}  // namespace

ScramServerExchange::ScramServerExchange(std::optional<ScramSecret> secret, std::string user,
                                         RandomSource& random,
                                         std::vector<std::uint8_t> tls_end_point)
    : ScramServerExchange(std::move(secret), std::move(user), random,
                          ScramServerOptions{std::move(tls_end_point), {}, {}}) {}

ScramServerExchange::ScramServerExchange(std::optional<ScramSecret> secret, std::string user,
                                         RandomSource& random, ScramServerOptions options)
    : user_(std::move(user)), random_(random), options_(std::move(options)) {
  if (secret) {
    secret_ = std::move(*secret);
    return;
  }
  // Mock exchange (PostgreSQL's mock_scram_secret): keys stay zero, so no proof can match.
  doomed_ = true;
  const Key32& key = options_.mock_salt_key ? *options_.mock_salt_key : process_mock_salt_key();
  secret_.salt = mock_salt(user_, key);
  secret_.iterations = kScramDefaultIterations;
}

std::vector<std::string> ScramServerExchange::mechanisms(bool has_tls) {
  if (has_tls) return {std::string(kScramSha256Plus), std::string(kScramSha256)};
  return {std::string(kScramSha256)};
}

std::vector<std::uint8_t> ScramServerExchange::mock_salt(std::string_view user, const Key32& key) {
  std::string input(user);
  input.append(key.begin(), key.end());
  Key32 digest = detail::sha256(detail::as_bytes(input));
  detail::wipe(input);
  return {digest.begin(), digest.begin() + kScramDefaultSaltLength};
}

std::optional<Key32> ScramServerExchange::client_key() const {
  if (state_ != State::kSucceeded) return std::nullopt;
  return client_key_;
}

std::string ScramServerExchange::make_server_nonce() {
  if (options_.fixed_nonce) return *options_.fixed_nonce;
  std::array<std::uint8_t, kServerNonceBytes> raw{};
  random_.fill(raw);
  return base64_encode(raw);
}

// gs2-header = gs2-cbind-flag "," [ authzid ] ","; returns the client-first-message-bare.
Expected<std::string_view, ScramFailure> ScramServerExchange::read_gs2_header(
    std::string_view message) {
  bool has_tls = !options_.tls_end_point.empty();
  AttributeReader reader(message);
  cbind_flag_ = reader.peek();
  if (cbind_flag_ == 'n' || cbind_flag_ == 'y') {
    if (binding_in_use_) {
      return failure(ScramFailureKind::kChannelBinding,
                     "the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not "
                     "include channel binding data");
    }
    if (cbind_flag_ == 'y' && has_tls) {
      return failure(ScramFailureKind::kChannelBinding,
                     "SCRAM channel binding negotiation error: the client supports channel "
                     "binding but thinks the server does not, and this server does support it");
    }
    if (message.size() < 2 || message[1] != ',') return malformed("comma expected after the flag");
    message.remove_prefix(2);
  } else if (cbind_flag_ == 'p') {
    if (!binding_in_use_) {
      return failure(ScramFailureKind::kChannelBinding,
                     "the client selected SCRAM-SHA-256 without channel binding, but the SCRAM "
                     "message includes channel binding data");
    }
    auto type = reader.read('p');
    if (!type) return unexpected(type.error());
    if (*type != kEndPointType) {
      return failure(ScramFailureKind::kChannelBinding,
                     "unsupported SCRAM channel-binding type \"" + detail::sanitize(*type) + "\"");
    }
    message.remove_prefix(reader.position());
  } else {
    return malformed("unexpected channel-binding flag");
  }
  if (!message.empty() && message[0] == 'a') {
    return failure(ScramFailureKind::kUnsupported,
                   "client uses authorization identity, but it is not supported");
  }
  if (message.empty() || message[0] != ',') return malformed("unexpected attribute in gs2 header");
  return message.substr(1);
}

Expected<std::string, ScramFailure> ScramServerExchange::on_client_first(
    std::string_view mechanism, std::string_view client_first_message) {
  if (state_ != State::kInit) {
    state_ = State::kFailed;
    return malformed("unexpected client-first-message at this point of the exchange");
  }
  state_ = State::kFailed;  // until this message is fully accepted
  if (mechanism == kScramSha256Plus) {
    if (options_.tls_end_point.empty()) {
      return failure(ScramFailureKind::kChannelBinding,
                     "client selected SCRAM-SHA-256-PLUS on a connection without TLS");
    }
    binding_in_use_ = true;
  } else if (mechanism != kScramSha256) {
    return failure(ScramFailureKind::kUnsupported,
                   "client selected an invalid SASL authentication mechanism \"" +
                       detail::sanitize(mechanism) + "\"");
  }
  if (auto bad = detail::check_message_bytes(client_first_message)) return unexpected(*bad);
  auto bare = read_gs2_header(client_first_message);
  if (!bare) return unexpected(bare.error());
  AttributeReader reader(*bare);
  if (reader.peek() == 'm') {
    return failure(ScramFailureKind::kUnsupported,
                   "client requires an unsupported SCRAM extension");
  }
  // The SASL user name (n=) is ignored: PostgreSQL uses the startup packet's user.
  auto user = reader.read('n');
  if (!user) return unexpected(user.error());
  auto nonce = reader.read('r');
  if (!nonce) return unexpected(nonce.error());
  if (!detail::is_printable(*nonce)) return malformed("non-printable characters in SCRAM nonce");
  while (!reader.at_end()) {  // optional extensions, ignored
    auto ext = reader.read_any();
    if (!ext) return unexpected(ext.error());
  }
  client_first_bare_ = std::string(*bare);
  client_nonce_ = std::string(*nonce);
  server_nonce_ = make_server_nonce();
  server_first_ = "r=" + client_nonce_ + server_nonce_ + ",s=" + base64_encode(secret_.salt) +
                  ",i=" + std::to_string(secret_.iterations);
  state_ = State::kFirstSent;
  return server_first_;
}

Expected<void, ScramFailure> ScramServerExchange::check_channel_binding(
    std::string_view c_value) const {
  if (binding_in_use_) {
    std::string input(kEndPointHeader);
    input.append(options_.tls_end_point.begin(), options_.tls_end_point.end());
    if (c_value != base64_encode(input)) {
      return failure(ScramFailureKind::kChannelBinding, "SCRAM channel binding check failed");
    }
    return {};
  }
  // "biws" is base64("n,,"), "eSws" base64("y,,"): the flag must repeat the first message's.
  if ((c_value == "biws" && cbind_flag_ == 'n') || (c_value == "eSws" && cbind_flag_ == 'y')) {
    return {};
  }
  return failure(ScramFailureKind::kChannelBinding,
                 "unexpected SCRAM channel-binding attribute in client-final-message");
}

Expected<std::string, ScramFailure> ScramServerExchange::on_client_final(
    std::string_view client_final_message) {
  if (state_ != State::kFirstSent) {
    state_ = State::kFailed;
    return malformed("unexpected client-final-message at this point of the exchange");
  }
  state_ = State::kFailed;
  auto parsed = parse_client_final(client_final_message);
  if (!parsed) return unexpected(parsed.error());
  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(parsed->without_proof);
  // Computed even in a mock exchange, so that unknown users take as long as known ones.
  Key32 key =
      detail::xor_keys(parsed->proof, detail::hmac_sha256(secret_.stored_key, auth_message));
  bool proof_ok = detail::constant_time_equal(detail::sha256(key), secret_.stored_key);
  if (!proof_ok || doomed_) {
    detail::wipe(key);
    return failure(ScramFailureKind::kWrongPassword,
                   doomed_ ? "user has no usable SCRAM secret (mock exchange)"
                           : "SCRAM proof does not match the stored secret");
  }
  client_key_ = key;
  state_ = State::kSucceeded;
  return "v=" + base64_encode(detail::hmac_sha256(secret_.server_key, auth_message));
}

// client-final-message = channel-binding "," nonce ["," extensions] "," proof
Expected<ScramServerExchange::ClientFinal, ScramFailure> ScramServerExchange::parse_client_final(
    std::string_view client_final_message) const {
  if (auto bad = detail::check_message_bytes(client_final_message)) return unexpected(*bad);
  AttributeReader reader(client_final_message);
  auto binding = reader.read('c');
  if (!binding) return unexpected(binding.error());
  if (auto ok = check_channel_binding(*binding); !ok) return unexpected(ok.error());
  auto nonce = reader.read('r');
  if (!nonce) return unexpected(nonce.error());
  std::size_t proof_pos = 0;
  AttributeReader::Element element{};
  do {  // optional extensions, until the proof
    proof_pos = reader.position();
    auto next = reader.read_any();
    if (!next) return unexpected(next.error());
    element = *next;
  } while (element.name != 'p');
  auto proof = base64_decode(element.value);
  if (!proof || proof->size() != Key32{}.size()) {
    return malformed("malformed proof in client-final-message");
  }
  if (!reader.at_end()) return malformed("garbage found at the end of client-final-message");
  if (*nonce != client_nonce_ + server_nonce_) return malformed("nonce does not match");
  ClientFinal out{client_final_message.substr(0, proof_pos - 1), {}};
  std::copy(proof->begin(), proof->end(), out.proof.begin());
  return out;
}

}  // namespace pgw::auth
