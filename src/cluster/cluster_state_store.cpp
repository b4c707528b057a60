#include "cluster/cluster_state_store.hpp"

namespace pgw::cluster {

ClusterStateStore::ClusterStateStore(ClusterState initial)
    : current_(std::make_shared<const ClusterState>(std::move(initial))),
      generation_(current_->generation) {}

std::shared_ptr<const ClusterState> ClusterStateStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void ClusterStateStore::publish(ClusterState next) {
  std::shared_ptr<const ClusterState> previous;
  std::shared_ptr<const ClusterState> published;
  {
    std::lock_guard lock(mutex_);
    next.generation = current_->generation + 1;
    published = std::make_shared<const ClusterState>(std::move(next));
    previous = std::exchange(current_, published);
    generation_.store(current_->generation, std::memory_order_relaxed);
  }
  if (listener_) listener_(*previous, *published);
}

}  // namespace pgw::cluster
