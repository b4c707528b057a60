#pragma once
/// Sending a CancelRequest to a server: a fresh connection carrying only the 16-byte packet.

#include <chrono>
#include <cstdint>

#include "common/result.hpp"
#include "pool/server_connection.hpp"

namespace pgw::pool {

net::awaitable<Result<void>> send_cancel_request(net::Executor executor, BackendAddress address,
                                                 std::int32_t process_id, std::int32_t secret_key,
                                                 std::chrono::milliseconds timeout);

}  // namespace pgw::pool
