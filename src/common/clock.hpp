#pragma once
/// Time as an injected dependency (STYLE.md rule 3): timers and policies take a Clock so that
/// tests advance a fake one instead of sleeping.

#include <chrono>

namespace pgw {

using SteadyTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime steady_now() const = 0;
  virtual SystemTime system_now() const = 0;
};

/// The real clocks. Thread-safe.
class RealClock final : public Clock {
 public:
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
  SystemTime system_now() const override { return std::chrono::system_clock::now(); }
  static const RealClock& instance() {
    static const RealClock clock;
    return clock;
  }
};

}  // namespace pgw
