// protocol::StreamScanner on the relay's hot path: the bytes of one pgbench transaction in each
// direction, scanned with visitors that do what proxy/relay.cpp's visitors do (count requests;
// read ReadyForQuery and ParameterStatus bodies, stream everything else through).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/backend.hpp"
#include "protocol/bytes.hpp"
#include "protocol/frontend.hpp"
#include "protocol/stream_scanner.hpp"

namespace pgw::protocol {
namespace {

constexpr std::size_t kMaxBody = std::size_t{1} << 30;
constexpr std::uint32_t kInt4Oid = 23;
constexpr std::uint32_t kAccountsOid = 16390;  // any table OID: the scanner does not read it

/// The client-to-server visitor of the relay: headers only, counts what ReadyForQuery answers.
struct ClientVisitor {
  int outstanding = 0;
  bool wants_body(char, std::uint32_t) const { return false; }
  ScanAction on_message(char type, std::uint32_t, ByteView) {
    if (type == 'X') return ScanAction::kStopBefore;
    if (type == 'Q' || type == 'S' || type == 'F') ++outstanding;
    return ScanAction::kContinue;
  }
};

/// The server-to-client visitor of the relay: reads ReadyForQuery (and ParameterStatus).
struct ServerVisitor {
  int outstanding = 0;
  char status = 'I';
  bool wants_body(char type, std::uint32_t length) const {
    return type == 'Z' || (type == 'S' && length <= 64 * 1024);
  }
  ScanAction on_message(char type, std::uint32_t length, ByteView body) {
    if (type == 'Z' && length == 1) {
      --outstanding;
      status = static_cast<char>(body[0]);
    } else if (type == 'S') {
      auto message = decode_backend('S', body);
      benchmark::DoNotOptimize(message);
    }
    return ScanAction::kContinue;
  }
};

const std::string kSelectSql = "SELECT abalance FROM pgbench_accounts WHERE aid = 512391;";

/// pgbench -S -M simple, client side: one Query.
Bytes client_simple() {
  Bytes out;
  encode(Query{kSelectSql}, out);
  return out;
}

/// pgbench -S -M prepared, client side (libpq's PQexecPrepared): Bind, Describe portal,
/// Execute, Sync.
Bytes client_prepared() {
  Bytes out;
  const std::string aid = "512391";
  Bind bind;
  bind.statement = "P0_1";
  bind.params.emplace_back(as_bytes(aid));
  encode(bind, out);
  encode(Describe{'P', ""}, out);
  encode(Execute{"", 0}, out);
  encode(Sync{}, out);
  return out;
}

void append_result(Bytes& out) {
  FieldDescription field{.name = "abalance",
                         .table_oid = kAccountsOid,
                         .column = 3,
                         .type_oid = kInt4Oid,
                         .type_size = 4,
                         .type_modifier = -1,
                         .format = 0};
  encode(RowDescription{{field}}, out);
  const std::string value = "-2417";
  DataRow row;
  row.columns.emplace_back(as_bytes(value));
  encode(row, out);
  encode(CommandComplete{"SELECT 1"}, out);
  encode(ReadyForQuery{TransactionStatus::kIdle}, out);
}

/// The server's answer to client_simple(): RowDescription, DataRow, CommandComplete,
/// ReadyForQuery (70 bytes).
Bytes server_simple() {
  Bytes out;
  append_result(out);
  return out;
}

/// The server's answer to client_prepared(): BindComplete then the same four messages.
Bytes server_prepared() {
  Bytes out;
  encode(BindComplete{}, out);
  append_result(out);
  return out;
}

template <class Visitor>
void scan_whole(benchmark::State& state, const Bytes& input) {
  StreamScanner scanner(kMaxBody);
  Visitor visitor;
  for (auto _ : state) {
    auto outcome = scanner.scan(input, visitor);
    benchmark::DoNotOptimize(outcome);
    benchmark::DoNotOptimize(visitor);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}

void BM_ScanClientQuery(benchmark::State& state) {
  scan_whole<ClientVisitor>(state, client_simple());
}
BENCHMARK(BM_ScanClientQuery);

void BM_ScanClientBindDescribeExecuteSync(benchmark::State& state) {
  scan_whole<ClientVisitor>(state, client_prepared());
}
BENCHMARK(BM_ScanClientBindDescribeExecuteSync);

void BM_ScanServerSelectResponse(benchmark::State& state) {
  scan_whole<ServerVisitor>(state, server_simple());
}
BENCHMARK(BM_ScanServerSelectResponse);

void BM_ScanServerPreparedResponse(benchmark::State& state) {
  scan_whole<ServerVisitor>(state, server_prepared());
}
BENCHMARK(BM_ScanServerPreparedResponse);

/// The same response arriving in two reads cut inside the DataRow, just after its header: the first
/// scan forwards the partial DataRow and remembers how many of its bytes are still to come, the
/// second scan skips them and reads the rest. Includes the relay-like buffer bookkeeping.
void BM_ScanServerResponseSplit(benchmark::State& state) {
  const Bytes input = server_simple();
  const std::size_t cut = 40;
  StreamScanner scanner(kMaxBody);
  ServerVisitor visitor;
  Bytes pending;
  pending.reserve(input.size());
  const ByteView whole(input);
  for (auto _ : state) {
    pending.assign(input.begin(), input.begin() + cut);
    auto first = scanner.scan(pending, visitor);
    pending.erase(pending.begin(),
                  pending.begin() + static_cast<std::ptrdiff_t>(first.forwardable));
    auto rest = whole.subspan(cut);
    pending.insert(pending.end(), rest.begin(), rest.end());
    auto second = scanner.scan(pending, visitor);
    benchmark::DoNotOptimize(second);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_ScanServerResponseSplit);

/// Throughput on a result set: N small DataRows (a pgbench_accounts row each) in one buffer.
void BM_ScanServerManyRows(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  Bytes input;
  const std::string aid = "512391";
  const std::string bid = "6";
  const std::string abalance = "-2417";
  const std::string filler(84, ' ');
  DataRow row;
  row.columns = {as_bytes(aid), as_bytes(bid), as_bytes(abalance), as_bytes(filler)};
  for (std::size_t i = 0; i < rows; ++i)
    encode(row, input);
  encode(CommandComplete{"SELECT " + std::to_string(rows)}, input);
  encode(ReadyForQuery{TransactionStatus::kIdle}, input);
  scan_whole<ServerVisitor>(state, input);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_ScanServerManyRows)->Arg(100)->Arg(1000);

/// A 1 MiB DataRow streamed through 16 KiB reads (the relay's buffer block): the scanner
/// reads one header and then only counts down the remaining body bytes.
void BM_ScanLargeRowStreamed(benchmark::State& state) {
  constexpr std::size_t kBlock = 16 * 1024;
  const std::string payload(std::size_t{1} << 20, 'x');
  Bytes input;
  DataRow row;
  row.columns.emplace_back(as_bytes(payload));
  encode(row, input);
  encode(CommandComplete{"SELECT 1"}, input);
  encode(ReadyForQuery{TransactionStatus::kIdle}, input);
  StreamScanner scanner(kMaxBody);
  ServerVisitor visitor;
  const ByteView whole(input);
  for (auto _ : state) {
    // Every read is wholly forwardable: the last block holds the row's tail, CommandComplete
    // and the whole ReadyForQuery.
    for (std::size_t at = 0; at < whole.size(); at += kBlock) {
      auto outcome = scanner.scan(whole.subspan(at, std::min(kBlock, whole.size() - at)), visitor);
      benchmark::DoNotOptimize(outcome);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_ScanLargeRowStreamed);

}  // namespace
}  // namespace pgw::protocol

BENCHMARK_MAIN();
