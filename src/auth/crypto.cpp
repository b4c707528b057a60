#include "auth/crypto.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace pgw::auth::detail {
namespace {

[[noreturn]] void crypto_failure(const char* what) {
  std::fprintf(stderr, "pgwarden: OpenSSL %s failed; refusing to continue\n", what);
  std::abort();
}

template <std::size_t N>
std::array<std::uint8_t, N> digest(const EVP_MD* md, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N) {
    crypto_failure("EVP_Digest");
  }
  return out;
}

}  // namespace

Key32 sha256(std::span<const std::uint8_t> data) {
  return digest<32>(EVP_sha256(), data);
}

std::array<std::uint8_t, 16> md5(std::span<const std::uint8_t> data) {
  return digest<16>(EVP_md5(), data);
}

Key32 hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  Key32 out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr ||
      len != out.size()) {
    crypto_failure("HMAC");
  }
  return out;
}

Key32 pbkdf2_sha256(std::string_view password, std::span<const std::uint8_t> salt,
                    std::uint32_t iterations) {
  if (iterations < 1 || iterations > INT_MAX)
    crypto_failure("PBKDF2 (iteration count out of range)");
  Key32 out{};
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    crypto_failure("PKCS5_PBKDF2_HMAC");
  }
  return out;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Key32 xor_keys(const Key32& a, const Key32& b) {
  Key32 out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = a[i] ^ b[i];
  return out;
}

void wipe(std::span<std::uint8_t> data) {
  if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
}

void wipe(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace pgw::auth::detail
