#pragma once
// Drives one coroutine to completion on a test's own io_context, so a test can call pgwarden's
// asynchronous code step by step.

#include <exception>
#include <optional>

#include "net/asio.hpp"

namespace pgw::testing {

template <class T>
net::awaitable<void> store_result(net::awaitable<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}

/// Runs `io` until `task` and everything it started have finished; rethrows its exception.
template <class T>
T run_to_completion(net::asio::io_context& io, net::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  net::asio::co_spawn(io, store_result(std::move(task), &result),
                      [&failure](const std::exception_ptr& error) { failure = error; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace pgw::testing
