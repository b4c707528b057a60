#include "testbed/local_cluster.hpp"
#include <utility>

#include <filesystem>
#include <thread>

#include <signal.h>

#include "testbed/certificates.hpp"
#include "testbed/config_text.hpp"
#include "testbed/files.hpp"
#include "testbed/initdb_template.hpp"
#include "testbed/port_allocator.hpp"

namespace pgw::testbed {
namespace fs = std::filesystem;
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMaxStandbys = 8;  // max_wal_senders = 10 leaves room for pg_basebackup
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(60);
constexpr auto kBackupTimeout = std::chrono::minutes(5);
constexpr auto kStreamingTimeout = std::chrono::seconds(60);
constexpr auto kPollInterval = milliseconds(20);

bool has_line_break(const std::string& text) {
  return text.find_first_of(std::string("\n\r\0", 3)) != std::string::npos;
}

Result<void> validate(const ClusterOptions& options) {
  if (options.standbys < 0 || options.standbys > kMaxStandbys) {
    return fail("standbys must be between 0 and " + std::to_string(kMaxStandbys));
  }
  if (options.synchronous && options.standbys == 0) {
    return fail("a synchronous cluster needs at least one standby");
  }
  if (options.app_user.empty() || options.app_database.empty()) {
    return fail("app_user and app_database must not be empty");
  }
  for (const auto* text : {&options.app_user, &options.app_password, &options.app_database}) {
    if (has_line_break(*text)) return fail("app settings must not contain line breaks or NUL");
  }
  for (auto reserved : {kSuperuser, kReplUser, kMonitorUser}) {
    if (options.app_user == reserved) return fail("app_user must not be " + options.app_user);
  }
  return {};
}

/// The cluster directory: a new one under /tmp, or `base_dir` created if missing (and empty).
Result<std::string> prepare_dir(const std::string& base_dir, const Owner& owner) {
  if (base_dir.empty()) return make_temp_dir("pgwarden-", owner);
  std::error_code ec;
  std::string dir = fs::absolute(base_dir, ec).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  // The longest socket path must fit sockaddr_un.sun_path (107 characters and a NUL).
  if ((dir + "/node0/run/.s.PGSQL.65535").size() > 107) {
    return fail(dir + " is too long for the Unix socket paths inside it");
  }
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) return fail(dir + " is not empty");
  if (auto made = make_dir(dir, owner); !made) return fail(made.error().message);
  return dir;
}

}  // namespace

LocalCluster::LocalCluster(ClusterOptions options, ClusterManifest manifest, std::string dir)
    : options_(std::move(options)), manifest_(std::move(manifest)), dir_(std::move(dir)) {}

LocalCluster::~LocalCluster() {
  if (destroyed_ || options_.keep_on_exit) return;
  [[maybe_unused]] auto destroyed = destroy();
}

Result<std::unique_ptr<LocalCluster>> LocalCluster::create(ClusterOptions options) {
  if (auto valid = validate(options); !valid) return fail(valid.error().message);
  auto bin_dir = resolve_bin_dir(options.bin_dir);
  if (!bin_dir) return fail(bin_dir.error().message);
  auto os_user = find_unprivileged_user();
  if (!os_user) return fail(os_user.error().message);
  auto info = lookup_user(*os_user);
  if (!info) return fail(info.error().message);
  auto dir = prepare_dir(options.base_dir, Owner::of(*info));
  if (!dir) return fail(dir.error().message);
  if (options.app_password.empty()) options.app_password = random_password();
  ClusterManifest manifest{.os_user = *os_user,
                           .bin_dir = *bin_dir,
                           .superuser_password = random_password(),
                           .monitor_password = random_password(),
                           .repl_password = random_password(),
                           .app_user = options.app_user,
                           .app_password = options.app_password,
                           .app_database = options.app_database,
                           .synchronous = options.synchronous};
  std::unique_ptr<LocalCluster> cluster(
      new LocalCluster(std::move(options), std::move(manifest), std::move(*dir)));
  cluster->os_user_info_ = std::move(*info);
  // From here on, a failure leaves the cleanup to the cluster's destructor.
  if (auto writable = check_writable_by(cluster->dir_, *os_user); !writable) {
    return fail(writable.error().message);
  }
  auto template_dir = initdb_template(cluster->manifest_.bin_dir, cluster->os_user_info_);
  if (!template_dir) return fail(template_dir.error().message);
  if (auto built = cluster->build(*template_dir); !built) {
    // Even a kept directory (for inspection) must not leave half a cluster running.
    [[maybe_unused]] auto stopped = cluster->stop_all();
    return fail(built.error().message);
  }
  return cluster;
}

Result<std::unique_ptr<LocalCluster>> LocalCluster::open(const std::string& path) {
  std::error_code ec;
  const std::string dir = fs::absolute(path, ec).lexically_normal().string();
  auto text = read_file(dir + "/" + std::string(kManifestFile));
  if (!text) return fail("not a test bed cluster: " + text.error().message);
  auto manifest = parse_manifest(*text);
  if (!manifest) return fail(dir + ": " + manifest.error().message);
  auto info = lookup_user(manifest->os_user);
  if (!info) return fail(info.error().message);
  ClusterOptions options{.base_dir = dir,
                         .standbys = static_cast<int>(manifest->nodes.size()) - 1,
                         .keep_on_exit = true,
                         .app_user = manifest->app_user,
                         .app_password = manifest->app_password,
                         .app_database = manifest->app_database,
                         .synchronous = manifest->synchronous,
                         .ssl = fs::exists(dir + "/tls/ca.crt", ec),
                         .bin_dir = manifest->bin_dir};
  std::unique_ptr<LocalCluster> cluster(new LocalCluster(std::move(options), *manifest, dir));
  cluster->os_user_info_ = std::move(*info);
  for (const auto& node : manifest->nodes) {
    cluster->nodes_.push_back(std::make_unique<PostgresNode>(NodeSettings{
        node.name, dir + "/" + node.name, node.port, manifest->os_user, manifest->bin_dir, 0}));
  }
  return cluster;
}

std::vector<PostgresNode*> LocalCluster::standbys() {
  std::vector<PostgresNode*> out;
  for (std::size_t i = 1; i < nodes_.size(); ++i)
    out.push_back(nodes_[i].get());
  return out;
}

std::string LocalCluster::superuser() const {
  return std::string(kSuperuser);
}
std::string LocalCluster::monitor_user() const {
  return std::string(kMonitorUser);
}
std::string LocalCluster::repl_user() const {
  return std::string(kReplUser);
}
std::string LocalCluster::tls_ca_file() const {
  return options_.ssl ? dir_ + "/tls/ca.crt" : std::string();
}

Result<void> LocalCluster::build(const std::string& template_dir) {
  if (options_.ssl) {
    auto ca = CertificateAuthority::create("pgwarden test cluster CA");
    if (!ca) return fail(ca.error().message);
    ca_ = std::make_unique<CertificateAuthority>(std::move(*ca));
    const Owner owner = Owner::of(os_user_info_);
    if (auto made = make_dir(dir_ + "/tls", owner); !made) return made;
    if (auto written = write_file(tls_ca_file(), ca_->certificate_pem(), owner); !written) {
      return written;
    }
  }
  if (auto primary = build_primary(template_dir); !primary) return primary;
  for (int i = 1; i <= options_.standbys; ++i) {
    if (auto standby = build_standby(static_cast<std::size_t>(i)); !standby) return standby;
  }
  if (auto written = write_manifest(); !written) return written;
  if (auto streaming = wait_for_streaming(kStreamingTimeout); !streaming) return streaming;
  return options_.synchronous ? enable_synchronous() : Result<void>();
}

Result<PostgresNode*> LocalCluster::add_node(const std::string& name) {
  auto port = PortAllocator::instance().allocate();
  if (!port) return fail(port.error().message);
  const Owner owner = Owner::of(os_user_info_);
  const std::string node_dir = dir_ + "/" + name;
  if (auto made = make_dir(node_dir + "/run", owner); !made) return fail(made.error().message);
  if (auto made = make_dir(node_dir, owner); !made) return fail(made.error().message);
  const bool stop_with_creator = options_.stop_with_creator && !options_.keep_on_exit;
  nodes_.push_back(std::make_unique<PostgresNode>(NodeSettings{name, node_dir, *port,
                                                               manifest_.os_user, manifest_.bin_dir,
                                                               stop_with_creator ? SIGQUIT : 0}));
  manifest_.nodes.push_back({name, *port});
  return nodes_.back().get();
}

Result<void> LocalCluster::configure_node(PostgresNode& node) {
  // Synchronous replication is switched on once the standbys stream: until then every commit
  // of the build (roles, database) would wait for a standby that does not exist yet.
  ClusterOptions build_options = options_;
  build_options.synchronous = false;
  const Owner owner = Owner::of(os_user_info_);
  const std::string data = node.data_dir() + "/";
  if (auto written =
          write_file(data + std::string(kClusterConfFile), cluster_conf(build_options), owner);
      !written) {
    return written;
  }
  if (auto written = write_file(data + std::string(kNodeConfFile),
                                node_conf(node.name(), node.port(), node.socket_dir()), owner);
      !written) {
    return written;
  }
  if (auto written = write_file(data + "pg_hba.conf", hba_conf(), owner); !written) {
    return written;
  }
  return options_.ssl ? configure_node_tls(node) : Result<void>();
}

Result<void> LocalCluster::configure_node_tls(PostgresNode& node) {
  // The files live beside the data directory, so that pg_basebackup does not copy the
  // primary's key into a standby.
  const Owner owner = Owner::of(os_user_info_);
  const std::string dir = node.dir() + "/tls";
  if (auto made = make_dir(dir, owner); !made) return made;
  auto certificate = ca_->issue(localhost_server_request());
  if (!certificate) return fail(node.name() + ": " + certificate.error().message);
  auto files = write_tls_files(*ca_, *certificate, dir, "server", owner);
  if (!files) return fail(files.error().message);
  return append_file(node.data_dir() + "/" + std::string(kNodeConfFile),
                     "ssl = on\nssl_cert_file = " + sql_literal(files->cert_file) +
                         "\nssl_key_file = " + sql_literal(files->key_file) +
                         "\nssl_ca_file = " + sql_literal(files->ca_file) + "\n");
}

Result<void> LocalCluster::build_primary(const std::string& template_dir) {
  auto node = add_node("node0");
  if (!node) return fail(node.error().message);
  auto copied = copy_tree(template_dir, (*node)->data_dir(), Owner::of(os_user_info_));
  if (!copied) return copied;
  if (auto configured = configure_node(**node); !configured) return configured;
  if (auto started = (*node)->start(kStartTimeout); !started) return started;
  return create_roles();
}

Result<void> LocalCluster::create_roles() {
  const std::string app = sql_identifier(manifest_.app_user);
  auto roles = primary().execute(
      "ALTER ROLE " + std::string(kSuperuser) + " PASSWORD " +
      sql_literal(manifest_.superuser_password) + ";\nCREATE ROLE " + std::string(kReplUser) +
      " WITH LOGIN REPLICATION PASSWORD " + sql_literal(manifest_.repl_password) +
      ";\nCREATE ROLE " + std::string(kMonitorUser) + " WITH LOGIN PASSWORD " +
      sql_literal(manifest_.monitor_password) + ";\nGRANT pg_monitor TO " +
      std::string(kMonitorUser) + ";\nCREATE ROLE " + app + " WITH LOGIN PASSWORD " +
      sql_literal(manifest_.app_password) + ";");
  if (!roles) return roles;
  // CREATE DATABASE refuses to run inside the implicit transaction of a multi-statement query.
  return primary().execute("CREATE DATABASE " + sql_identifier(manifest_.app_database) + " OWNER " +
                           app);
}

Result<void> LocalCluster::build_standby(std::size_t index) {
  const std::string slot = slot_name(index);
  auto created =
      primary().execute("SELECT pg_create_physical_replication_slot(" + sql_literal(slot) + ")");
  if (!created) return created;
  auto node = add_node("node" + std::to_string(index));
  if (!node) return fail(node.error().message);
  auto backup = run_process(
      {.argv = {manifest_.bin_dir + "/pg_basebackup", "-D", (*node)->data_dir(), "-R", "-S", slot,
                "-X", "stream", "-c", "fast", "--no-sync", "-h", "127.0.0.1", "-p",
                std::to_string(primary().port()), "-U", std::string(kReplUser), "-w"},
       .user = manifest_.os_user,
       .env = {{"PGPASSWORD", manifest_.repl_password}},
       .working_dir = (*node)->dir()},
      {.timeout = kBackupTimeout});
  if (!backup) return fail("pg_basebackup: " + backup.error().message);
  if (!backup->success()) {
    return fail("pg_basebackup: " + backup->status_text() + ":\n" + backup->output);
  }
  if (auto configured = configure_node(**node); !configured) return configured;
  return (*node)->start(kStartTimeout);
}

Result<void> LocalCluster::enable_synchronous() {
  const std::string text = cluster_conf(options_);
  for (const auto& node : nodes_) {
    auto written = write_file(node->data_dir() + "/" + std::string(kClusterConfFile), text,
                              Owner::of(os_user_info_));
    if (!written) return written;
    if (auto reloaded = node->execute("SELECT pg_reload_conf()"); !reloaded) return reloaded;
  }
  const auto deadline = SteadyClock::now() + kStreamingTimeout;
  for (;;) {
    auto synced = primary().query_value(
        "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')");
    if (synced && *synced != "0") return {};
    if (SteadyClock::now() >= deadline) return fail("no standby became synchronous");
    std::this_thread::sleep_for(kPollInterval);
  }
}

Result<void> LocalCluster::write_manifest() {
  return write_file(dir_ + "/" + std::string(kManifestFile), format_manifest(manifest_),
                    Owner::of(os_user_info_));
}

Result<void> LocalCluster::wait_for_streaming(std::chrono::milliseconds timeout) {
  if (nodes_.size() < 2) return {};
  std::string names;
  for (const auto* standby : standbys()) {
    names += (names.empty() ? "" : ", ") + sql_literal(standby->name());
  }
  const std::string sql =
      "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND "
      "application_name IN (" +
      names + ")";
  const std::string expected = std::to_string(nodes_.size() - 1);
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    auto count = primary().query_value(sql);
    if (count && *count == expected) return {};
    if (SteadyClock::now() >= deadline) {
      return fail("standbys not streaming after " + std::to_string(timeout.count()) + " ms (" +
                  (count ? *count + " of " + expected : count.error().message) + ")");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Result<void> LocalCluster::stop_all() {
  Result<void> first;
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    auto stopped = (*it)->stop(StopMode::kImmediate, kStopTimeout);
    if (!stopped && first) first = stopped;
  }
  return first;
}

Result<void> LocalCluster::destroy() {
  destroyed_ = true;
  auto stopped = stop_all();
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (!stopped) return stopped;
  if (ec) return fail("remove " + dir_ + ": " + ec.message());
  return {};
}

}  // namespace pgw::testbed
