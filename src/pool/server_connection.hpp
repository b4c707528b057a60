#pragma once
/// A logged-in connection to a PostgreSQL server, owned by exactly one session or pool at a time.

#include <utility>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/io_buffer.hpp"
#include "net/stream.hpp"

namespace pgw::pool {

/// Where a server is: a name for logs, and host (an address, a DNS name, or a unix socket
/// directory when it starts with '/') and port.
struct BackendAddress {
  std::string name;
  std::string host;
  std::uint16_t port = 5432;
  /// TLS to this server: null = never (disable); otherwise asked for with an SSLRequest, and
  /// `tls_required` says whether a server that declines it is refused (require, verify-*) or
  /// used in plain text (prefer).
  std::shared_ptr<net::TlsContext> tls;
  bool tls_required = false;
  std::string describe() const { return name + " (" + host + ":" + std::to_string(port) + ")"; }
};

/// The values a server reported with ParameterStatus, in arrival order.
class ParameterSet {
 public:
  const std::string* find(std::string_view name) const;
  void set(std::string_view name, std::string_view value);
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

enum class ServerTxnStatus : char { kIdle = 'I', kInTransaction = 'T', kFailed = 'E' };

class ServerConnection {
 public:
  ServerConnection(net::Stream stream, BackendAddress address, std::uint64_t id);

  net::Stream& stream() { return stream_; }
  /// Bytes read from the server and not yet relayed (normally empty between uses).
  IoBuffer& buffer() { return buffer_; }
  const BackendAddress& address() const { return address_; }
  std::uint64_t id() const { return id_; }

  std::int32_t process_id = 0;  ///< from BackendKeyData
  std::int32_t secret_key = 0;
  ParameterSet parameters;
  ServerTxnStatus status = ServerTxnStatus::kIdle;
  SteadyTime created_at{};
  SteadyTime idle_since{};

  /// Moves the socket to another worker's io_context (nothing may be pending).
  void rebind(const net::Executor& executor) { stream_.rebind(executor); }
  net::Executor executor() { return stream_.executor(); }

 private:
  net::Stream stream_;
  IoBuffer buffer_;
  BackendAddress address_;
  std::uint64_t id_;
};

}  // namespace pgw::pool
