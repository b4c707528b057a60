#include "common/random.hpp"

#include <cstdio>
#include <cstdlib>

#include <openssl/rand.h>

namespace pgw {

void SecureRandom::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("pgwarden: OpenSSL RAND_bytes failed; refusing to continue\n", stderr);
    std::abort();
  }
}

SecureRandom& SecureRandom::instance() {
  static SecureRandom random;
  return random;
}

}  // namespace pgw
