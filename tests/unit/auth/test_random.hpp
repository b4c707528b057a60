#pragma once
// A deterministic RandomSource for the auth tests: returns a counter sequence, so two instances
// give the same bytes and different calls give different bytes.

#include <cstdint>
#include <span>

#include "common/random.hpp"

namespace pgw::auth::testing {

class CountingRandom final : public RandomSource {
 public:
  explicit CountingRandom(std::uint8_t start = 0) : next_(start) {}
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out)
      b = next_++;
  }

 private:
  std::uint8_t next_;
};

}  // namespace pgw::auth::testing
