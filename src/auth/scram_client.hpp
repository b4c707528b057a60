#pragma once
/// Client side of one SCRAM-SHA-256 exchange: pgwarden authenticating to a PostgreSQL server,
/// with libpq's message forms (src/interfaces/libpq/fe-auth-scram.c). No I/O.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/crypto.hpp"
#include "auth/scram_failure.hpp"
#include "common/random.hpp"
#include "common/result.hpp"

namespace pgw::auth {

/// Default bound on the iteration count a server may ask for. PostgreSQL's default is 4096;
/// 1'000'000 leaves room for hardened secrets (~250x) while one derivation stays around half a
/// second of one core. A hostile server asking for 2^31 would otherwise stall a worker for
/// minutes. Raise it per call when the servers use more.
inline constexpr std::uint32_t kDefaultMaxIterations = 1'000'000;
/// Longest server nonce accepted (ours is 32 characters, PostgreSQL adds 24).
inline constexpr std::size_t kMaxServerNonceLength = 256;

struct ScramClientOptions {
  /// tls-server-end-point data (hash of the server's certificate) when the server connection is
  /// TLS and offered SCRAM-SHA-256-PLUS: selects channel binding ("p=tls-server-end-point").
  /// Empty: no channel binding ("n").
  std::vector<std::uint8_t> tls_end_point;
  /// The SASL user name (n=). Empty, like libpq: PostgreSQL uses the startup packet's user.
  /// Must not contain ',' or '=' (RFC 5802 escaping is not applied).
  std::string sasl_user;
  /// Fixed client nonce instead of 24 random bytes in base64: for test vectors only.
  std::optional<std::string> fixed_nonce;
};

/// One exchange; not thread-safe; single use. Order: client_first_message, on_server_first,
/// on_server_final. A failure ends the exchange; later calls fail with kMalformed.
class ScramClientExchange {
 public:
  /// Authenticates with the plain-text password (SASLprep applied, as libpq does).
  static ScramClientExchange with_password(std::string password, RandomSource& random,
                                           ScramClientOptions options = {});
  /// Pass-through: ClientKey and ServerKey recovered from a client's exchange against the same
  /// secret (ScramServerExchange::client_key and ScramSecret::server_key). No key derivation
  /// runs; the server's salt and iteration count are still validated but otherwise unused.
  static ScramClientExchange with_keys(Key32 client_key, Key32 server_key, RandomSource& random,
                                       ScramClientOptions options = {});

  ScramClientExchange(ScramClientExchange&&) noexcept;
  ScramClientExchange& operator=(ScramClientExchange&&) noexcept;
  ~ScramClientExchange();

  /// The mechanism to put in SASLInitialResponse: "SCRAM-SHA-256-PLUS" with channel binding,
  /// "SCRAM-SHA-256" otherwise.
  std::string_view mechanism() const;
  /// "n,,n=,r=<nonce>" (or "p=tls-server-end-point,,n=,r=<nonce>"); the nonce is 24 random bytes
  /// in base64. Calling it again returns the same message.
  std::string client_first_message();
  /// Validates the server-first-message "r=<nonce>,s=<salt>,i=<iterations>[,extensions]" before
  /// any hashing: the nonce must start with ours, be printable and at most
  /// kMaxServerNonceLength characters; the salt valid non-empty base64; the iteration count a
  /// decimal in 1..max_iterations (never above 2^31-1). Returns the client-final-message
  /// "c=<binding>,r=<nonce>,p=<ClientProof>".
  Expected<std::string, ScramFailure> on_server_first(
      std::string_view server_first_message, std::uint32_t max_iterations = kDefaultMaxIterations);
  /// Verifies the ServerSignature in "v=..." (kWrongPassword when it does not match: the server
  /// does not know the password), or reports the server's "e=..." error.
  Expected<void, ScramFailure> on_server_final(std::string_view server_final_message);

  /// True once on_server_final has verified the server.
  bool succeeded() const { return state_ == State::kSucceeded; }

 private:
  enum class State { kInit, kFirstSent, kFinalSent, kSucceeded, kFailed };
  ScramClientExchange(std::optional<std::string> password, Key32 client_key, Key32 server_key,
                      RandomSource& random, ScramClientOptions options);

  struct ServerFirst {
    std::string_view nonce;
    std::vector<std::uint8_t> salt;
    std::uint32_t iterations = 0;
  };
  Expected<ServerFirst, ScramFailure> parse_server_first(std::string_view message,
                                                         std::uint32_t max_iterations) const;
  std::string gs2_header() const;
  std::string channel_binding_value() const;
  void derive_keys(std::span<const std::uint8_t> salt, std::uint32_t iterations);

  std::optional<std::string> password_;
  Key32 client_key_{};
  Key32 server_key_{};
  ScramClientOptions options_;
  State state_ = State::kInit;
  std::string client_nonce_;
  std::string client_first_bare_;
  Key32 expected_server_signature_{};
};

}  // namespace pgw::auth
