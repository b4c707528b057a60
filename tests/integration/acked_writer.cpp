#include "acked_writer.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <poll.h>

namespace pgw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kPollSlice{100};

QueryResult connection_error(PGconn* conn) {
  QueryResult out;
  out.sqlstate = "08006";
  out.error = PQerrorMessage(conn);
  return out;
}

/// Waits until libpq has a whole result (or the end of the results) to hand out.
/// False on timeout or abandon; `lost` tells a broken connection apart.
bool wait_not_busy(PGconn* conn, SteadyTime deadline, const std::atomic<bool>* abandon,
                   bool& lost) {
  for (;;) {
    if (PQconsumeInput(conn) == 0) {
      lost = true;
      return true;
    }
    if (PQisBusy(conn) == 0) return true;
    auto now = steady_clock::now();
    if (now >= deadline || (abandon != nullptr && abandon->load())) return false;
    auto wait = std::min(kPollSlice, std::chrono::duration_cast<milliseconds>(deadline - now));
    pollfd fd{PQsocket(conn), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(wait.count()) + 1);
  }
}

}  // namespace

std::optional<QueryResult> exec_with_timeout(PgConnection& conn, const std::string& sql,
                                             milliseconds timeout,
                                             const std::atomic<bool>* abandon) {
  PGconn* raw = conn.raw();
  if (PQstatus(raw) != CONNECTION_OK || PQsendQuery(raw, sql.c_str()) == 0) {
    return connection_error(raw);
  }
  const auto deadline = steady_clock::now() + timeout;
  std::optional<QueryResult> out;
  for (;;) {
    bool lost = false;
    if (!wait_not_busy(raw, deadline, abandon, lost)) return std::nullopt;
    if (lost) return connection_error(raw);
    PGresult* result = PQgetResult(raw);
    if (result == nullptr) break;
    auto converted = to_query_result(result);
    // The first error wins over anything after it (a FATAL after an ERROR says less).
    if (!out || out->ok) out = std::move(converted);
  }
  if (!out) return connection_error(raw);
  return out;
}

AckedWriter::AckedWriter(Options options) : options_(std::move(options)) {
  for (int i = 0; i < options_.threads; ++i)
    threads_.emplace_back([this, i] { run(i); });
}

AckedWriter::~AckedWriter() {
  stop();
}

void AckedWriter::stop() {
  stopping_ = true;
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void AckedWriter::record_failure(std::string error) {
  std::lock_guard lock(mutex_);
  failures_.push_back({steady_clock::now(), std::move(error)});
}

void AckedWriter::run(int thread) {
  std::unique_ptr<PgConnection> conn;
  auto pause = [&] {
    conn.reset();
    auto until = steady_clock::now() + options_.pause_after_error;
    while (!stopping_ && steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(5));
  };
  while (!stopping_) {
    if (!conn) {
      conn = std::make_unique<PgConnection>(options_.conninfo);
      if (!conn->ok()) {
        record_failure("connect: " + conn->error());
        pause();
        continue;
      }
    }
    const std::int64_t id = next_id_++;
    const auto sent = steady_clock::now();
    auto result = exec_with_timeout(
        *conn,
        "INSERT INTO acked(id) VALUES (" + std::to_string(id) + ") RETURNING inet_server_port()",
        options_.statement_timeout, &stopping_);
    const auto answered = steady_clock::now();
    if (!result) {
      if (!stopping_)
        record_failure("timed out after " + std::to_string(ms_between(sent, answered)) +
                       " ms (id " + std::to_string(id) + ")");
      pause();
      continue;
    }
    if (!result->ok) {
      record_failure(result->sqlstate + " " + result->error);
      pause();
      continue;
    }
    std::lock_guard lock(mutex_);
    acked_.push_back({id, std::stoi(result->value()), thread, sent, answered});
  }
}

void AckedWriter::record(AckedWrite write) {
  write.thread = -1;
  std::lock_guard lock(mutex_);
  acked_.push_back(write);
}

std::vector<AckedWrite> AckedWriter::acked() const {
  std::vector<AckedWrite> out;
  {
    std::lock_guard lock(mutex_);
    out = acked_;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.acked < b.acked; });
  return out;
}

std::size_t AckedWriter::acked_count() const {
  std::lock_guard lock(mutex_);
  return acked_.size();
}

std::vector<WriteFailure> AckedWriter::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::size_t AckedWriter::acked_after(SteadyTime since) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(acked_.begin(), acked_.end(), [&](const auto& a) { return a.acked > since; }));
}

std::optional<AckedWrite> AckedWriter::first_acked_after(SteadyTime since, int except_port) const {
  std::optional<AckedWrite> first;
  std::lock_guard lock(mutex_);
  for (const auto& a : acked_) {
    if (a.acked <= since || (except_port != 0 && a.port == except_port)) continue;
    if (!first || a.acked < first->acked) first = a;
  }
  return first;
}

int AckedWriter::threads_acked_after(SteadyTime since, int except_port) const {
  std::vector<bool> seen(static_cast<std::size_t>(options_.threads), false);
  std::lock_guard lock(mutex_);
  for (const auto& a : acked_) {
    if (a.thread >= 0 && a.acked > since && (except_port == 0 || a.port != except_port)) {
      seen[static_cast<std::size_t>(a.thread)] = true;
    }
  }
  return static_cast<int>(std::count(seen.begin(), seen.end(), true));
}

bool AckedWriter::wait_for_acks_after(SteadyTime since, std::size_t count,
                                      milliseconds timeout) const {
  const auto deadline = steady_clock::now() + timeout;
  while (acked_after(since) < count) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

milliseconds longest_gap(const std::vector<AckedWrite>& acked, SteadyTime from, SteadyTime to) {
  milliseconds longest{0};
  SteadyTime previous = from;
  for (const auto& a : acked) {
    if (a.acked < from || a.acked > to) continue;
    longest = std::max(longest, std::chrono::duration_cast<milliseconds>(a.acked - previous));
    previous = a.acked;
  }
  return std::max(longest, std::chrono::duration_cast<milliseconds>(to - previous));
}

std::vector<std::string> writes_from_superseded_nodes(const std::vector<AckedWrite>& acked) {
  std::map<int, SteadyTime> first_ack;
  for (const auto& a : acked) {
    auto [it, inserted] = first_ack.try_emplace(a.port, a.acked);
    if (!inserted && a.acked < it->second) it->second = a.acked;
  }
  std::vector<std::string> out;
  for (const auto& a : acked) {
    const auto mine = first_ack.at(a.port);
    for (const auto& [port, first] : first_ack) {
      // `port` took writes after this node did, and before this acknowledgement arrived.
      if (port == a.port || first <= mine || first >= a.acked) continue;
      out.push_back("id " + std::to_string(a.id) + " acknowledged by port " +
                    std::to_string(a.port) + " " + std::to_string(ms_between(first, a.acked)) +
                    " ms after port " + std::to_string(port) +
                    " acknowledged its first write (sent " +
                    std::to_string(ms_between(first, a.sent)) + " ms after it)");
      break;
    }
  }
  return out;
}

}  // namespace pgw::testing
