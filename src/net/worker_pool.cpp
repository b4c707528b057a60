#include "net/worker_pool.hpp"

namespace pgw::net {

WorkerPool::WorkerPool(std::size_t count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < count; ++i) {
    // Concurrency hint 1: each context is run by exactly one thread.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
}

WorkerPool::~WorkerPool() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WorkerPool::run() {
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads_.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
  }
  contexts_[0]->run();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

void WorkerPool::release_work() {
  for (auto& g : guards_)
    g.reset();
}

void WorkerPool::stop() {
  for (auto& ctx : contexts_)
    ctx->stop();
}

}  // namespace pgw::net
