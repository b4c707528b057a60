#include "cluster/node_counters.hpp"

namespace pgw::cluster {

NodeCounters::NodeCounters(std::size_t nodes)
    : size_(nodes), selects_(std::make_unique<std::atomic<std::uint64_t>[]>(nodes)) {}

void NodeCounters::count_select(std::size_t node) {
  if (node >= size_) return;
  selects_[node].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t NodeCounters::selects(std::size_t node) const {
  if (node >= size_) return 0;
  return selects_[node].load(std::memory_order_relaxed);
}

}  // namespace pgw::cluster
