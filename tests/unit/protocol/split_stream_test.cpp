// A stream of many messages, cut in two at every byte (and fed one byte at a time), frames and
// decodes to the same messages as when it arrives whole.
#include <string_view>

#include <gtest/gtest.h>

#include "protocol/backend.hpp"
#include "protocol/framing.hpp"
#include "protocol/frontend.hpp"
#include "protocol/startup.hpp"
#include "test_util.hpp"

namespace pgw::protocol {
namespace {

using namespace std::literals;

constexpr std::size_t kMaxBody = 1 << 16;

enum class Direction { kClient, kServer };

// A minimal relay-side reader: buffers input, takes every whole frame, decodes it and records
// the message encoded again (decoded views die with the buffer, the re-encoding does not).
class StreamDecoder {
 public:
  explicit StreamDecoder(Direction direction) : direction_(direction) {}

  void feed(ByteView chunk) {
    buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
    std::size_t consumed = 0;
    for (;;) {
      const ByteView rest = ByteView(buffer_).subspan(consumed);
      const bool startup = direction_ == Direction::kClient && startup_packets_ < 2;
      const FrameResult result =
          startup ? next_startup_frame(rest, kMaxStartupPacketSize) : next_frame(rest, kMaxBody);
      if (result.status == FrameStatus::kNeedMore) break;
      ASSERT_EQ(result.status, FrameStatus::kComplete) << result.error;
      record(result.frame, startup);
      consumed += result.frame.size;
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed));
  }

  const std::vector<Bytes>& messages() const { return messages_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  void record(const Frame& frame, bool startup) {
    Bytes again;
    if (startup) {
      ++startup_packets_;
      const auto packet = decode_startup_packet(frame.body);
      ASSERT_TRUE(packet) << packet.error().message;
      std::visit([&again](const auto& p) { encode(p, again); }, *packet);
    } else if (direction_ == Direction::kClient && frame.type == 'p') {
      const auto password = decode_password_message(frame.body);
      ASSERT_TRUE(password) << password.error().message;
      encode(*password, again);
    } else if (direction_ == Direction::kClient) {
      const auto message = decode_frontend(frame.type, frame.body);
      ASSERT_TRUE(message) << message.error().message;
      encode_frontend(*message, again);
    } else {
      const auto message = decode_backend(frame.type, frame.body);
      ASSERT_TRUE(message) << message.error().message;
      encode_backend(*message, again);
    }
    messages_.push_back(std::move(again));
  }

  Direction direction_;
  int startup_packets_ = 0;
  Bytes buffer_;
  std::vector<Bytes> messages_;
};

struct Sample {
  std::vector<Bytes> messages;
  Bytes stream;

  template <class Message>
  void add(const Message& message) {
    Bytes bytes;
    encode(message, bytes);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
    messages.push_back(std::move(bytes));
  }
};

const Bytes kValue = testing::wire("\0\0\0\x2a"sv);

Sample client_sample() {
  Sample s;
  s.add(SslRequest{});
  s.add(StartupMessage{3, 0, {{"user", "app"}, {"database", "shop"}, {"_pq_.x", "1"}}});
  s.add(PasswordMessage{"md5d41d8cd98f00b204e9800998ecf8427e"});
  s.add(Query{"BEGIN; SELECT * FROM t WHERE id = 1;"});
  s.add(Parse{"s1", "SELECT $1::int", {23}});
  s.add(Bind{"", "s1", {1}, {ByteView(kValue)}, {0}});
  s.add(Describe{'P', ""});
  s.add(Execute{"", 0});
  s.add(Sync{});
  s.add(Query{"COPY t FROM STDIN"});
  s.add(CopyData{as_bytes("1\tone\n2\ttwo\n")});
  s.add(CopyDone{});
  s.add(CopyFail{"no"});
  s.add(FunctionCall{1598, {}, {std::nullopt}, 0});
  s.add(Close{'S', "s1"});
  s.add(Flush{});
  s.add(Terminate{});
  return s;
}

Sample server_sample() {
  Sample s;
  s.add(AuthenticationMd5Password{{1, 2, 3, 4}});
  s.add(AuthenticationOk{});
  s.add(ParameterStatus{"server_version", "15.6"});
  s.add(BackendKeyData{31337, 0x5eed});
  s.add(ReadyForQuery{TransactionStatus::kIdle});
  s.add(RowDescription{{{"id", 16384, 1, 23, 4, -1, 0}, {"name", 16384, 2, 25, -1, -1, 0}}});
  s.add(DataRow{{as_bytes("1"), std::nullopt}});
  s.add(CommandComplete{"SELECT 1"});
  s.add(NoticeResponse{{{{'S', "NOTICE"}, {'C', "00000"}, {'M', "hello"}}}});
  s.add(ParseComplete{});
  s.add(ParameterDescription{{23}});
  s.add(NoData{});
  s.add(BindComplete{});
  s.add(PortalSuspended{});
  s.add(EmptyQueryResponse{});
  s.add(CopyInResponse{0, {0, 0}});
  s.add(CopyOutResponse{1, {1}});
  s.add(CopyBothResponse{0, {}});
  s.add(CopyData{as_bytes("x")});
  s.add(CopyDone{});
  s.add(NotificationResponse{9, "chan", "payload"});
  s.add(FunctionCallResponse{as_bytes("t")});
  s.add(NegotiateProtocolVersion{0, {"_pq_.x"}});
  s.add(CloseComplete{});
  s.add(ErrorResponse{{{{'S', "ERROR"}, {'C', "57014"}, {'M', "canceling statement"}}}});
  s.add(ReadyForQuery{TransactionStatus::kFailed});
  return s;
}

void check_every_split(Direction direction, const Sample& sample) {
  const ByteView stream(sample.stream);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    StreamDecoder decoder(direction);
    decoder.feed(stream.first(cut));
    decoder.feed(stream.subspan(cut));
    ASSERT_EQ(decoder.messages(), sample.messages) << "cut at byte " << cut;
    ASSERT_EQ(decoder.buffered(), 0U);
  }
}

void check_byte_at_a_time(Direction direction, const Sample& sample) {
  StreamDecoder decoder(direction);
  for (std::size_t i = 0; i < sample.stream.size(); ++i) {
    decoder.feed(ByteView(sample.stream).subspan(i, 1));
  }
  EXPECT_EQ(decoder.messages(), sample.messages);
  EXPECT_EQ(decoder.buffered(), 0U);
}

TEST(SplitStream, ClientStreamSplitAnywhere) {
  const Sample sample = client_sample();
  ASSERT_EQ(sample.messages.size(), 17U);
  check_every_split(Direction::kClient, sample);
}

TEST(SplitStream, ServerStreamSplitAnywhere) {
  const Sample sample = server_sample();
  ASSERT_EQ(sample.messages.size(), 26U);
  check_every_split(Direction::kServer, sample);
}

TEST(SplitStream, ByteAtATime) {
  check_byte_at_a_time(Direction::kClient, client_sample());
  check_byte_at_a_time(Direction::kServer, server_sample());
}

TEST(SplitStream, WholeStreamAtOnce) {
  StreamDecoder decoder(Direction::kServer);
  const Sample sample = server_sample();
  decoder.feed(sample.stream);
  EXPECT_EQ(decoder.messages(), sample.messages);
}

}  // namespace
}  // namespace pgw::protocol
