#pragma once
/// N I/O threads, each running its own io_context (DESIGN.md: one owner per core, nothing
/// shared on the data path). Worker 0 runs on the thread that calls run().

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "net/asio.hpp"

namespace pgw::net {

class WorkerPool {
 public:
  /// `count` 0 means one worker per core.
  explicit WorkerPool(std::size_t count);
  ~WorkerPool();

  std::size_t size() const { return contexts_.size(); }
  asio::io_context& context(std::size_t index) { return *contexts_[index]; }
  Executor executor(std::size_t index) { return contexts_[index]->get_executor(); }

  /// Runs every worker; returns when all of them have stopped.
  void run();
  /// Lets run() return once the pending work is done (callable from any thread).
  void release_work();
  /// Stops every io_context at once (callable from any thread).
  void stop();

 private:
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace pgw::net
