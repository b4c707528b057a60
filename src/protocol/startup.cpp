#include "protocol/startup.hpp"

#include <string>

#include "protocol/message_reader.hpp"
#include "protocol/message_writer.hpp"

namespace pgw::protocol {
namespace {

constexpr std::uint16_t kSupportedMajor = 3;

Unexpected<ProtocolError> startup_error(std::string message) {
  return unexpected(ProtocolError{std::move(message)});
}

// Name/value pairs, then a single NUL that must be the last byte (PostgreSQL's
// ProcessStartupPacket enforces the same layout).
Expected<StartupPacket, ProtocolError> decode_parameters(MessageReader reader, StartupMessage msg) {
  for (;;) {
    const auto name = reader.read_cstring();
    if (!name) {
      return startup_error("invalid startup packet layout: expected terminator as last byte");
    }
    if (name->empty()) {
      if (!reader.at_end()) {
        return startup_error("invalid startup packet layout: empty parameter name");
      }
      break;
    }
    const auto value = reader.read_cstring();
    if (!value) {
      return startup_error("invalid startup packet layout: parameter \"" + std::string(*name) +
                           "\" has no value");
    }
    msg.parameters.emplace_back(std::string(*name), std::string(*value));
  }
  const std::string* user = msg.find("user");
  if (user == nullptr || user->empty()) {
    return startup_error("no PostgreSQL user name specified in startup packet");
  }
  return StartupPacket{std::move(msg)};
}

Expected<StartupPacket, ProtocolError> decode_special(std::int32_t code, MessageReader reader) {
  if (code == kCancelRequestCode) {
    const auto process_id = reader.read_i32();
    const auto secret_key = reader.read_i32();
    if (!process_id || !secret_key || !reader.at_end()) {
      return startup_error("invalid length of cancel request packet");
    }
    return StartupPacket{CancelRequest{*process_id, *secret_key}};
  }
  if (!reader.at_end()) {
    return startup_error(code == kSslRequestCode ? "invalid length of SSL request packet"
                                                 : "invalid length of GSSAPI encryption request");
  }
  if (code == kSslRequestCode) return StartupPacket{SslRequest{}};
  return StartupPacket{GssEncRequest{}};
}

void encode_code_only(std::int32_t code, Bytes& out) {
  MessageWriter writer(out);
  writer.begin_untyped();
  writer.put_i32(code);
  writer.finish();
}

}  // namespace

const std::string* StartupMessage::find(std::string_view name) const {
  const std::string* found = nullptr;
  for (const auto& [key, value] : parameters) {
    if (key == name) found = &value;
  }
  return found;
}

Expected<StartupPacket, ProtocolError> decode_startup_packet(ByteView body) {
  MessageReader reader(body);
  const auto code = reader.read_i32();
  if (!code) return startup_error("invalid length of startup packet");
  if (*code == kCancelRequestCode || *code == kSslRequestCode || *code == kGssEncRequestCode) {
    return decode_special(*code, reader);
  }
  const auto version = static_cast<std::uint32_t>(*code);
  StartupMessage msg;
  msg.major_version = static_cast<std::uint16_t>(version >> 16);
  msg.minor_version = static_cast<std::uint16_t>(version & 0xffff);
  if (msg.major_version != kSupportedMajor) {
    return startup_error("unsupported frontend protocol " + std::to_string(msg.major_version) +
                         "." + std::to_string(msg.minor_version) + ": server supports 3.0 to 3.0");
  }
  return decode_parameters(reader, std::move(msg));
}

void encode(const StartupMessage& message, Bytes& out) {
  MessageWriter writer(out);
  writer.begin_untyped();
  writer.put_u32((std::uint32_t{message.major_version} << 16) | message.minor_version);
  for (const auto& [name, value] : message.parameters) {
    writer.put_cstring(name);
    writer.put_cstring(value);
  }
  writer.put_u8(0);
  writer.finish();
}

void encode(const SslRequest& /*message*/, Bytes& out) {
  encode_code_only(kSslRequestCode, out);
}

void encode(const GssEncRequest& /*message*/, Bytes& out) {
  encode_code_only(kGssEncRequestCode, out);
}

void encode(const CancelRequest& message, Bytes& out) {
  MessageWriter writer(out);
  writer.begin_untyped();
  writer.put_i32(kCancelRequestCode);
  writer.put_i32(message.process_id);
  writer.put_i32(message.secret_key);
  writer.finish();
}

}  // namespace pgw::protocol
