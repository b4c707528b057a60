#pragma once
// A blocking client that speaks the wire protocol byte by byte (with pgwarden's own codec), for
// tests that libpq cannot express: malformed packets, SQLSTATEs of failed logins, timings.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.hpp"

namespace pgw::testing {

struct RawMessage {
  char type = 0;
  protocol::Bytes body;
};

class RawClient {
 public:
  /// Connects to 127.0.0.1:port; nullptr on failure.
  static std::unique_ptr<RawClient> connect_tcp(int port);
  static std::unique_ptr<RawClient> connect_unix(const std::string& path);
  ~RawClient();

  bool send(const protocol::Bytes& bytes);
  bool send_text(std::string_view bytes);
  bool send_startup(const std::string& user, const std::string& database,
                    const std::vector<std::pair<std::string, std::string>>& extra = {});

  /// The next typed message, or nullopt on timeout or EOF (see eof()).
  std::optional<RawMessage> read_message(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<std::uint8_t> read_byte(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits until the peer closes the connection (true) or the timeout passes (false); bytes
  /// that arrive meanwhile are discarded.
  bool wait_closed(std::chrono::milliseconds timeout);
  bool eof() const { return eof_; }
  /// Everything received until the peer closes the connection or `timeout` passes (bytes
  /// already buffered first).
  std::string read_until_closed(std::chrono::milliseconds timeout);
  /// The BackendKeyData (process id, secret key) of the last finish_login(), if one came.
  std::optional<std::pair<std::int32_t, std::int32_t>> backend_key() const { return backend_key_; }

  /// Reads messages until an ErrorResponse (returns its SQLSTATE) or ReadyForQuery (returns
  /// "") or EOF/timeout (returns "<closed>" / "<timeout>").
  std::string read_until_ready_or_error(
      std::string* message = nullptr, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Full login with a SCRAM or cleartext/md5 password; "" on success, else the SQLSTATE.
  std::string login(const std::string& user, const std::string& database,
                    const std::string& password, std::string* message = nullptr);
  /// The rest of a login after send_startup().
  std::string finish_login(const std::string& user, const std::string& password,
                           std::string* message = nullptr);

 private:
  explicit RawClient(int fd) : fd_(fd) {}
  bool fill(std::chrono::milliseconds timeout);

  int fd_;
  protocol::Bytes buffer_;
  bool eof_ = false;
  std::optional<std::pair<std::int32_t, std::int32_t>> backend_key_;
};

/// The SQLSTATE field of an ErrorResponse body, and its message.
std::string error_sqlstate(const protocol::Bytes& body);
std::string error_message(const protocol::Bytes& body);

}  // namespace pgw::testing
