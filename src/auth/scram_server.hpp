#pragma once
/// Server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677): pgwarden authenticating a
/// client, with PostgreSQL's rules (src/backend/libpq/auth-scram.c). No I/O: the caller moves
/// the SASL payloads between this object and the wire (AuthenticationSASL / SASLContinue /
/// SASLFinal; SASLInitialResponse / SASLResponse).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/crypto.hpp"
#include "auth/scram_failure.hpp"
#include "auth/scram_secret.hpp"
#include "common/random.hpp"
#include "common/result.hpp"

namespace pgw::auth {

inline constexpr std::string_view kScramSha256 = "SCRAM-SHA-256";
inline constexpr std::string_view kScramSha256Plus = "SCRAM-SHA-256-PLUS";

struct ScramServerOptions {
  /// The tls-server-end-point channel-binding data (RFC 5929: the hash of our certificate) when
  /// the client connection is TLS; empty when it is plain. Non-empty means "has TLS".
  std::vector<std::uint8_t> tls_end_point;
  /// Secret key mixed into the fake salt of unknown users (PostgreSQL uses the cluster's
  /// mock_authentication_nonce). Default: a random key drawn once per process, so the fake salt
  /// of a user name is stable for the life of the process; pass a persistent key to keep it
  /// stable across restarts too.
  std::optional<Key32> mock_salt_key;
  /// Fixed server nonce instead of 18 random bytes in base64: for test vectors only.
  std::optional<std::string> fixed_nonce;
};

/// One exchange; not thread-safe; single use.
/// Order: on_client_first, then on_client_final. Any failure ends the exchange: later calls fail
/// with kMalformed, and so does a call out of order or a replay after success.
///
/// `secret` empty means the user is unknown or has no SCRAM-usable secret (e.g. an md5 hash): a
/// mock exchange runs with a fake salt derived from the user name and a secret key (like
/// PostgreSQL's scram_mock_salt) and 4096 iterations, and fails at the end with kWrongPassword,
/// after the same work as a real check, so the client cannot tell unknown users from wrong
/// passwords. (A plain-text password can be turned into a secret with ScramSecret::generate.)
///
/// Channel binding (tls-server-end-point only), as PostgreSQL does it:
///  - "SCRAM-SHA-256-PLUS" is accepted only over TLS; it requires the "p=tls-server-end-point"
///    flag, and the c= attribute of the client-final-message must carry exactly that header and
///    our certificate hash (kChannelBinding otherwise).
///  - "p=" with plain "SCRAM-SHA-256" is refused (kChannelBinding).
///  - "y" (client supports binding but thinks we do not) over TLS is refused: we advertised
///    SCRAM-SHA-256-PLUS, so a "y" means someone removed it in transit (kChannelBinding).
class ScramServerExchange {
 public:
  ScramServerExchange(std::optional<ScramSecret> secret, std::string user, RandomSource& random,
                      std::vector<std::uint8_t> tls_end_point = {});
  ScramServerExchange(std::optional<ScramSecret> secret, std::string user, RandomSource& random,
                      ScramServerOptions options);

  /// The mechanisms to advertise in AuthenticationSASL, preferred first:
  /// {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"} over TLS, {"SCRAM-SHA-256"} otherwise.
  static std::vector<std::string> mechanisms(bool has_tls);

  /// Takes the mechanism the client chose and its client-first-message; returns the
  /// server-first-message "r=<nonce>,s=<salt>,i=<iterations>".
  Expected<std::string, ScramFailure> on_client_first(std::string_view mechanism,
                                                      std::string_view client_first_message);
  /// Takes the client-final-message; returns the server-final-message "v=<ServerSignature>".
  /// A wrong proof, or any proof in a mock exchange, fails with kWrongPassword; PostgreSQL then
  /// answers with an ErrorResponse (28P01), not with a SCRAM "e=" message.
  Expected<std::string, ScramFailure> on_client_final(std::string_view client_final_message);

  /// True once on_client_final has succeeded.
  bool authenticated() const { return state_ == State::kSucceeded; }
  /// After success: the ClientKey recovered from the proof (ClientProof XOR HMAC(StoredKey,
  /// AuthMessage)). With the secret's ServerKey it lets the proxy authenticate to a PostgreSQL
  /// server that stores the same secret, without the plain-text password (ScramClientExchange::
  /// with_keys; PgBouncer does the same). nullopt before success.
  std::optional<Key32> client_key() const;

  /// The fake salt a mock exchange sends for `user` (SHA-256 of the user name and `key`,
  /// truncated to 16 bytes).
  static std::vector<std::uint8_t> mock_salt(std::string_view user, const Key32& key);

 private:
  enum class State { kInit, kFirstSent, kSucceeded, kFailed };

  Expected<std::string_view, ScramFailure> read_gs2_header(std::string_view message);
  Expected<void, ScramFailure> check_channel_binding(std::string_view c_value) const;
  struct ClientFinal {
    std::string_view without_proof;  ///< client-final-message-without-proof
    Key32 proof{};
  };
  Expected<ClientFinal, ScramFailure> parse_client_final(std::string_view message) const;
  std::string make_server_nonce();

  ScramSecret secret_;
  bool doomed_ = false;
  std::string user_;
  RandomSource& random_;
  ScramServerOptions options_;
  State state_ = State::kInit;
  bool binding_in_use_ = false;
  char cbind_flag_ = 'n';
  std::string client_first_bare_;
  std::string client_nonce_;
  std::string server_nonce_;
  std::string server_first_;
  std::optional<Key32> client_key_;
};

}  // namespace pgw::auth
