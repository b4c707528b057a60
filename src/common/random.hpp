#pragma once
/// Randomness as an injected dependency. SecureRandom draws from OpenSSL's CSPRNG and is what
/// production code uses for nonces, salts and cancel keys; tests inject a deterministic source.

#include <cstdint>
#include <span>

namespace pgw {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// Fills `out` with random bytes. Thread-safe for SecureRandom.
  virtual void fill(std::span<std::uint8_t> out) = 0;

  std::uint32_t next_u32() {
    std::uint32_t v = 0;
    fill({reinterpret_cast<std::uint8_t*>(&v), sizeof v});
    return v;
  }
};

/// OpenSSL RAND_bytes. Aborts if the CSPRNG cannot produce output (a broken invariant: never
/// hand out predictable keys).
class SecureRandom final : public RandomSource {
 public:
  void fill(std::span<std::uint8_t> out) override;
  static SecureRandom& instance();
};

}  // namespace pgw
