#pragma once
/// Hashing primitives for SCRAM-SHA-256 and md5 (OpenSSL libcrypto). Internal to src/auth except
/// for Key32. OpenSSL failures here are broken invariants (out of memory, a provider missing) and
/// abort the process rather than produce a wrong key.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pgw::auth {

/// A SHA-256 sized key or digest: SCRAM's StoredKey, ServerKey, ClientKey, proofs, signatures.
using Key32 = std::array<std::uint8_t, 32>;

namespace detail {

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Key32 sha256(std::span<const std::uint8_t> data);
Key32 hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);
inline Key32 hmac_sha256(const Key32& key, std::string_view data) {
  return hmac_sha256(key, as_bytes(data));
}
/// PBKDF2-HMAC-SHA-256 with a 32-byte output: SCRAM's SaltedPassword (RFC 5802 Hi()).
/// Precondition: 1 <= iterations <= INT32_MAX (checked: aborts otherwise).
Key32 pbkdf2_sha256(std::string_view password, std::span<const std::uint8_t> salt,
                    std::uint32_t iterations);
std::array<std::uint8_t, 16> md5(std::span<const std::uint8_t> data);

/// Constant-time comparison of equal-length inputs (lengths are not secret: unequal is false).
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
inline bool constant_time_equal(std::string_view a, std::string_view b) {
  return constant_time_equal(as_bytes(a), as_bytes(b));
}

Key32 xor_keys(const Key32& a, const Key32& b);

/// Overwrites memory that held a secret (OPENSSL_cleanse: not optimized away).
void wipe(std::span<std::uint8_t> data);
void wipe(std::string& text);

}  // namespace detail
}  // namespace pgw::auth
