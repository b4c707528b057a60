#include "failover_fault_fixture.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/process.hpp"
#include "common/random.hpp"
#include "testbed/files.hpp"

namespace pgw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Health checks as fast as the smoke test's, with timeouts that a loaded 2-core machine still
// meets (a busy primary must not be failed over by mistake in the middle of a test).
constexpr std::string_view kHealthCheck =
    "period = \"200ms\"\nretries = 1\nretry_delay = \"200ms\"\n"
    "connect_timeout = \"1s\"\nquery_timeout = \"1s\"";
/// SHOW POOL_NODES samples (250 ms apart) to watch before and after a fault: about 2 s.
constexpr std::size_t kSettleSamples = 8;
constexpr std::string_view kMonitor =
    "period = \"200ms\"\nconnect_timeout = \"1s\"\nquery_timeout = \"1s\"";

/// The parent pid and state letter from /proc/PID/stat ("pid (comm) S ppid ...": comm may hold
/// spaces and parentheses, so read after the last ')').
bool read_stat(pid_t pid, char& state, pid_t& parent) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  return static_cast<bool>(rest >> state >> parent);
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    char state = 0;
    pid_t ppid = 0;
    const pid_t pid = std::stoi(name);
    if (read_stat(pid, state, ppid) && ppid == parent) out.push_back(pid);
  }
  return out;
}

bool is_stopped(pid_t pid) {
  char state = 0;
  pid_t parent = 0;
  return read_stat(pid, state, parent) && (state == 'T' || state == 't');
}

std::string random_token() {
  std::uint8_t bytes[24];
  SecureRandom::instance().fill(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (auto b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

}  // namespace

std::vector<pid_t> freeze_node(testbed::PostgresNode& node) {
  const auto postmaster = static_cast<pid_t>(node.postmaster_pid());
  std::vector<pid_t> frozen;
  if (postmaster <= 0 || !send_signal(postmaster, SIGSTOP)) return frozen;
  frozen.push_back(postmaster);
  // Once the postmaster is stopped it forks nothing more; a child forked just before shows up
  // on a later scan.
  wait_until([&] { return is_stopped(postmaster); }, seconds(5));
  for (int scan = 0; scan < 3; ++scan) {
    for (pid_t child : children_of(postmaster)) {
      if (std::find(frozen.begin(), frozen.end(), child) != frozen.end()) continue;
      if (send_signal(child, SIGSTOP)) frozen.push_back(child);
    }
  }
  return frozen;
}

void thaw_node(const std::vector<pid_t>& processes) {
  for (pid_t pid : processes)
    send_signal(pid, SIGCONT);
}

void FailoverFault::TearDown() {
  // A frozen node must run again before it can be shut down.
  thaw_node(frozen_);
  frozen_.clear();
  if (writer_) writer_->stop();
  if (watcher_) watcher_->stop();
  ProxyFixture::TearDown();
  proxy_.reset();
  if (!proxy_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(proxy_dir_, ec);
  }
  delete cluster_;
  cluster_ = nullptr;
}

void FailoverFault::create(bool synchronous) {
  testbed::ClusterOptions options;
  options.standbys = 2;
  options.synchronous = synchronous;
  auto created = testbed::LocalCluster::create(options);
  ASSERT_TRUE(created) << created.error().message;
  cluster_ = std::move(*created).release();
  ASSERT_TRUE(cluster_->wait_for_streaming(seconds(60)));
  ASSERT_TRUE(cluster_->primary().execute(
      "CREATE TABLE acked(id bigint PRIMARY KEY); GRANT ALL ON acked TO " + cluster_->app_user(),
      cluster_->app_database()));
}

void FailoverFault::start(bool synchronous_mode, bool admin_token) {
  testbed::ProxySettings settings;
  settings.settings = {{"health_check", std::string(kHealthCheck)},
                       {"monitor", std::string(kMonitor)},
                       {"routing", "statement_level = true"}};
  if (synchronous_mode) settings.settings.emplace_back("failover", "synchronous_mode = true");
  if (admin_token) {
    auto dir = testbed::make_temp_dir("pgwarden-fault-", testbed::Owner{});
    ASSERT_TRUE(dir) << dir.error().message;
    proxy_dir_ = *dir;
    settings.dir = proxy_dir_;
    token_file_ = proxy_dir_ + "/admin-token";
    // write_file makes it mode 0600, which pgwarden requires of a token file.
    ASSERT_TRUE(testbed::write_file(token_file_, random_token() + "\n", testbed::Owner{}));
    settings.settings.emplace_back("admin", "token_file = \"admin-token\"");
  }
  ASSERT_NO_FATAL_FAILURE(start_proxy(std::move(settings)));
}

void FailoverFault::start_observers(std::size_t count) {
  AckedWriter::Options writing;
  writing.conninfo = app_conninfo("connect_timeout=5 application_name=acked_writer");
  writer_ = std::make_unique<AckedWriter>(writing);
  PrimaryWatcher::Options watching;
  for (std::size_t i = 0; i < cluster_->size(); ++i) {
    auto& node = cluster_->node(i);
    watching.nodes.push_back(
        {node.name(), node.port(), node.superuser_conninfo() + " application_name=watcher"});
  }
  watching.proxy_conninfo = app_conninfo("connect_timeout=5 application_name=watcher");
  watcher_ = std::make_unique<PrimaryWatcher>(watching);
  ASSERT_TRUE(writer_->wait_for_acks_after(SteadyTime{}, count, seconds(60)))
      << "the writer is not writing: " << writer_->acked_count() << " acknowledged, "
      << writer_->failures().size() << " failures";
  ASSERT_NO_FATAL_FAILURE(keep_watching());
}

void FailoverFault::keep_watching() {
  const auto samples = watcher_->pool_nodes_samples();
  ASSERT_TRUE(wait_until([&] { return watcher_->pool_nodes_samples() >= samples + kSettleSamples; },
                         seconds(60)))
      << "SHOW POOL_NODES does not answer through pgwarden";
}

void FailoverFault::stop_observers() {
  ASSERT_NO_FATAL_FAILURE(keep_watching());
  writer_->stop();
  watcher_->stop();
  std::map<std::string, int> errors;
  for (const auto& failure : writer_->failures())
    ++errors[failure.error.substr(0, 120)];
  for (const auto& [error, count] : errors)
    std::cout << "[fault]   writer error x" << count << ": " << error << "\n";
}

void FailoverFault::expect_never_two_primaries(bool old_primary_stays_up) {
  auto superseded = writes_from_superseded_nodes(writer_->acked());
  std::string first_ones;
  for (std::size_t i = 0; i < superseded.size() && i < 5; ++i)
    first_ones += "\n  " + superseded[i];
  EXPECT_TRUE(superseded.empty()) << superseded.size()
                                  << " writes acknowledged by a superseded primary:" << first_ones;
  auto violations = watcher_->pool_nodes_violations();
  EXPECT_TRUE(violations.empty()) << "SHOW POOL_NODES with two up primaries:\n"
                                  << (violations.empty() ? "" : violations.front());
  EXPECT_GT(watcher_->pool_nodes_samples(), 0U);
  EXPECT_GT(watcher_->direct_answers(), 0U);
  std::cout << "[fault] watcher: " << watcher_->direct_answers() << " direct answers, "
            << watcher_->pool_nodes_samples() << " SHOW POOL_NODES; at most "
            << watcher_->max_out_of_recovery() << " node(s) out of recovery at once ("
            << watcher_->max_out_of_recovery_nodes() << "); " << writer_->acked_count()
            << " writes acknowledged, " << writer_->failures().size() << " failed attempts\n";
  if (!old_primary_stays_up) {
    EXPECT_LE(watcher_->max_out_of_recovery(), 1) << watcher_->max_out_of_recovery_nodes();
  }
}

std::vector<PoolNode> FailoverFault::pool_nodes() {
  std::vector<PoolNode> out;
  PgConnection conn(app_conninfo());
  if (!conn.ok()) return out;
  auto result = exec_with_timeout(conn, "SHOW POOL_NODES", seconds(10));
  if (!result || !result->ok) return out;
  for (const auto& row : result->rows) {
    if (row.size() < 8 || !row[2]) continue;
    out.push_back(
        {std::stoi(*row[2]), row[3].value_or(""), row[6].value_or(""), row[7].value_or("")});
  }
  return out;
}

std::optional<PoolNode> FailoverFault::pool_node(const testbed::PostgresNode& node) {
  for (auto& row : pool_nodes()) {
    if (row.port == node.port()) return row;
  }
  return std::nullopt;
}

std::map<int, int> FailoverFault::read_ports(milliseconds duration) {
  std::map<int, int> ports;
  auto read_once = [&](PgConnection& conn) {
    auto result = exec_with_timeout(conn, "SELECT inet_server_port()", seconds(10));
    if (result && result->ok) {
      ++ports[std::stoi(result->value())];
    } else {
      ++ports[-1];  // failed reads, counted apart
    }
  };
  PgConnection session(app_conninfo("application_name=reader"));
  const auto deadline = steady_clock::now() + duration;
  while (steady_clock::now() < deadline) {
    read_once(session);
    PgConnection fresh(app_conninfo("application_name=reader"));
    read_once(fresh);
  }
  return ports;
}

std::set<std::int64_t> FailoverFault::ids_on(const testbed::PostgresNode& node) {
  std::set<std::int64_t> ids;
  PgConnection conn(node.superuser_conninfo(cluster_->app_database()));
  auto result = conn.exec("SELECT id FROM acked");
  EXPECT_TRUE(result.ok) << node.name() << ": " << result.error;
  for (const auto& row : result.rows)
    ids.insert(std::stoll(*row[0]));
  return ids;
}

testbed::PostgresNode* FailoverFault::node_by_port(int port) {
  for (std::size_t i = 0; i < cluster_->size(); ++i) {
    if (cluster_->node(i).port() == port) return &cluster_->node(i);
  }
  return nullptr;
}

CommandOutput FailoverFault::ctl(std::vector<std::string> args) {
  std::vector<std::string> argv = {pgwarden_binary(), "ctl", "--admin",
                                   "127.0.0.1:" + std::to_string(proxy_->admin_port())};
  if (!token_file_.empty()) {
    argv.push_back("--token-file");
    argv.push_back(token_file_);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, {}, seconds(300));
}

std::string FailoverFault::events_json() {
  auto events = ctl({"events", "--json", "--timeout", "30"});
  EXPECT_EQ(events.exit_code, 0) << events.output;
  return events.output;
}

}  // namespace pgw::testing
