#pragma once
/// The one place that includes Asio. g++ 12 with C++20 coroutines needs <utility> before the Asio
/// headers (DESIGN.md). Expected failures travel as error codes (redirect_error), never as
/// exceptions.

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pgw::net {

namespace asio = boost::asio;
using asio::awaitable;
using boost::system::error_code;
using Executor = asio::any_io_executor;
using Socket = asio::generic::stream_protocol::socket;

/// `co_await op(..., use_awaitable_ec(ec))` reports failure in `ec` instead of throwing.
inline auto use_awaitable_ec(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

}  // namespace pgw::net
