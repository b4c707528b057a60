#pragma once
/// The current ClusterState snapshot, published whole (RCU-style): readers copy a
/// shared_ptr<const ClusterState> and keep using it as long as they like; a publisher swaps in
/// a new value. Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "cluster/cluster_state.hpp"

namespace pgw::cluster {

class ClusterStateStore {
 public:
  /// `initial.generation` is kept as the starting generation.
  explicit ClusterStateStore(ClusterState initial);

  /// The current snapshot (a mutex-protected shared_ptr copy: cheap, never blocks for long).
  std::shared_ptr<const ClusterState> current() const;
  /// The current snapshot's generation; a relaxed atomic read for readers that cache a
  /// snapshot and only refresh it when this moved.
  std::uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }
  /// Replaces the snapshot; sets next.generation = previous generation + 1. Publishers are
  /// expected to be one at a time (the monitor; later the cluster manager).
  void publish(ClusterState next);

  /// Called after every publish, on the publisher's thread and outside the store's lock, with
  /// the replaced snapshot and the new one. Set once, before anything is published.
  using Listener = std::function<void(const ClusterState& previous, const ClusterState& next)>;
  void set_listener(Listener listener) { listener_ = std::move(listener); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ClusterState> current_;
  std::atomic<std::uint64_t> generation_;
  Listener listener_;
};

}  // namespace pgw::cluster
