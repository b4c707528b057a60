#pragma once
// For tests of pgwarden as a client of a hostile PostgreSQL server:
//  - FakePostgres speaks just enough of the protocol, one thread per connection: it answers
//    the SSLRequest 'N', plays a healthy primary to the replication monitor's user (trust,
//    the probe query, empty answers to the catalog lookups), and to every other user offers
//    SCRAM-SHA-256 and answers the client-first-message with a server-first-message chosen by
//    the test (an absurd iteration count, an oversized nonce, ...).
//  - StandaloneProxy starts pgwarden from a configuration text, with no LocalCluster behind it.

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/byte_view.hpp"
#include "common/process.hpp"
#include "protocol/backend.hpp"
#include "protocol/frontend.hpp"
#include "protocol/startup.hpp"
#include "testbed/files.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::testing {

class FakePostgres {
 public:
  /// The server-first-message to send for the client's nonce.
  using ServerFirst = std::function<std::string(const std::string& client_nonce)>;

  FakePostgres(std::string monitor_user, ServerFirst server_first)
      : monitor_user_(std::move(monitor_user)), server_first_(std::move(server_first)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~FakePostgres() {
    stop_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(connection_threads_);
    }
    for (auto& t : threads)
      t.join();
    ::close(listen_fd_);
  }

  FakePostgres(const FakePostgres&) = delete;
  FakePostgres& operator=(const FakePostgres&) = delete;

  /// 0 when the listening socket could not be opened.
  int port() const { return port_; }
  /// SASLInitialResponses received from users other than the monitor's.
  int sasl_initial_responses() const { return sasl_initial_responses_; }
  /// Client-final-messages received after our malicious SASLContinue: each one means the
  /// client computed a proof from it.
  int client_final_messages() const { return client_final_messages_; }
  /// Probe queries answered to the replication monitor.
  int probes_answered() const { return probes_answered_; }

  void set_server_first(ServerFirst server_first) {
    std::lock_guard lock(mutex_);
    server_first_ = std::move(server_first);
  }

 private:
  static constexpr auto kSlice = std::chrono::milliseconds(50);

  void accept_loop() {
    while (!stop_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(kSlice.count())) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      connection_threads_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  /// Reads exactly `n` bytes unless the peer closes or the server stops.
  bool read_exact(int fd, std::uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      if (stop_) return false;
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(kSlice.count())) <= 0) continue;
      auto got = ::recv(fd, out + done, n - done, 0);
      if (got <= 0) return false;
      done += static_cast<std::size_t>(got);
    }
    return true;
  }

  static bool send_all(int fd, const protocol::Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  static std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
  }

  /// A startup-phase packet body (after the length word), or false.
  bool read_startup(int fd, protocol::Bytes& body) {
    std::uint8_t header[4];
    if (!read_exact(fd, header, 4)) return false;
    auto length = be32(header);
    if (length < 8 || length > 10000) return false;
    body.resize(length - 4);
    return read_exact(fd, body.data(), body.size());
  }

  /// A typed message, or false.
  bool read_message(int fd, char& type, protocol::Bytes& body) {
    std::uint8_t header[5];
    if (!read_exact(fd, header, 5)) return false;
    type = static_cast<char>(header[0]);
    auto length = be32(header + 1);
    if (length < 4 || length > 1'000'000) return false;
    body.resize(length - 4);
    return read_exact(fd, body.data(), body.size());
  }

  void serve(int fd) {
    protocol::Bytes body;
    for (;;) {
      if (!read_startup(fd, body)) return;
      auto packet = protocol::decode_startup_packet(body);
      if (!packet) return;
      if (std::holds_alternative<protocol::SslRequest>(*packet) ||
          std::holds_alternative<protocol::GssEncRequest>(*packet)) {
        if (!send_all(fd, {'N'})) return;
        continue;
      }
      const auto* startup = std::get_if<protocol::StartupMessage>(&*packet);
      if (startup == nullptr) return;
      const std::string* user = startup->find("user");
      if (user != nullptr && *user == monitor_user_) {
        serve_monitor(fd);
      } else {
        serve_hostile(fd);
      }
      return;
    }
  }

  void serve_monitor(int fd) {
    protocol::Bytes out;
    protocol::encode(protocol::AuthenticationOk{}, out);
    protocol::encode(protocol::ParameterStatus{"server_version", "15.0"}, out);
    protocol::encode(protocol::BackendKeyData{4242, 4242}, out);
    protocol::encode(protocol::ReadyForQuery{}, out);
    if (!send_all(fd, out)) return;
    char type = 0;
    protocol::Bytes body;
    while (read_message(fd, type, body)) {
      if (type != 'Q') return;  // Terminate, or something this fake does not speak
      std::string_view sql(reinterpret_cast<const char*>(body.data()), body.size());
      out.clear();
      if (sql.starts_with("SELECT 'node'")) {
        // One "node" row: out of recovery, so this server is the primary.
        protocol::RowDescription columns;
        for (std::string_view name : {"a", "b", "c", "d", "e"}) {
          columns.fields.push_back({name, 0, 0, 25, -1, -1, 0});
        }
        protocol::encode(columns, out);
        std::vector<std::string_view> values = {"node", "false", "0/3000000", "0/3000000", "1"};
        protocol::DataRow row;
        for (auto value : values)
          row.columns.emplace_back(as_bytes(value));
        protocol::encode(row, out);
        protocol::encode(protocol::CommandComplete{"SELECT 1"}, out);
        ++probes_answered_;
      } else {
        // Catalog lookups (function volatility): two columns, no rows.
        protocol::RowDescription columns;
        columns.fields.push_back({"name", 0, 0, 25, -1, -1, 0});
        columns.fields.push_back({"volatility", 0, 0, 25, -1, -1, 0});
        protocol::encode(columns, out);
        protocol::encode(protocol::CommandComplete{"SELECT 0"}, out);
      }
      protocol::encode(protocol::ReadyForQuery{}, out);
      if (!send_all(fd, out)) return;
    }
  }

  void serve_hostile(int fd) {
    protocol::Bytes out;
    protocol::AuthenticationSasl offer;
    offer.mechanisms = {"SCRAM-SHA-256"};
    protocol::encode(offer, out);
    if (!send_all(fd, out)) return;
    char type = 0;
    protocol::Bytes body;
    if (!read_message(fd, type, body) || type != 'p') return;
    auto initial = protocol::decode_sasl_initial_response(body);
    if (!initial || !initial->data) return;
    ++sasl_initial_responses_;
    std::string first(as_string_view(*initial->data));
    auto at = first.find(",r=");
    std::string nonce = at == std::string::npos ? "" : first.substr(at + 3);
    ServerFirst script;
    {
      std::lock_guard lock(mutex_);
      script = server_first_;
    }
    std::string server_first = script(nonce);
    out.clear();
    protocol::encode(protocol::AuthenticationSaslContinue{as_bytes(server_first)}, out);
    if (!send_all(fd, out)) return;
    // A client that accepted the message would now compute and send its proof.
    if (read_message(fd, type, body) && type == 'p') ++client_final_messages_;
  }

  std::string monitor_user_;
  std::mutex mutex_;
  ServerFirst server_first_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> connection_threads_;
  std::atomic<int> sasl_initial_responses_{0};
  std::atomic<int> client_final_messages_{0};
  std::atomic<int> probes_answered_{0};
};

/// A pgwarden process from a configuration written by the test, in a temporary directory.
class StandaloneProxy {
 public:
  /// `make_config(dir, port, admin_port)` returns the TOML text; pg_hba.conf and passwords
  /// (mode 0600) are written beside it. Waits until the proxy accepts connections.
  static Result<std::unique_ptr<StandaloneProxy>> start(
      const std::string& binary,
      const std::function<std::string(const std::string&, int, int)>& make_config,
      const std::string& hba, const std::string& passwords) {
    std::unique_ptr<StandaloneProxy> proxy(new StandaloneProxy());
    testbed::Owner self{};
    auto dir = testbed::make_temp_dir("pgwarden-standalone-", self);
    if (!dir) return unexpected(dir.error());
    proxy->dir_ = *dir;
    auto port = testbed::PortAllocator::instance().allocate();
    auto admin_port = testbed::PortAllocator::instance().allocate();
    if (!port || !admin_port) return fail("no free port");
    proxy->port_ = *port;
    proxy->admin_port_ = *admin_port;
    auto written = testbed::write_file(proxy->dir_ + "/pgwarden.toml",
                                       make_config(proxy->dir_, *port, *admin_port), self);
    if (written) written = testbed::write_file(proxy->dir_ + "/pg_hba.conf", hba, self);
    if (written) written = testbed::write_file(proxy->dir_ + "/passwords", passwords, self);
    if (!written) return unexpected(written.error());
    ProcessSpec spec;
    spec.argv = {binary, "run", "-c", proxy->dir_ + "/pgwarden.toml"};
    SpawnOptions options;
    options.log_file = proxy->log_path();
    auto pid = spawn_background(spec, options);
    if (!pid) return unexpected(pid.error());
    proxy->pid_ = *pid;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!proxy->accepts_connections()) {
      if (!process_alive(proxy->pid_)) {
        return fail("pgwarden exited at start:\n" + proxy->log_text());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return fail("pgwarden does not accept connections:\n" + proxy->log_text());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return proxy;
  }

  ~StandaloneProxy() {
    if (pid_ > 0 && process_alive(pid_)) {
      send_signal(pid_, SIGINT);
      if (!wait_for_exit(pid_, std::chrono::seconds(5))) {
        send_signal(pid_, SIGKILL);
        wait_for_exit(pid_, std::chrono::seconds(5));
      }
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  int admin_port() const { return admin_port_; }
  bool alive() const { return process_alive(pid_); }
  std::string log_path() const { return dir_ + "/pgwarden.log"; }
  std::string log_text() const {
    auto text = testbed::read_file(log_path());
    return text ? *text : std::string();
  }

 private:
  StandaloneProxy() = default;

  bool accepts_connections() const {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::string dir_;
  int port_ = 0;
  int admin_port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace pgw::testing
