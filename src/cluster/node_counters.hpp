#pragma once
/// Per-node counters that change with every query, kept out of the immutable ClusterState.
/// Thread-safe (relaxed atomics).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace pgw::cluster {

class NodeCounters {
 public:
  explicit NodeCounters(std::size_t nodes);

  std::size_t size() const { return size_; }
  /// One SELECT sent to `node` (pgpool's select_cnt). Out of range: ignored.
  void count_select(std::size_t node);
  /// 0 for a node out of range.
  std::uint64_t selects(std::size_t node) const;

 private:
  std::size_t size_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> selects_;
};

}  // namespace pgw::cluster
