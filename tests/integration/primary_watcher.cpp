#include "primary_watcher.hpp"

#include <algorithm>
#include <memory>

namespace pgw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kPoolNodesTimeout{5000};
// SHOW POOL_NODES columns (admin/pool_nodes.cpp).
constexpr std::size_t kStatusColumn = 3;
constexpr std::size_t kRoleColumn = 6;

std::string table_text(const QueryResult& result) {
  std::string text;
  for (const auto& row : result.rows) {
    for (const auto& cell : row)
      text += (cell ? *cell : "NULL") + "|";
    text += "\n";
  }
  return text;
}

}  // namespace

PrimaryWatcher::PrimaryWatcher(Options options) : options_(std::move(options)) {
  for (std::size_t i = 0; i < options_.nodes.size(); ++i)
    threads_.emplace_back([this, i] { watch_node(i); });
  threads_.emplace_back([this] { watch_pool_nodes(); });
}

PrimaryWatcher::~PrimaryWatcher() {
  stop();
}

void PrimaryWatcher::stop() {
  stopping_ = true;
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void PrimaryWatcher::pause(milliseconds period) const {
  auto until = steady_clock::now() + period;
  while (!stopping_ && steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(5));
}

void PrimaryWatcher::watch_node(std::size_t index) {
  const auto& node = options_.nodes[index];
  std::unique_ptr<PgConnection> conn;
  while (!stopping_) {
    int answer = -1;
    if (!conn) conn = std::make_unique<PgConnection>(node.conninfo + " connect_timeout=2");
    if (conn->ok()) {
      auto result =
          exec_with_timeout(*conn, "SELECT pg_is_in_recovery()", options_.timeout, &stopping_);
      if (result && result->ok) answer = result->value() == "f" ? 1 : 0;
    }
    if (answer < 0) conn.reset();
    {
      std::lock_guard lock(mutex_);
      samples_.push_back({steady_clock::now(), index, answer});
    }
    pause(options_.period);
  }
}

void PrimaryWatcher::watch_pool_nodes() {
  std::unique_ptr<PgConnection> conn;
  while (!stopping_) {
    if (!conn) conn = std::make_unique<PgConnection>(options_.proxy_conninfo);
    std::optional<QueryResult> result;
    if (conn->ok())
      result = exec_with_timeout(*conn, "SHOW POOL_NODES", kPoolNodesTimeout, &stopping_);
    if (!result || !result->ok) {
      conn.reset();
    } else {
      int up_primaries = 0;
      for (const auto& row : result->rows) {
        if (row.size() > kRoleColumn && row[kRoleColumn] == "primary" &&
            row[kStatusColumn] == "up") {
          ++up_primaries;
        }
      }
      std::lock_guard lock(mutex_);
      ++pool_nodes_samples_;
      if (up_primaries > 1) pool_nodes_violations_.push_back(table_text(*result));
    }
    pause(options_.pool_nodes_period);
  }
}

int PrimaryWatcher::max_out_of_recovery() const {
  std::lock_guard lock(mutex_);
  std::vector<int> latest(options_.nodes.size(), -1);
  int most = 0;
  for (const auto& sample : samples_) {
    latest[sample.node] = sample.out_of_recovery;
    most = std::max(most, static_cast<int>(std::count(latest.begin(), latest.end(), 1)));
  }
  return most;
}

std::string PrimaryWatcher::max_out_of_recovery_nodes() const {
  std::lock_guard lock(mutex_);
  std::vector<int> latest(options_.nodes.size(), -1);
  long most = -1;
  std::string names;
  for (const auto& sample : samples_) {
    latest[sample.node] = sample.out_of_recovery;
    long count = std::count(latest.begin(), latest.end(), 1);
    if (count <= most) continue;
    most = count;
    names.clear();
    for (std::size_t i = 0; i < latest.size(); ++i) {
      if (latest[i] == 1) names += (names.empty() ? "" : "+") + options_.nodes[i].name;
    }
  }
  return names;
}

std::size_t PrimaryWatcher::direct_answers() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      samples_.begin(), samples_.end(), [](const auto& s) { return s.out_of_recovery >= 0; }));
}

std::size_t PrimaryWatcher::out_of_recovery_answers(std::size_t index) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(samples_.begin(), samples_.end(),
                    [&](const auto& s) { return s.node == index && s.out_of_recovery == 1; }));
}

std::size_t PrimaryWatcher::pool_nodes_samples() const {
  std::lock_guard lock(mutex_);
  return pool_nodes_samples_;
}

std::vector<std::string> PrimaryWatcher::pool_nodes_violations() const {
  std::lock_guard lock(mutex_);
  return pool_nodes_violations_;
}

}  // namespace pgw::testing
