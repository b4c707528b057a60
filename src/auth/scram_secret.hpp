#pragma once
/// A SCRAM-SHA-256 secret in PostgreSQL's stored form (pg_authid.rolpassword, RFC 5803 layout):
///   SCRAM-SHA-256$<iterations>:<salt base64>$<StoredKey base64>:<ServerKey base64>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/crypto.hpp"
#include "common/random.hpp"

namespace pgw::auth {

/// PostgreSQL's defaults (scram-common.h): 4096 iterations, 16-byte salt.
inline constexpr std::uint32_t kScramDefaultIterations = 4096;
inline constexpr std::size_t kScramDefaultSaltLength = 16;
/// Upper bound of an iteration count in a stored secret (PostgreSQL keeps it in an int).
inline constexpr std::uint32_t kScramMaxStoredIterations = 0x7FFFFFFF;

struct ScramSecret {
  std::uint32_t iterations = kScramDefaultIterations;
  std::vector<std::uint8_t> salt;
  Key32 stored_key{};
  Key32 server_key{};

  /// nullopt unless `text` is exactly the stored form: the scheme "SCRAM-SHA-256", a decimal
  /// iteration count in 1..kScramMaxStoredIterations, a non-empty padded base64 salt, and two
  /// base64 keys of 32 bytes each.
  static std::optional<ScramSecret> parse(std::string_view text);
  /// The stored form; parse(to_string()) gives back an equal secret.
  std::string to_string() const;

  /// The secret PostgreSQL derives from `password` (after saslprep(), see saslprep.hpp) with this
  /// salt and iteration count. Precondition: 1 <= iterations <= kScramMaxStoredIterations.
  /// Costs `iterations` HMAC computations (4096: about 2 ms).
  static ScramSecret from_password(std::string_view password, std::span<const std::uint8_t> salt,
                                   std::uint32_t iterations);
  /// A fresh secret with a random 16-byte salt, as CREATE ROLE ... PASSWORD does.
  static ScramSecret generate(std::string_view password, RandomSource& random,
                              std::uint32_t iterations = kScramDefaultIterations);

  /// Whether `password` is the one this secret was derived from (for the cleartext "password"
  /// method against a SCRAM secret, like PostgreSQL's scram_verify_plain_password). Constant
  /// time in the comparison; costs a full key derivation.
  bool verify_plain_password(std::string_view password) const;

  bool operator==(const ScramSecret&) const = default;
};

namespace detail {
/// SaltedPassword -> ClientKey and ServerKey (RFC 5802 section 3).
Key32 scram_client_key(const Key32& salted_password);
Key32 scram_server_key(const Key32& salted_password);
}  // namespace detail

}  // namespace pgw::auth
