#include "testbed/proxy_instance.hpp"

#include <csignal>
#include <filesystem>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testbed/config_text.hpp"
#include "testbed/files.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::testbed {
namespace {

constexpr std::string_view kDefaultHba =
    "# pgwarden's own client rules (pg_hba.conf syntax)\n"
    "local  all  all                scram-sha-256\n"
    "host   all  all  127.0.0.1/32  scram-sha-256\n"
    "host   all  all  ::1/128       scram-sha-256\n";

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string section_extra(const ProxySettings& settings, std::string_view section) {
  std::string out;
  for (const auto& [name, line] : settings.settings) {
    if (name == section) out += line + "\n";
  }
  return out;
}

}  // namespace

std::string proxy_config_text(LocalCluster& cluster, const ProxySettings& settings,
                              const std::string& dir, int port, int admin_port) {
  std::string addresses;
  for (const auto& a : settings.listen_addresses) {
    addresses += (addresses.empty() ? "" : ", ") + toml_string(a);
  }
  std::string text =
      "# Written by the pgwarden test bed.\nworkers = " + std::to_string(settings.workers) + "\n" +
      section_extra(settings, "") + "\n[listen]\naddresses = [" + addresses +
      "]\nport = " + std::to_string(port) +
      "\nunix_socket_dir = " + toml_string(settings.unix_socket ? dir : "") + "\n" +
      section_extra(settings, "listen") +
      "\n[auth]\nhba_file = \"pg_hba.conf\"\npasswords_file = \"passwords\"\n" +
      section_extra(settings, "auth") + "\n[pool]\n" + section_extra(settings, "pool") +
      "\n[limits]\n" + section_extra(settings, "limits") +
      "\n[log]\nlevel = " + toml_string(settings.log_level) + "\n" + section_extra(settings, "log");
  text += "\n[monitor]\nuser = " + toml_string(cluster.monitor_user()) +
          "\npassword = " + toml_string(cluster.monitor_password()) + "\n" +
          section_extra(settings, "monitor");
  text += "\n[failover]\nsuperuser = " + toml_string(cluster.superuser()) +
          "\npassword = " + toml_string(cluster.superuser_password()) + "\n" +
          section_extra(settings, "failover");
  text += "\n[health_check]\n" + section_extra(settings, "health_check");
  text += "\n[routing]\n" + section_extra(settings, "routing");
  text += "\n[admin]\nlisten = " +
          toml_string(admin_port > 0 ? "127.0.0.1:" + std::to_string(admin_port) : "") + "\n" +
          section_extra(settings, "admin");
  for (std::size_t k = 0; k < cluster.size(); ++k) {
    std::size_t i = settings.reverse_backends ? cluster.size() - 1 - k : k;
    auto& node = cluster.node(i);
    std::uint32_t weight = i < settings.weights.size() ? settings.weights[i] : 1;
    text += "\n[[backends]]\nname = " + toml_string(node.name()) +
            "\nhost = \"127.0.0.1\"\nport = " + std::to_string(node.port()) +
            "\nweight = " + std::to_string(weight) + "\n";
  }
  return text;
}

Result<std::unique_ptr<ProxyInstance>> ProxyInstance::start(LocalCluster& cluster,
                                                            ProxySettings settings,
                                                            std::chrono::milliseconds timeout) {
  std::unique_ptr<ProxyInstance> proxy(new ProxyInstance());
  proxy->keep_ = settings.keep;
  Owner self{};  // files belong to whoever runs the proxy (this process's user)
  if (settings.dir.empty()) {
    auto dir = make_temp_dir("pgwarden-proxy-", self);
    if (!dir) return unexpected(dir.error());
    proxy->dir_ = *dir;
    proxy->temporary_dir_ = !settings.keep;
  } else {
    proxy->dir_ = settings.dir;
    std::error_code ec;
    std::filesystem::create_directories(settings.dir, ec);
  }
  int port = settings.port;
  if (port == 0) {
    auto allocated = PortAllocator::instance().allocate();
    if (!allocated) return unexpected(allocated.error());
    port = *allocated;
  }
  proxy->port_ = port;
  if (settings.admin_api) {
    auto allocated = PortAllocator::instance().allocate();
    if (!allocated) return unexpected(allocated.error());
    proxy->admin_port_ = *allocated;
  }

  auto& primary = cluster.primary();
  auto secret = primary.query_value("SELECT rolpassword FROM pg_authid WHERE rolname = " +
                                    sql_literal(cluster.app_user()));
  if (!secret) return fail("cannot read the app user's secret: " + secret.error().message);
  std::string passwords = "\"" + cluster.app_user() + "\" \"" + *secret + "\"\n";
  for (const auto& line : settings.extra_password_lines)
    passwords += line + "\n";

  const auto& dir = proxy->dir_;
  auto written =
      write_file(dir + "/pgwarden.toml",
                 proxy_config_text(cluster, settings, dir, port, proxy->admin_port_), self);
  if (written) {
    written = write_file(dir + "/pg_hba.conf",
                         settings.hba.empty() ? std::string(kDefaultHba) : settings.hba, self);
  }
  if (written) written = write_file(dir + "/passwords", passwords, self);
  if (!written) return unexpected(written.error());
  ::chmod((dir + "/passwords").c_str(), 0600);

  ProcessSpec spec;
  spec.argv = {settings.binary, "run", "-c", dir + "/pgwarden.toml"};
  SpawnOptions spawn_options;
  spawn_options.log_file = dir + "/pgwarden.log";
  auto pid = spawn_background(spec, spawn_options);
  if (!pid) return unexpected(pid.error());
  proxy->pid_ = *pid;

  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!accepts_connections(port)) {
    if (!process_alive(proxy->pid_)) {
      return fail("pgwarden exited at start:\n" + read_tail(proxy->log_path(), 4096));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return fail("pgwarden did not accept connections within " + std::to_string(timeout.count()) +
                  " ms:\n" + read_tail(proxy->log_path(), 4096));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return proxy;
}

ProxyInstance::~ProxyInstance() {
  if (keep_) return;
  if (pid_ > 0 && process_alive(pid_)) {
    send_signal(pid_, SIGINT);
    if (!wait_for_exit(pid_, std::chrono::seconds(5))) {
      send_signal(pid_, SIGKILL);
      wait_for_exit(pid_, std::chrono::seconds(5));
    }
  }
  if (temporary_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string ProxyInstance::log_text() const {
  auto text = read_file(log_path());
  return text ? *text : std::string();
}

std::string ProxyInstance::conninfo(const std::string& user, const std::string& password,
                                    const std::string& database, const std::string& extra) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + conninfo_value(user) +
         " password=" + conninfo_value(password) + " dbname=" + conninfo_value(database) +
         " connect_timeout=10 " + extra;
}

bool ProxyInstance::alive() const {
  return process_alive(pid_);
}

bool ProxyInstance::signal(int sig) const {
  return send_signal(pid_, sig);
}

bool ProxyInstance::wait_exit(std::chrono::milliseconds timeout) {
  return wait_for_exit(pid_, timeout);
}

}  // namespace pgw::testbed
