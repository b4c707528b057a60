#include "pool/cancel_request.hpp"

#include "net/watchdog.hpp"
#include "pool/server_login.hpp"
#include "protocol/startup.hpp"

namespace pgw::pool {

net::awaitable<Result<void>> send_cancel_request(net::Executor executor, BackendAddress address,
                                                 std::int32_t process_id, std::int32_t secret_key,
                                                 std::chrono::milliseconds timeout) {
  auto socket = co_await connect_to(executor, address, timeout);
  if (!socket)
    co_return fail("cannot connect to " + address.describe() + ": " + socket.error().message);
  net::Stream stream(std::move(*socket));
  protocol::Bytes packet;
  protocol::encode(protocol::CancelRequest{process_id, secret_key}, packet);
  auto ec = co_await stream.write_all(packet);
  if (ec)
    co_return fail("cannot send cancel request to " + address.describe() + ": " + ec.message());
  // PostgreSQL closes the connection after reading the request; wait for that (bounded) so the
  // request is processed before we report success.
  std::uint8_t byte;
  net::Watchdog watchdog(executor, timeout, [&stream] { stream.close(); });
  co_await stream.read_some({&byte, 1}, ec);
  stream.close();
  co_return Result<void>{};
}

}  // namespace pgw::pool
