// protocol::next_frame + protocol::decode_frontend on the messages of a pgbench transaction:
// the cost of reading a client message whole (what routing will need for Query and Parse),
// against which StreamScanner's header-only walk (stream_scanner_bench) is the baseline.

#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>

#include "protocol/bytes.hpp"
#include "protocol/framing.hpp"
#include "protocol/frontend.hpp"

namespace pgw::protocol {
namespace {

constexpr std::size_t kMaxBody = std::size_t{1} << 30;

const std::string kSelectSql = "SELECT abalance FROM pgbench_accounts WHERE aid = 512391;";
const std::string kUpdateSql =
    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;";

Bytes query_bytes() {
  Bytes out;
  encode(Query{kSelectSql}, out);
  return out;
}

Bytes parse_bytes() {
  Bytes out;
  Parse parse;
  parse.name = "P0_1";
  parse.sql = kUpdateSql;
  encode(parse, out);
  return out;
}

Bytes bind_bytes() {
  Bytes out;
  const std::string delta = "-4123";
  const std::string aid = "512391";
  Bind bind;
  bind.statement = "P0_1";
  bind.params.emplace_back(as_bytes(delta));
  bind.params.emplace_back(as_bytes(aid));
  encode(bind, out);
  return out;
}

/// pgbench -M prepared per transaction after the first: Bind, Describe portal, Execute, Sync.
Bytes prepared_exchange_bytes() {
  Bytes out = bind_bytes();
  encode(Describe{'P', ""}, out);
  encode(Execute{"", 0}, out);
  encode(Sync{}, out);
  return out;
}

/// Frames and decodes every message of `input`; counts them.
std::size_t decode_all(ByteView input) {
  std::size_t messages = 0;
  while (!input.empty()) {
    auto frame = next_frame(input, kMaxBody);
    if (frame.status != FrameStatus::kComplete) break;
    auto message = decode_frontend(frame.frame.type, frame.frame.body);
    benchmark::DoNotOptimize(message);
    input = input.subspan(frame.frame.size);
    ++messages;
  }
  return messages;
}

void run(benchmark::State& state, const Bytes& input) {
  std::size_t messages = 0;
  for (auto _ : state) {
    messages += decode_all(input);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}

void BM_DecodeQuery(benchmark::State& state) {
  run(state, query_bytes());
}
BENCHMARK(BM_DecodeQuery);

void BM_DecodeParse(benchmark::State& state) {
  run(state, parse_bytes());
}
BENCHMARK(BM_DecodeParse);

void BM_DecodeBind(benchmark::State& state) {
  run(state, bind_bytes());
}
BENCHMARK(BM_DecodeBind);

void BM_DecodeBindDescribeExecuteSync(benchmark::State& state) {
  run(state, prepared_exchange_bytes());
}
BENCHMARK(BM_DecodeBindDescribeExecuteSync);

/// next_frame alone (headers only), for comparison with the scanner and with full decoding.
void BM_FrameOnlyBindDescribeExecuteSync(benchmark::State& state) {
  const Bytes input = prepared_exchange_bytes();
  for (auto _ : state) {
    ByteView rest(input);
    while (!rest.empty()) {
      auto frame = next_frame(rest, kMaxBody);
      benchmark::DoNotOptimize(frame);
      rest = rest.subspan(frame.frame.size);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_FrameOnlyBindDescribeExecuteSync);

}  // namespace
}  // namespace pgw::protocol

BENCHMARK_MAIN();
