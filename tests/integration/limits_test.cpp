// The limits of [limits] and [pool], each with its SQLSTATE and PostgreSQL's wording:
// client_idle_timeout (57P05), idle_in_transaction_timeout (25P03), max_user_connections and
// max_database_connections (53300), server_connect_timeout (08001) and server_login_timeout
// (08006). Tested elsewhere: authentication_timeout (proxy_bad_input_test), pool_wait_timeout
// and max_client_connections (proxy_pool_test).
//
// The two server timeouts need a backend that does not answer, yet the replication monitor
// must see a primary there, or sessions get 57P03 "no primary server is available" before
// pgwarden ever connects. So the backend is a FakeBackend on loopback: it relays the monitor's
// connections (recognized by the role in their startup packet; the monitor keeps its
// connection open) to the real primary, and leaves every other login unanswered; for the
// connect timeout it then stops accepting and fills its accept queue, so that new SYNs are
// dropped while the monitor's established connection goes on working.

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/process.hpp"
#include "protocol/frontend.hpp"
#include "proxy_fixture.hpp"
#include "raw_client.hpp"
#include "testbed/config_text.hpp"
#include "testbed/files.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

long long ms_since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

/// Sends a simple Query and reads up to ReadyForQuery: the first column of the first row ("" if
/// none), "E:<sqlstate>" after an error, "<closed>" or "<timeout>".
std::string raw_query(RawClient& client, const std::string& sql) {
  protocol::Bytes bytes;
  protocol::encode(protocol::Query{sql}, bytes);
  if (!client.send(bytes)) return "<closed>";
  std::string value;
  bool have_row = false;
  for (;;) {
    auto message = client.read_message();
    if (!message) return client.eof() ? "<closed>" : "<timeout>";
    const auto& body = message->body;
    if (message->type == 'E') value = "E:" + error_sqlstate(body);
    if (message->type == 'Z') return value;
    // DataRow: int16 column count, then int32 length and bytes of each column.
    if (message->type == 'D' && !have_row && body.size() >= 6) {
      have_row = true;
      auto length = static_cast<std::int32_t>(static_cast<std::uint32_t>(body[2]) << 24 |
                                              static_cast<std::uint32_t>(body[3]) << 16 |
                                              static_cast<std::uint32_t>(body[4]) << 8 | body[5]);
      if (length > 0 && body.size() >= 6 + static_cast<std::size_t>(length)) {
        value.assign(body.begin() + 6, body.begin() + 6 + length);
      }
    }
  }
}

/// A login through the proxy with RawClient: "" on success, else the SQLSTATE; `message` gets
/// the error's text.
std::string raw_login(int port, const std::string& user, const std::string& database,
                      const std::string& password, std::string* message = nullptr) {
  auto client = RawClient::connect_tcp(port);
  if (!client) return "<connect>";
  return client->login(user, database, password, message);
}

// ---------------------------------------------------------------------------------------------
// Idle timeouts and connection counts, against the real primary

class ProxyLimits : public ProxyFixture {};

TEST_F(ProxyLimits, ClientIdleTimeoutClosesIdleSessionsOnly) {
  start_proxy({.settings = {{"limits", "client_idle_timeout = \"1s\""}}});
  auto idle = RawClient::connect_tcp(proxy_->port());
  ASSERT_NE(idle, nullptr);
  ASSERT_EQ(idle->login("app", "app", cluster_->app_password()), "");
  auto since = SteadyClock::now();
  auto message = idle->read_message(5s);
  auto waited = ms_since(since);
  ASSERT_TRUE(message) << "the idle session was not closed within 5 s";
  ASSERT_EQ(message->type, 'E');
  EXPECT_EQ(error_sqlstate(message->body), "57P05");
  EXPECT_EQ(error_message(message->body), "terminating connection due to idle-session timeout");
  // Not before the timeout (counted from the ReadyForQuery, which pgwarden saw a moment before
  // this client did), and not much after.
  EXPECT_GE(waited, 950);
  EXPECT_LT(waited, 2500);
  EXPECT_TRUE(idle->wait_closed(5s));
  std::cout << "client_idle_timeout 1000 ms: closed after " << waited << " ms\n";

  // Busy sessions are not idle: a statement running longer than the timeout...
  auto busy = std::async(std::launch::async, [conninfo = app_conninfo()] {
    PgConnection conn(conninfo);
    if (!conn.ok()) return "connect: " + conn.error();
    auto slow = conn.exec("SELECT pg_sleep(2.5)");
    if (!slow.ok) return "pg_sleep: " + slow.sqlstate + " " + slow.error;
    auto after = conn.exec("SELECT 'alive'");
    return after.ok ? after.value() : "after: " + after.sqlstate + " " + after.error;
  });
  // ...nor one whose queries come more often than the timeout.
  PgConnection chatty(app_conninfo());
  ASSERT_TRUE(chatty.ok()) << chatty.error();
  auto chatty_since = SteadyClock::now();
  for (int i = 0; i < 8; ++i) {
    auto result = chatty.exec("SELECT " + std::to_string(i));
    ASSERT_TRUE(result.ok) << "query " << i << " after " << ms_since(chatty_since)
                           << " ms: " << result.sqlstate << " " << result.error;
    std::this_thread::sleep_for(400ms);  // the client's pace, below the timeout
  }
  EXPECT_EQ(busy.get(), "alive");
}

TEST_F(ProxyLimits, IdleInTransactionTimeoutClosesTheSessionAndItsServerConnection) {
  // One server connection in the pool: had the transaction's connection been given back, the
  // next client would get it.
  start_proxy({.settings = {{"limits", "idle_in_transaction_timeout = \"1s\""},
                            {"pool", "pool_size = 1"}}});
  auto client = RawClient::connect_tcp(proxy_->port());
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(client->login("app", "app", cluster_->app_password()), "");
  ASSERT_EQ(raw_query(*client, "BEGIN"), "");
  std::string pid = raw_query(*client, "SELECT pg_backend_pid()");
  ASSERT_FALSE(pid.empty());
  ASSERT_NE(pid.front(), '<');
  auto since = SteadyClock::now();
  auto message = client->read_message(5s);
  auto waited = ms_since(since);
  ASSERT_TRUE(message) << "the session idle in its transaction was not closed within 5 s";
  ASSERT_EQ(message->type, 'E');
  EXPECT_EQ(error_sqlstate(message->body), "25P03");
  EXPECT_EQ(error_message(message->body),
            "terminating connection due to idle-in-transaction timeout");
  EXPECT_GE(waited, 950);
  EXPECT_LT(waited, 2500);
  EXPECT_TRUE(client->wait_closed(5s));
  std::cout << "idle_in_transaction_timeout 1000 ms: closed after " << waited << " ms\n";

  // The server connection was closed, not reset and reused.
  EXPECT_TRUE(wait_until(
      [&] {
        auto count = cluster_->primary().query_value(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid);
        return count && *count == "0";
      },
      10s))
      << "server backend " << pid << " still exists";
  auto next = RawClient::connect_tcp(proxy_->port());
  ASSERT_NE(next, nullptr);
  ASSERT_EQ(next->login("app", "app", cluster_->app_password()), "");
  auto next_pid = raw_query(*next, "SELECT pg_backend_pid()");
  EXPECT_NE(next_pid, pid);
  EXPECT_EQ(raw_query(*next, "SELECT now() = statement_timestamp()"), "t")
      << "the next client is inside an old transaction";
  // Outside a transaction the limit does not apply: 1.5 s of silence closes nothing.
  EXPECT_FALSE(next->read_message(1500ms));
  EXPECT_FALSE(next->eof());
  EXPECT_EQ(raw_query(*next, "SELECT 'still open'"), "still open");
}

TEST_F(ProxyLimits, MaxUserConnections) {
  start_proxy({.extra_password_lines = {"\"" + cluster_->monitor_user() + "\" \"" +
                                        cluster_->monitor_password() + "\""},
               .settings = {{"limits", "max_user_connections = 2"}}});
  auto first = std::make_unique<PgConnection>(app_conninfo());
  PgConnection second(app_conninfo());
  ASSERT_TRUE(first->ok()) << first->error();
  ASSERT_TRUE(second.ok()) << second.error();
  std::string message;
  EXPECT_EQ(raw_login(proxy_->port(), "app", "app", cluster_->app_password(), &message), "53300");
  EXPECT_EQ(message, "too many connections for role \"app\"");
  // Each role is counted apart.
  PgConnection other_role(proxy_->conninfo(cluster_->monitor_user(), cluster_->monitor_password(),
                                           cluster_->app_database()));
  EXPECT_TRUE(other_role.ok()) << other_role.error();
  // A session that ends gives its place back.
  first.reset();
  EXPECT_TRUE(wait_until(
      [&] { return raw_login(proxy_->port(), "app", "app", cluster_->app_password()).empty(); },
      5s));
}

TEST_F(ProxyLimits, MaxDatabaseConnections) {
  start_proxy({.settings = {{"limits", "max_database_connections = 2"}}});
  auto first = std::make_unique<PgConnection>(app_conninfo());
  PgConnection second(app_conninfo());
  ASSERT_TRUE(first->ok()) << first->error();
  ASSERT_TRUE(second.ok()) << second.error();
  std::string message;
  EXPECT_EQ(raw_login(proxy_->port(), "app", "app", cluster_->app_password(), &message), "53300");
  EXPECT_EQ(message, "too many connections for database \"app\"");
  // Each database is counted apart.
  EXPECT_EQ(raw_login(proxy_->port(), "app", "postgres", cluster_->app_password(), &message), "")
      << message;
  first.reset();
  EXPECT_TRUE(wait_until(
      [&] { return raw_login(proxy_->port(), "app", "app", cluster_->app_password()).empty(); },
      5s));
}

// ---------------------------------------------------------------------------------------------
// Server connect and login timeouts, against a backend that does not answer

bool send_all(int fd, const std::uint8_t* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    auto n = ::send(fd, data + done, size - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

/// Reads exactly `size` bytes unless `stop_fd` becomes readable or the peer closes first.
bool read_exact(int fd, int stop_fd, std::uint8_t* into, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) return false;
    auto n = ::recv(fd, into + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// Starts a non-blocking connect to loopback `port`; true (and `fd`) if it completes within
/// `timeout`. `fd` is set either way (-1 if no socket); the caller closes it.
bool connect_within(int port, std::chrono::milliseconds timeout, int& fd) {
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  auto addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd pfd{fd, POLLOUT, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return false;
  int error = 0;
  socklen_t length = sizeof error;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

/// Copies bytes both ways until one side closes or `stop_fd` becomes readable.
void relay(int a, int b, int stop_fd) {
  std::uint8_t buffer[16384];
  for (;;) {
    pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0 || (fds[2].revents & POLLIN) != 0) return;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0 || !send_all(fds[1 - i].fd, buffer, static_cast<std::size_t>(n))) return;
    }
  }
}

/// The value of `key` in a startup packet's body after its protocol version ("" if absent).
std::string startup_parameter(const std::vector<std::uint8_t>& parameters, const std::string& key) {
  std::vector<std::string> strings;
  std::string current;
  for (auto byte : parameters) {
    if (byte == 0) {
      strings.push_back(std::move(current));
      current.clear();
    } else {
      current += static_cast<char>(byte);
    }
  }
  for (std::size_t i = 0; i + 1 < strings.size(); i += 2) {
    if (strings[i] == key) return strings[i + 1];
  }
  return "";
}

/// pgwarden's only backend, on loopback (see the comment at the top of this file): relays
/// the connections of `relayed_user` to the real server at `real_port` and leaves every other
/// login unanswered. Connections are served by a thread each; all end at destruction.
class FakeBackend {
 public:
  FakeBackend(int real_port, std::string relayed_user)
      : real_port_(real_port), relayed_user_(std::move(relayed_user)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = loopback(0);
    socklen_t length = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length) != 0 ||
        ::pipe2(stop_, O_CLOEXEC) != 0 || ::pipe2(stop_accepting_, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "cannot set up the fake backend: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FakeBackend() {
    std::uint8_t byte = 1;
    for (int fd : {stop_[1], stop_accepting_[1]}) {
      if (fd >= 0) {
        [[maybe_unused]] auto n = ::write(fd, &byte, 1);
      }
    }
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& thread : connections_)
      thread.join();
    for (int fd : queued_)
      ::close(fd);
    ::close(listener_);
    for (int fd : {stop_[0], stop_[1], stop_accepting_[0], stop_accepting_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }

  int port() const { return port_; }
  /// Logins read and left unanswered so far.
  int silent_logins() const { return silent_logins_.load(); }

  /// From now on connect() to this backend hangs: stops accepting, shrinks the listen backlog
  /// to 0 and queues one connection, after which the kernel drops new SYNs. Fails if a probe
  /// connection still completes (then this kernel queues differently and the test would prove
  /// nothing). Established connections are unaffected.
  Result<void> make_connects_hang() {
    std::uint8_t byte = 1;
    if (::write(stop_accepting_[1], &byte, 1) != 1) return fail("cannot stop the acceptor");
    acceptor_.join();
    if (::listen(listener_, 0) != 0) return fail(std::string("listen: ") + std::strerror(errno));
    int filler = -1;
    bool queued = connect_within(port_, 2s, filler);
    queued_.push_back(filler);
    if (!queued) return fail("the connection meant to fill the accept queue did not complete");
    int probe = -1;
    bool probe_connected = connect_within(port_, 500ms, probe);
    queued_.push_back(probe);
    if (probe_connected) return fail("connect() still completes with a full accept queue");
    return {};
  }

 private:
  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_accepting_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) return;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  void serve(int fd) {
    // An SSLRequest (if the backend's tls setting asks) is declined; then the startup packet.
    std::vector<std::uint8_t> packet(8);
    if (!read_exact(fd, stop_[0], packet.data(), 8)) return;
    const std::uint8_t kSslRequest[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    if (std::equal(packet.begin(), packet.end(), kSslRequest)) {
      const std::uint8_t kNo = 'N';
      if (!send_all(fd, &kNo, 1) || !read_exact(fd, stop_[0], packet.data(), 8)) return;
    }
    std::size_t length = static_cast<std::size_t>(packet[0]) << 24 |
                         static_cast<std::size_t>(packet[1]) << 16 |
                         static_cast<std::size_t>(packet[2]) << 8 | packet[3];
    if (length < 8 || length > 10'000) return;
    packet.resize(length);
    if (!read_exact(fd, stop_[0], packet.data() + 8, length - 8)) return;
    std::vector<std::uint8_t> parameters(packet.begin() + 8, packet.end());
    if (startup_parameter(parameters, "user") != relayed_user_) {
      ++silent_logins_;
      std::uint8_t byte = 0;
      while (read_exact(fd, stop_[0], &byte, 1)) {
      }
      return;
    }
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = loopback(real_port_);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        send_all(upstream, packet.data(), packet.size())) {
      relay(fd, upstream, stop_[0]);
    }
    ::close(upstream);
  }

  int real_port_;
  std::string relayed_user_;
  int listener_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  int stop_accepting_[2] = {-1, -1};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  ///< touched by the acceptor only, until it is joined
  std::vector<int> queued_;
  std::atomic<int> silent_logins_{0};
};

bool accepts_connections(int port) {
  int fd = -1;
  bool ok = connect_within(port, 1s, fd);
  if (fd >= 0) ::close(fd);
  return ok;
}

/// pgwarden with the fake backend as its only [[backends]] table (written by the test, which
/// ProxySettings cannot do): proxy_config_text() for the cluster, its backends replaced.
class ServerTimeouts : public ProxyFixture {
 protected:
  void start_behind_fake(const std::string& pool_lines) {
    fake_ = std::make_unique<FakeBackend>(cluster_->primary().port(), cluster_->monitor_user());
    auto dir = testbed::make_temp_dir("pgwarden-proxy-", testbed::Owner{});
    ASSERT_TRUE(dir) << dir.error().message;
    dir_ = *dir;
    auto port = testbed::PortAllocator::instance().allocate();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    testbed::ProxySettings settings;
    settings.settings = {{"pool", pool_lines}};
    settings.admin_api = false;
    std::string text = testbed::proxy_config_text(*cluster_, settings, dir_, port_, 0);
    // tls = "disable": the startup packet, which names the role, is the first thing sent.
    text = text.substr(0, text.find("\n[[backends]]")) +
           "\n[[backends]]\nname = \"fake\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(fake_->port()) + "\ntls = \"disable\"\n";
    auto secret =
        cluster_->primary().query_value("SELECT rolpassword FROM pg_authid WHERE rolname = " +
                                        testbed::sql_literal(cluster_->app_user()));
    ASSERT_TRUE(secret) << secret.error().message;
    const testbed::Owner self{};
    ASSERT_TRUE(testbed::write_file(dir_ + "/pgwarden.toml", text, self));
    ASSERT_TRUE(testbed::write_file(dir_ + "/pg_hba.conf",
                                    "host all all 127.0.0.1/32 scram-sha-256\n", self));
    ASSERT_TRUE(testbed::write_file(
        dir_ + "/passwords", "\"" + cluster_->app_user() + "\" \"" + *secret + "\"\n", self));
    auto pid = spawn_background({.argv = {pgwarden_binary(), "run", "-c", dir_ + "/pgwarden.toml"}},
                                {.log_file = dir_ + "/pgwarden.log"});
    ASSERT_TRUE(pid) << pid.error().message;
    pid_ = *pid;
    ASSERT_TRUE(
        wait_until([&] { return accepts_connections(port_) || !process_alive(pid_); }, 20s));
    ASSERT_TRUE(process_alive(pid_)) << log_text();
    ASSERT_TRUE(
        wait_until([&] { return log_text().find("primary is fake") != std::string::npos; }, 10s))
        << log_text();
  }

  std::string log_text() const {
    auto text = testbed::read_file(dir_ + "/pgwarden.log");
    return text ? *text : std::string();
  }

  /// A client's login through pgwarden, timed: its SQLSTATE and message.
  void login_and_expect(const std::string& sqlstate, const std::string& message,
                        std::chrono::milliseconds timeout, const std::string& what) {
    std::string got;
    auto since = SteadyClock::now();
    EXPECT_EQ(raw_login(port_, "app", "app", cluster_->app_password(), &got), sqlstate);
    auto waited = ms_since(since);
    EXPECT_EQ(got, message);
    // The whole login, pgwarden's own authentication included, takes about the timeout.
    EXPECT_GE(waited, timeout.count());
    EXPECT_LT(waited, timeout.count() + 1500);
    std::cout << what << " " << timeout.count() << " ms: client got " << sqlstate << " after "
              << waited << " ms\n";
    EXPECT_TRUE(wait_until([&] { return log_text().find(message) != std::string::npos; }, 5s))
        << log_text();
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "--- pgwarden log ---\n" << log_text();
    if (pid_ > 0 && process_alive(pid_)) {
      send_signal(pid_, SIGINT);
      if (!wait_for_exit(pid_, 5s)) {
        send_signal(pid_, SIGKILL);
        wait_for_exit(pid_, 5s);
      }
    }
    fake_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  std::unique_ptr<FakeBackend> fake_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

TEST_F(ServerTimeouts, ServerConnectTimeout) {
  start_behind_fake("server_connect_timeout = \"1s\"\nserver_login_timeout = \"10s\"");
  auto hanging = fake_->make_connects_hang();
  ASSERT_TRUE(hanging) << hanging.error().message;
  login_and_expect("08001",
                   "cannot connect to server fake (127.0.0.1:" + std::to_string(fake_->port()) +
                       "): timed out after 1000 ms",
                   1000ms, "server_connect_timeout");
}

TEST_F(ServerTimeouts, ServerLoginTimeout) {
  start_behind_fake("server_connect_timeout = \"10s\"\nserver_login_timeout = \"1s\"");
  login_and_expect("08006",
                   "login to server fake (127.0.0.1:" + std::to_string(fake_->port()) +
                       ") did not finish within 1000 ms",
                   1000ms, "server_login_timeout");
  EXPECT_GE(fake_->silent_logins(), 1);
}

}  // namespace
}  // namespace pgw::testing
