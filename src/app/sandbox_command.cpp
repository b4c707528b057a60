// `pgwarden sandbox up|down|status`: a primary, its standbys and a pgwarden proxy on loopback,
// built from nothing, for a first look and for demos. Everything lives in one directory:
//   DIR/cluster  the PostgreSQL nodes (testbed::LocalCluster, kept running)
//   DIR/proxy    pgwarden's config, pg_hba.conf, passwords, log and pid file, and its TLS
//                files: ca.crt (a CA made for this sandbox), server.crt and server.key (signed by
//                it for localhost, 127.0.0.1 and ::1), so that clients' sslmode=require works
//                out of the box and verify-full with sslrootcert=DIR/proxy/ca.crt

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/commands.hpp"
#include "common/process.hpp"
#include "testbed/certificates.hpp"
#include "testbed/local_cluster.hpp"
#include "testbed/port_allocator.hpp"
#include "testbed/proxy_instance.hpp"

namespace pgw::app {
namespace {

namespace fs = std::filesystem;

constexpr int kPreferredPort = 6432;

std::string self_binary() {
  std::error_code ec;
  auto path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("pgwarden") : path.string();
}

std::string cluster_dir(const SandboxOptions& o) {
  return o.dir + "/cluster";
}
std::string proxy_dir(const SandboxOptions& o) {
  return o.dir + "/proxy";
}
std::string pid_file(const SandboxOptions& o) {
  return proxy_dir(o) + "/pgwarden.pid";
}
std::string ca_file(const SandboxOptions& o) {
  std::error_code ec;
  return fs::absolute(proxy_dir(o) + "/ca.crt", ec).string();
}

bool port_is_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return free;
}

pid_t read_pid(const SandboxOptions& o) {
  std::ifstream in(pid_file(o));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

/// True if `pid` is a pgwarden whose command line names this sandbox (never signal a stranger).
bool is_our_proxy(pid_t pid, const SandboxOptions& o) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(proxy_dir(o)) != std::string::npos;
}

std::string connect_text(testbed::LocalCluster& cluster, const testbed::ProxyInstance& proxy,
                         const SandboxOptions& o) {
  int proxy_port = proxy.port();
  std::ostringstream out;
  out << "pgwarden sandbox in " << o.dir << "\n";
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    auto& node = cluster.node(i);
    auto in_recovery = node.is_in_recovery();
    std::string role = !in_recovery ? "down" : *in_recovery ? "standby" : "primary";
    out << "  " << role << std::string(9 - role.size(), ' ') << node.name()
        << "  127.0.0.1:" << node.port() << "  data " << node.data_dir() << "\n";
  }
  out << "  pgwarden  127.0.0.1:" << proxy_port << "  pid " << proxy.pid() << "  log "
      << proxy_dir(o) << "/pgwarden.log  admin API 127.0.0.1:" << proxy.admin_port() << "\n\n"
      << "Connect through pgwarden (user " << cluster.app_user() << ", password "
      << cluster.app_password() << ", database " << cluster.app_database() << "):\n"
      << "  PGPASSWORD='" << cluster.app_password() << "' psql -h 127.0.0.1 -p " << proxy_port
      << " -U " << cluster.app_user() << " " << cluster.app_database() << "\n\n"
      << "Over TLS, checking pgwarden's certificate against the sandbox's CA:\n"
      << "  PGPASSWORD='" << cluster.app_password() << "' psql 'host=localhost port=" << proxy_port
      << " user=" << cluster.app_user() << " dbname=" << cluster.app_database()
      << " sslmode=verify-full sslrootcert=" << ca_file(o) << "'\n\n"
      << "See the nodes and where reads go:\n  PGPASSWORD='" << cluster.app_password()
      << "' psql -h 127.0.0.1 -p " << proxy_port << " -U " << cluster.app_user() << " "
      << cluster.app_database()
      << " -c 'SHOW POOL_NODES'\n  pgwarden ctl --admin 127.0.0.1:" << proxy.admin_port()
      << " nodes\n\n"
      << "Stop and remove everything:\n  pgwarden sandbox down"
      << (o.dir == "/tmp/pgwarden-sandbox" ? "" : " --dir " + o.dir) << "\n";
  return out.str();
}

}  // namespace

int sandbox_up(const SandboxOptions& o) {
  if (fs::exists(cluster_dir(o) + "/cluster.manifest")) {
    std::cerr << "pgwarden sandbox: " << o.dir << " already holds a sandbox; `pgwarden sandbox "
              << "status` shows it, `pgwarden sandbox down` removes it\n";
    return 1;
  }
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  fs::permissions(o.dir,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);
  std::cout << "pgwarden sandbox: creating a primary and " << o.standbys << " standby(s) in "
            << o.dir << " ..." << std::endl;
  testbed::ClusterOptions options;
  options.base_dir = cluster_dir(o);
  options.standbys = o.standbys;
  options.keep_on_exit = true;
  options.stop_with_creator = false;
  auto cluster = testbed::LocalCluster::create(options);
  if (!cluster) {
    std::cerr << "pgwarden sandbox: " << cluster.error().message << "\n";
    return 1;
  }
  // Client TLS on, with a certificate of the sandbox's own CA: libpq's default sslmode=prefer
  // then encrypts, require works, and verify-full works given the CA.
  auto tls = testbed::make_server_tls_files(proxy_dir(o), testbed::Owner{});
  if (!tls) {
    std::cerr << "pgwarden sandbox: TLS certificate: " << tls.error().message << "\n";
    (void)(*cluster)->destroy();
    return 1;
  }
  testbed::ProxySettings settings;
  settings.binary = self_binary();
  settings.dir = proxy_dir(o);
  // Dotted keys at the top level (the test bed writes no [tls] table of its own); the paths
  // are relative to the configuration file, which sits beside them.
  settings.settings.emplace_back("", "tls.cert_file = \"server.crt\"");
  settings.settings.emplace_back("", "tls.key_file = \"server.key\"");
  settings.keep = true;
  settings.port = o.port != 0 ? o.port : port_is_free(kPreferredPort) ? kPreferredPort : 0;
  // Every read drawn anew, so that a short `pgbench -S` already shows the reads spread over the
  // nodes by weight (SHOW POOL_NODES); production configs usually keep the session-level default.
  settings.settings.emplace_back("routing", "statement_level = true");
  settings.admin_api = true;
  auto proxy = testbed::ProxyInstance::start(**cluster, settings);
  if (!proxy) {
    std::cerr << "pgwarden sandbox: " << proxy.error().message << "\n";
    (void)(*cluster)->destroy();
    return 1;
  }
  std::ofstream(pid_file(o)) << (*proxy)->pid() << "\n";
  auto text = connect_text(**cluster, **proxy, o);
  std::ofstream(o.dir + "/README.txt") << text;
  std::cout << "\n" << text;
  return 0;
}

int sandbox_down(const SandboxOptions& o) {
  bool found = false;
  pid_t pid = read_pid(o);
  if (is_our_proxy(pid, o)) {
    found = true;
    send_signal(pid, SIGTERM);
    if (!wait_for_exit(pid, std::chrono::seconds(10))) send_signal(pid, SIGKILL);
  }
  if (fs::exists(cluster_dir(o) + "/cluster.manifest")) {
    found = true;
    auto cluster = testbed::LocalCluster::open(cluster_dir(o));
    if (!cluster) {
      std::cerr << "pgwarden sandbox: " << cluster.error().message << "\n";
      return 1;
    }
    auto destroyed = (*cluster)->destroy();
    if (!destroyed) {
      std::cerr << "pgwarden sandbox: " << destroyed.error().message << "\n";
      return 1;
    }
  }
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  std::cout << (found ? "pgwarden sandbox: stopped and removed " + o.dir
                      : "pgwarden sandbox: nothing in " + o.dir)
            << "\n";
  return 0;
}

int sandbox_status(const SandboxOptions& o) {
  if (!fs::exists(cluster_dir(o) + "/cluster.manifest")) {
    std::cout << "pgwarden sandbox: none in " << o.dir << "\n";
    return 1;
  }
  auto cluster = testbed::LocalCluster::open(cluster_dir(o));
  if (!cluster) {
    std::cerr << "pgwarden sandbox: " << cluster.error().message << "\n";
    return 1;
  }
  pid_t pid = read_pid(o);
  bool proxy_up = is_our_proxy(pid, o);
  std::ifstream readme(o.dir + "/README.txt");
  std::string text((std::istreambuf_iterator<char>(readme)), std::istreambuf_iterator<char>());
  std::cout << text << "\nproxy: " << (proxy_up ? "running" : "NOT running") << "\n";
  return proxy_up ? 0 : 1;
}

}  // namespace pgw::app
