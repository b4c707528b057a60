// Fuzzes a client session's startup and authentication phases in-process: a real
// proxy::ClientSession on one end of a socketpair, the input written into the other end, then
// the write side shut down. The cluster has no primary, so a client that authenticates ends
// with 57P03 and nothing touches the network.
//
// Input: byte 0 picks the peer (bit 0: unix socket, else TCP from 127.0.0.1) and where the rest
// is cut in two; the first part is written and the session runs until it waits for more, then
// the second part follows. So bytes arrive either with a packet or after the proxy answered it
// (the SSLRequest case, CVE-2021-23214).
//
// Checks: no crash or sanitizer report, the session ends once its input has ended, and it leaves
// nothing behind (client count, registered sessions, cancel keys).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/hba.hpp"
#include "auth/ident_map.hpp"
#include "auth/md5.hpp"
#include "auth/passwords.hpp"
#include "auth/scram_secret.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "net/asio.hpp"
#include "net/listener.hpp"
#include "proxy/client_session.hpp"
#include "proxy/proxy_context.hpp"

namespace {

using namespace pgw;

// One backend that is never contacted: there is no primary, and a session that needs one
// is refused at once (client_wait = 0) instead of waiting for a failover.
constexpr std::string_view kConfig = R"(
workers = 1
[failover]
client_wait = "0s"
[listen]
addresses = ["127.0.0.1"]
port = 6432
unix_socket_dir = ""
[auth]
hba_file = "pg_hba.conf"
passwords_file = "passwords"
[limits]
authentication_timeout = "60s"
max_message_size = "1MB"
max_cancel_rate = 1000000
[admin]
listen = ""
[[backends]]
name = "primary"
host = "127.0.0.1"
port = 1
)";

// Every method, chosen by user name (md5 with a SCRAM secret upgrades to SCRAM).
constexpr std::string_view kHba =
    "host all trusted 0.0.0.0/0 trust\n"
    "host all cleartext 0.0.0.0/0 password\n"
    "host all md5user 0.0.0.0/0 md5\n"
    "host all md5scram 0.0.0.0/0 md5\n"
    "host all rejected 0.0.0.0/0 reject\n"
    "hostssl all all 0.0.0.0/0 trust\n"
    "local all trusted trust\n"
    "local all all scram-sha-256\n"
    "host all all 0.0.0.0/0 scram-sha-256\n";

std::string passwords_text() {
  // A fixed salt keeps the secret, and so the proxy's answers, the same from run to run.
  const std::uint8_t salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  auto scram = auth::ScramSecret::from_password("pencil", salt, 4096).to_string();
  return "\"scram\" \"" + scram + "\"\n\"md5scram\" \"" + scram + "\"\n\"md5user\" \"" +
         auth::md5_password_secret("md5user", "pencil") +
         "\"\n\"cleartext\" \"pencil\"\n\"trusted\" \"pencil\"\n";
}

[[noreturn]] void setup_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz setup: %s\n", what.c_str());
  std::abort();
}

proxy::ProxyContext& context() {
  static proxy::ProxyContext* instance = [] {
    std::string error;
    // Formatting every log line exercises the logging code without filling the terminal.
    if (!log::init("debug", "/dev/null", &error)) {
      std::fprintf(stderr, "log: %s\n", error.c_str());
      std::abort();
    }
    auto config = config::parse_config(kConfig, "/fuzz/pgwarden.toml");
    auto hba = auth::HbaRules::parse(kHba, "pg_hba.conf");
    auto passwords = auth::PasswordsFile::parse(passwords_text(), "passwords");
    auto ident = auth::IdentMaps::parse("", "pg_ident.conf");
    if (!config) setup_failed(config.error().to_string());
    if (!hba) setup_failed(hba.error().to_string());
    if (!passwords) setup_failed(passwords.error().to_string());
    if (!ident) setup_failed(ident.error().to_string());
    auto auth_data = std::make_shared<const proxy::AuthData>(
        proxy::AuthData{std::move(*hba), std::move(*passwords), std::move(*ident)});
    auto shared_config = std::make_shared<const config::Config>(std::move(*config));
    return new proxy::ProxyContext(shared_config, auth_data);  // lives for the whole process
  }();
  return *instance;
}

net::awaitable<void> run_session(std::shared_ptr<proxy::ClientSession> session) {
  co_await session->run();
}

/// Writes `bytes` to the non-blocking `fd`, running the session while the socket is full.
template <class Pump>
void write_all(int fd, std::span<const std::uint8_t> bytes, Pump pump) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pump(true);
    } else {
      return;  // the session closed its end: the rest cannot be delivered
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& ctx = context();
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  std::span<const std::uint8_t> input(data + 1, size - 1);
  const std::size_t cut = std::min<std::size_t>(control >> 1, input.size());

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);

  net::asio::io_context io(1);
  net::Socket socket(io);
  net::error_code ec;
  socket.assign(net::asio::generic::stream_protocol(AF_UNIX, 0), fds[0], ec);
  if (ec) std::abort();
  net::PeerAddress peer;
  if ((control & 1) != 0) {
    peer.is_unix = true;
  } else {
    peer.ip = "127.0.0.1";
    peer.port = 40000;
  }
  auto session = std::make_shared<proxy::ClientSession>(ctx, std::move(socket), peer);
  bool ended = false;
  net::asio::co_spawn(io, run_session(std::move(session)),
                      [&ended](const std::exception_ptr& error) {
                        if (error) std::abort();  // run() promises never to throw
                        ended = true;
                      });

  // Runs ready handlers (or waits a little for one with `block`), and reads what the session
  // sent so that its writes never stall.
  auto pump = [&io, fd = fds[1]](bool block) {
    std::size_t n = block ? io.run_one_for(std::chrono::milliseconds(20)) : io.poll();
    std::uint8_t sink[16384];
    while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    return n;
  };

  write_all(fds[1], input.first(cut), pump);
  while (pump(false) > 0) {
  }
  write_all(fds[1], input.subspan(cut), pump);
  ::shutdown(fds[1], SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ended) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "the session did not end after its input ended\n");
      std::abort();
    }
    pump(true);
  }
  ::close(fds[1]);
  io.run();  // whatever the session left (timers being cancelled)

  if (ctx.sessions().size() != 0 || ctx.counters().clients != 0 || ctx.cancels().size() != 0) {
    std::fprintf(stderr, "the session left state behind\n");
    std::abort();
  }
  return 0;
}
