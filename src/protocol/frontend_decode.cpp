// Decoders of frontend messages; field layouts from "Message Formats" (protocol 3.0).
#include <string>

#include "protocol/field_parser.hpp"
#include "protocol/frontend.hpp"
#include "protocol/message_types.hpp"

namespace pgw::protocol {
namespace {

using detail::FieldParser;
using Decoded = Expected<FrontendMessage, ProtocolError>;

constexpr std::size_t kInt16Size = 2;
constexpr std::size_t kInt32Size = 4;

std::vector<std::int16_t> read_formats(FieldParser& p, std::string_view field) {
  const std::size_t count = p.count16(kInt16Size, field);
  std::vector<std::int16_t> formats;
  formats.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    formats.push_back(p.i16(field));
  }
  return formats;
}

std::vector<std::optional<ByteView>> read_values(FieldParser& p, std::string_view field) {
  const std::size_t count = p.count16(kInt32Size, field);
  std::vector<std::optional<ByteView>> values;
  values.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    values.push_back(p.nullable_bytes(field));
  }
  return values;
}

// PostgreSQL: 0 formats (all text), 1 (for all) or exactly one per value.
void check_format_count(FieldParser& p, std::size_t formats, std::size_t values) {
  if (formats > 1 && formats != values) {
    p.fail(std::to_string(formats) + " format codes for " + std::to_string(values) + " values");
  }
}

Decoded decode_query(ByteView body) {
  FieldParser p(body, "Query");
  Query msg{p.cstring("query string")};
  return p.finish<FrontendMessage>(msg);
}

Decoded decode_parse(ByteView body) {
  FieldParser p(body, "Parse");
  Parse msg;
  msg.name = p.cstring("statement name");
  msg.sql = p.cstring("query string");
  const std::size_t count = p.count16(kInt32Size, "parameter type count");
  msg.param_types.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    msg.param_types.push_back(p.u32("type oid"));
  }
  return p.finish<FrontendMessage>(std::move(msg));
}

Decoded decode_bind(ByteView body) {
  FieldParser p(body, "Bind");
  Bind msg;
  msg.portal = p.cstring("portal name");
  msg.statement = p.cstring("statement name");
  msg.param_formats = read_formats(p, "parameter format");
  msg.params = read_values(p, "parameter value");
  msg.result_formats = read_formats(p, "result format");
  check_format_count(p, msg.param_formats.size(), msg.params.size());
  return p.finish<FrontendMessage>(std::move(msg));
}

template <class Message>
Decoded decode_kind_and_name(ByteView body, std::string_view message_name) {
  FieldParser p(body, message_name);
  Message msg;
  msg.kind = static_cast<char>(p.u8("kind"));
  if (p.ok() && msg.kind != 'S' && msg.kind != 'P') {
    p.fail("kind " + describe_type_byte(msg.kind) + " is not 'S' or 'P'");
  }
  msg.name = p.cstring("name");
  return p.finish<FrontendMessage>(msg);
}

Decoded decode_execute(ByteView body) {
  FieldParser p(body, "Execute");
  Execute msg;
  msg.portal = p.cstring("portal name");
  msg.max_rows = p.i32("row limit");
  return p.finish<FrontendMessage>(msg);
}

Decoded decode_function_call(ByteView body) {
  FieldParser p(body, "FunctionCall");
  FunctionCall msg;
  msg.function_oid = p.u32("function oid");
  msg.arg_formats = read_formats(p, "argument format");
  msg.args = read_values(p, "argument value");
  msg.result_format = p.i16("result format");
  check_format_count(p, msg.arg_formats.size(), msg.args.size());
  return p.finish<FrontendMessage>(std::move(msg));
}

template <class Message>
Decoded decode_empty(ByteView body, std::string_view message_name) {
  FieldParser p(body, message_name);
  return p.finish<FrontendMessage>(Message{});
}

Decoded decode_copy_fail(ByteView body) {
  FieldParser p(body, "CopyFail");
  CopyFail msg{p.cstring("error message")};
  return p.finish<FrontendMessage>(msg);
}

}  // namespace

Decoded decode_frontend(char type, ByteView body) {
  switch (type) {
    case frontend_type::kQuery:
      return decode_query(body);
    case frontend_type::kParse:
      return decode_parse(body);
    case frontend_type::kBind:
      return decode_bind(body);
    case frontend_type::kDescribe:
      return decode_kind_and_name<Describe>(body, "Describe");
    case frontend_type::kExecute:
      return decode_execute(body);
    case frontend_type::kSync:
      return decode_empty<Sync>(body, "Sync");
    case frontend_type::kFlush:
      return decode_empty<Flush>(body, "Flush");
    case frontend_type::kClose:
      return decode_kind_and_name<Close>(body, "Close");
    case frontend_type::kCopyData:
      return FrontendMessage{CopyData{body}};
    case frontend_type::kCopyDone:
      return decode_empty<CopyDone>(body, "CopyDone");
    case frontend_type::kCopyFail:
      return decode_copy_fail(body);
    case frontend_type::kFunctionCall:
      return decode_function_call(body);
    case frontend_type::kTerminate:
      return decode_empty<Terminate>(body, "Terminate");
    case frontend_type::kPassword:
      return unexpected(ProtocolError{"unexpected authentication message 'p'"});
    default:
      return unexpected(ProtocolError{"invalid frontend message type " + describe_type_byte(type)});
  }
}

Expected<PasswordMessage, ProtocolError> decode_password_message(ByteView body) {
  FieldParser p(body, "PasswordMessage");
  PasswordMessage msg{p.cstring("password")};
  return p.finish<PasswordMessage>(msg);
}

Expected<SaslInitialResponse, ProtocolError> decode_sasl_initial_response(ByteView body) {
  FieldParser p(body, "SASLInitialResponse");
  SaslInitialResponse msg;
  msg.mechanism = p.cstring("mechanism");
  msg.data = p.nullable_bytes("data");
  return p.finish<SaslInitialResponse>(msg);
}

Expected<SaslResponse, ProtocolError> decode_sasl_response(ByteView body) {
  return SaslResponse{body};
}

}  // namespace pgw::protocol
