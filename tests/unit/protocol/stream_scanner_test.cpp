#include "protocol/stream_scanner.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/backend.hpp"
#include "protocol/bytes.hpp"
#include "protocol/error_fields.hpp"

namespace pgw::protocol {
namespace {

/// Records what the scanner reports; wants the bodies of 'Z' and 'S' like the relay does.
struct Recorder {
  std::vector<char> types;
  std::string statuses;  // ReadyForQuery bodies
  std::vector<std::string> parameters;
  char stop_at = 0;
  bool wants_body(char type, std::uint32_t) const { return type == 'Z' || type == 'S'; }
  ScanAction on_message(char type, std::uint32_t, ByteView body) {
    if (type == stop_at) return ScanAction::kStopBefore;
    types.push_back(type);
    if (type == 'Z') statuses += static_cast<char>(body[0]);
    if (type == 'S') {
      auto decoded = decode_backend('S', body);
      EXPECT_TRUE(decoded);
      if (decoded) {
        auto& ps = std::get<ParameterStatus>(*decoded);
        parameters.push_back(std::string(ps.name) + "=" + std::string(ps.value));
      }
    }
    return ScanAction::kContinue;
  }
};

Bytes sample_server_stream() {
  Bytes out;
  encode(ParameterStatus{"TimeZone", "UTC"}, out);
  encode(ReadyForQuery{TransactionStatus::kIdle}, out);
  Bytes big_row;
  std::vector<std::optional<ByteView>> columns;
  std::string payload(40'000, 'x');  // larger than a relay buffer block
  columns.emplace_back(as_bytes(payload));
  encode(DataRow{columns}, out);
  encode(CommandComplete{"SELECT 1"}, out);
  ErrorBuilder(Severity::kNotice, "00000", "hello").encode_notice(out);
  encode(ReadyForQuery{TransactionStatus::kInTransaction}, out);
  encode(ParameterStatus{"application_name", "psql"}, out);
  encode(ReadyForQuery{TransactionStatus::kFailed}, out);
  return out;
}

/// Feeds `stream` in chunks like a relay: read into a bounded buffer, forward what the scanner
/// allows, keep the rest. Returns the concatenation of forwarded bytes.
Bytes relay(const Bytes& stream, std::vector<std::size_t> cuts, Recorder& recorder) {
  StreamScanner scanner(1 << 20);
  Bytes pending;
  Bytes forwarded;
  std::size_t at = 0;
  cuts.push_back(stream.size());
  for (std::size_t cut : cuts) {
    pending.insert(pending.end(), stream.begin() + static_cast<long>(at),
                   stream.begin() + static_cast<long>(cut));
    at = cut;
    auto outcome = scanner.scan(pending, recorder);
    EXPECT_EQ(outcome.error, nullptr);
    forwarded.insert(forwarded.end(), pending.begin(),
                     pending.begin() + static_cast<long>(outcome.forwardable));
    pending.erase(pending.begin(), pending.begin() + static_cast<long>(outcome.forwardable));
  }
  EXPECT_TRUE(pending.empty());
  EXPECT_TRUE(scanner.at_boundary());
  return forwarded;
}

TEST(StreamScanner, SeesEveryMessageAndForwardsEveryByteAtAnySplitPoint) {
  auto stream = sample_server_stream();
  Recorder whole;
  ASSERT_EQ(relay(stream, {}, whole), stream);
  ASSERT_EQ(whole.statuses, "ITE");
  for (std::size_t cut = 1; cut < stream.size();
       cut += (cut < 200 || cut > stream.size() - 200) ? 1 : 997) {
    Recorder split;
    ASSERT_EQ(relay(stream, {cut}, split), stream) << "cut at " << cut;
    EXPECT_EQ(split.types, whole.types) << "cut at " << cut;
    EXPECT_EQ(split.statuses, "ITE") << "cut at " << cut;
    EXPECT_EQ(split.parameters, whole.parameters) << "cut at " << cut;
  }
}

TEST(StreamScanner, OneByteAtATime) {
  auto stream = sample_server_stream();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i)
    cuts.push_back(i);
  Recorder recorder;
  EXPECT_EQ(relay(stream, cuts, recorder), stream);
  EXPECT_EQ(recorder.statuses, "ITE");
  EXPECT_EQ(recorder.parameters,
            (std::vector<std::string>{"TimeZone=UTC", "application_name=psql"}));
}

TEST(StreamScanner, StreamsAMessageItDoesNotInspectWithoutHoldingIt) {
  auto stream = sample_server_stream();
  StreamScanner scanner(1 << 20);
  Recorder recorder;
  // Up to somewhere inside the 40 kB DataRow: everything so far may be forwarded.
  std::size_t inside_row = 100 + 20'000;
  auto outcome = scanner.scan(ByteView(stream).first(inside_row), recorder);
  EXPECT_EQ(outcome.forwardable, inside_row);
  EXPECT_FALSE(scanner.at_boundary());
}

TEST(StreamScanner, AsksForRoomForAnIncompleteMessageItInspects) {
  Bytes stream;
  encode(ParameterStatus{"a", std::string(100, 'v')}, stream);
  StreamScanner scanner(1 << 20);
  Recorder recorder;
  auto outcome = scanner.scan(ByteView(stream).first(10), recorder);
  EXPECT_EQ(outcome.forwardable, 0u);
  EXPECT_EQ(outcome.needed_capacity, stream.size());
}

TEST(StreamScanner, StopBeforeLeavesTheMessageUnforwarded) {
  Bytes stream = {'Q', 0, 0, 0, 5, 'x', 'X', 0, 0, 0, 4, 'Q', 0, 0, 0, 4};
  StreamScanner scanner(1 << 20);
  Recorder recorder;
  recorder.stop_at = 'X';
  auto outcome = scanner.scan(stream, recorder);
  EXPECT_TRUE(outcome.stopped);
  EXPECT_EQ(outcome.forwardable, 6u);
}

TEST(StreamScanner, RejectsBadLengths) {
  StreamScanner scanner(100);
  Recorder recorder;
  Bytes negative = {'Q', 0xff, 0xff, 0xff, 0xf0};
  EXPECT_STREQ(scanner.scan(negative, recorder).error, "invalid message length");
  Bytes too_short = {'Q', 0, 0, 0, 3};
  EXPECT_STREQ(scanner.scan(too_short, recorder).error, "invalid message length");
  Bytes too_big = {'Q', 0, 0, 1, 0};
  EXPECT_STREQ(scanner.scan(too_big, recorder).error, "message exceeds the maximum message size");
}

}  // namespace
}  // namespace pgw::protocol
