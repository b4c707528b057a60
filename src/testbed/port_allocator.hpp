#pragma once
/// Free loopback TCP ports for test servers.

#include <mutex>
#include <set>

#include "common/result.hpp"

namespace pgw::testbed {

/// Asks the kernel for a free port on 127.0.0.1 (bind port 0, read it, close) and never hands
/// out the same port twice in one process. Another process may still take the port before the
/// caller binds it; servers started on it should fail loudly then, not silently share it.
/// Thread-safe.
class PortAllocator {
 public:
  /// The process-wide allocator.
  static PortAllocator& instance();

  Result<int> allocate();

 private:
  std::mutex mutex_;
  std::set<int> handed_out_;
};

}  // namespace pgw::testbed
