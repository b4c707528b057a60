// Many clients: thousands of idle client connections cost little memory, and thousands of
// connect/disconnect cycles leak neither file descriptors nor memory. Figures come from
// pgwarden's /proc entries; bench/README.md records them.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

#include "proxy_fixture.hpp"
#include "raw_client.hpp"

namespace pgw::testing {
namespace {

using namespace std::chrono_literals;

// Under AddressSanitizer, freed memory sits in a quarantine and every allocation carries red
// zones, so resident memory says nothing about pgwarden's own footprint: the memory bounds
// are asserted by the default build (scripts/test.sh runs this suite there too), the
// descriptor counts and the behaviour in both.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMeasuresMemory = false;
#else
constexpr bool kMeasuresMemory = true;
#endif

/// Resident memory of `pid` in KiB (VmRSS), or -1.
long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// What each open descriptor of `pid` refers to, one per line (for failure messages).
std::string describe_fds(pid_t pid) {
  std::string out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd/";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    out += entry.path().filename().string() + " -> " +
           std::filesystem::read_symlink(entry.path(), ec).string() + "\n";
  }
  return out;
}

/// Open file descriptors of `pid`, or -1.
int open_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator entries("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return -1;
  return static_cast<int>(std::distance(entries, std::filesystem::directory_iterator()));
}

/// The crowd logs in to pgwarden with trust, so that thousands of logins cost the test no
/// SCRAM work, and pgwarden logs in to the server with the crowd's password from its
/// passwords file. The pool holds few server connections; the other clients queue for one.
constexpr const char* kCrowd = "crowd";
constexpr int kPoolSize = 10;
constexpr const char* kCrowdPassword = "crowd-password-1";

testbed::ProxySettings many_clients_settings() {
  testbed::ProxySettings settings;
  settings.hba = "host all crowd 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n";
  settings.extra_password_lines = {"\"" + std::string(kCrowd) + "\" \"" + kCrowdPassword + "\""};
  settings.settings = {
      {"limits", "max_client_connections = 5000"},
      {"pool", "pool_size = " + std::to_string(kPoolSize) + "\npool_wait_timeout = \"10min\""}};
  return settings;
}

class ManyClients : public ProxyFixture {
 protected:
  static void SetUpTestSuite() {
    create_cluster(0);
    ASSERT_TRUE(cluster_->primary().execute(std::string("CREATE ROLE ") + kCrowd +
                                            " LOGIN PASSWORD '" + kCrowdPassword + "'"));
  }

  /// A client that has sent its startup packet: logged in and idle when a server
  /// connection was free, otherwise queued for one.
  std::unique_ptr<RawClient> idle_client() {
    auto client = RawClient::connect_tcp(proxy_->port());
    if (client && !client->send_startup(kCrowd, cluster_->app_database())) {
      client.reset();
    }
    return client;
  }

  /// Waits until pgwarden's resident memory stops moving, and returns it.
  long settled_rss() {
    long last = resident_kib(proxy_->pid());
    wait_until(
        [&] {
          std::this_thread::sleep_for(200ms);
          long now = resident_kib(proxy_->pid());
          bool still = now == last;
          last = now;
          return still;
        },
        10s);
    return last;
  }
};

TEST_F(ManyClients, TwoThousandIdleClientsCostLittleMemory) {
  constexpr int kClients = 2000;
  start_proxy(many_clients_settings());
  // Warm up: one full login, so that libraries and the server pool are already in memory.
  {
    auto warm = RawClient::connect_tcp(proxy_->port());
    ASSERT_TRUE(warm);
    ASSERT_EQ(warm->login(kCrowd, cluster_->app_database(), ""), "");
  }
  const long before = settled_rss();
  const int fds_before = open_fds(proxy_->pid());
  std::vector<std::unique_ptr<RawClient>> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    auto client = idle_client();
    ASSERT_TRUE(client) << "client " << i << " could not connect\n" << proxy_->log_text();
    clients.push_back(std::move(client));
  }
  // Every connection is accepted and held: pgwarden has one descriptor per client.
  ASSERT_TRUE(wait_until([&] { return open_fds(proxy_->pid()) >= fds_before + kClients; }, 30s))
      << open_fds(proxy_->pid()) << " descriptors, " << fds_before << " before";
  const long after = settled_rss();
  const double per_client = static_cast<double>(after - before) / kClients;
  std::cout << kClients << " idle clients: pgwarden RSS " << before << " KiB -> " << after
            << " KiB, " << per_client << " KiB per idle client\n";
  if (kMeasuresMemory) {
    EXPECT_LT(per_client, 20.0);
  }
  // The queue moves: the clients holding the pool's connections leave, and the next one
  // in line gets a server and its ReadyForQuery.
  for (int i = 0; i < 10; ++i)
    clients[i].reset();
  std::string message;
  EXPECT_EQ(clients[10]->read_until_ready_or_error(&message, 30s), "") << message;
  EXPECT_TRUE(proxy_->alive());
}

TEST_F(ManyClients, FiveThousandConnectDisconnectCyclesLeakNothing) {
  constexpr int kCycles = 5000;
  constexpr int kWarmup = 500;
  constexpr long kRssBoundKib = 4096;  // allocator slack, not per-connection growth
  start_proxy(many_clients_settings());
  auto cycle = [&](int i) {
    auto client = RawClient::connect_tcp(proxy_->port());
    ASSERT_TRUE(client) << "cycle " << i;
    std::string message;
    ASSERT_EQ(client->login(kCrowd, cluster_->app_database(), "", &message), "")
        << "cycle " << i << ": " << message;
    ASSERT_TRUE(client->send_text(std::string("X\0\0\0\4", 5)));
  };
  for (int i = 0; i < kWarmup; ++i)
    ASSERT_NO_FATAL_FAILURE(cycle(i));
  const long rss_warm = settled_rss();
  ASSERT_TRUE(wait_until([&] { return open_fds(proxy_->pid()) > 0; }, 5s));
  const int fds_warm = open_fds(proxy_->pid());
  const std::string fds_warm_text = describe_fds(proxy_->pid());
  for (int i = kWarmup; i < kCycles; ++i)
    ASSERT_NO_FATAL_FAILURE(cycle(i));
  // Closing is asynchronous: wait for the descriptors to come back to the warm count, give
  // or take the server pool, which may have grown meanwhile (a client arriving while the
  // previous one's connection was still being reset gets another one).
  int fds_now = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        fds_now = open_fds(proxy_->pid());
        return fds_now <= fds_warm + kPoolSize;
      },
      10s))
      << fds_now << " descriptors open after " << kCycles << " cycles, " << fds_warm
      << " after the warm-up:\n"
      << describe_fds(proxy_->pid()) << "after the warm-up:\n"
      << fds_warm_text;
  const long rss_end = settled_rss();
  std::cout << kCycles << " connect/disconnect cycles: descriptors " << fds_warm << " -> "
            << fds_now << ", RSS " << rss_warm << " KiB after " << kWarmup << " -> " << rss_end
            << " KiB after " << kCycles << "\n";
  if (kMeasuresMemory) {
    EXPECT_LE(rss_end - rss_warm, kRssBoundKib);
  }
}

}  // namespace
}  // namespace pgw::testing
