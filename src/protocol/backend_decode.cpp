// Decoders of backend messages; field layouts from "Message Formats" (protocol 3.0).
#include <algorithm>
#include <string>

#include "protocol/backend.hpp"
#include "protocol/field_parser.hpp"
#include "protocol/message_types.hpp"

namespace pgw::protocol {
namespace {

using detail::FieldParser;
using Decoded = Expected<BackendMessage, ProtocolError>;

constexpr std::size_t kInt16Size = 2;
constexpr std::size_t kInt32Size = 4;
// A RowDescription field: a name of at least its NUL, then 4+2+4+2+4+2 bytes.
constexpr std::size_t kMinFieldDescriptionSize = 19;

template <class Message>
Decoded decode_empty(ByteView body, std::string_view message_name) {
  FieldParser p(body, message_name);
  return p.finish<BackendMessage>(Message{});
}

Decoded decode_md5_request(ByteView rest) {
  FieldParser p(rest, "AuthenticationMD5Password");
  AuthenticationMd5Password msg;
  const ByteView salt = p.bytes(msg.salt.size(), "salt");
  std::copy(salt.begin(), salt.end(), msg.salt.begin());
  return p.finish<BackendMessage>(msg);
}

Decoded decode_sasl_request(ByteView rest) {
  FieldParser p(rest, "AuthenticationSASL");
  AuthenticationSasl msg;
  // A list of names ended by an empty one.
  for (;;) {
    const std::string_view name = p.cstring("mechanism list");
    if (!p.ok() || name.empty()) break;
    msg.mechanisms.push_back(name);
  }
  return p.finish<BackendMessage>(std::move(msg));
}

Decoded decode_other_request(std::int32_t code, ByteView rest) {
  FieldParser p(rest, "Authentication");
  // GSS continue carries data, and an unknown code may; the others are the code alone.
  const bool fixed_size = code == auth_code::kKerberosV5 || code == auth_code::kScmCredential ||
                          code == auth_code::kGss || code == auth_code::kSspi;
  if (!fixed_size) p.rest();
  return p.finish<BackendMessage>(AuthenticationOther{code});
}

Decoded decode_authentication(ByteView body) {
  MessageReader reader(body);
  const auto code = reader.read_i32();
  if (!code) return unexpected(ProtocolError{"malformed Authentication message: no request code"});
  const ByteView rest = reader.read_rest();
  switch (*code) {
    case auth_code::kOk:
      return decode_empty<AuthenticationOk>(rest, "AuthenticationOk");
    case auth_code::kCleartextPassword:
      return decode_empty<AuthenticationCleartextPassword>(rest, "AuthenticationCleartextPassword");
    case auth_code::kMd5Password:
      return decode_md5_request(rest);
    case auth_code::kSasl:
      return decode_sasl_request(rest);
    case auth_code::kSaslContinue:
      return BackendMessage{AuthenticationSaslContinue{rest}};
    case auth_code::kSaslFinal:
      return BackendMessage{AuthenticationSaslFinal{rest}};
    default:
      return decode_other_request(*code, rest);
  }
}

Decoded decode_parameter_status(ByteView body) {
  FieldParser p(body, "ParameterStatus");
  ParameterStatus msg;
  msg.name = p.cstring("name");
  msg.value = p.cstring("value");
  return p.finish<BackendMessage>(msg);
}

Decoded decode_backend_key_data(ByteView body) {
  FieldParser p(body, "BackendKeyData");
  BackendKeyData msg;
  msg.process_id = p.i32("process id");
  msg.secret_key = p.i32("secret key");
  return p.finish<BackendMessage>(msg);
}

Decoded decode_ready_for_query(ByteView body) {
  FieldParser p(body, "ReadyForQuery");
  const char status = static_cast<char>(p.u8("status"));
  if (p.ok() && status != 'I' && status != 'T' && status != 'E') {
    p.fail("status " + describe_type_byte(status) + " is not 'I', 'T' or 'E'");
  }
  return p.finish<BackendMessage>(ReadyForQuery{static_cast<TransactionStatus>(status)});
}

Decoded decode_row_description(ByteView body) {
  FieldParser p(body, "RowDescription");
  RowDescription msg;
  const std::size_t count = p.count16(kMinFieldDescriptionSize, "field count");
  msg.fields.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    FieldDescription& field = msg.fields.emplace_back();
    field.name = p.cstring("field name");
    field.table_oid = p.u32("table oid");
    field.column = p.i16("column number");
    field.type_oid = p.u32("type oid");
    field.type_size = p.i16("type size");
    field.type_modifier = p.i32("type modifier");
    field.format = p.i16("format");
  }
  return p.finish<BackendMessage>(std::move(msg));
}

Decoded decode_data_row(ByteView body) {
  FieldParser p(body, "DataRow");
  DataRow msg;
  const std::size_t count = p.count16(kInt32Size, "column count");
  msg.columns.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    msg.columns.push_back(p.nullable_bytes("column"));
  }
  return p.finish<BackendMessage>(std::move(msg));
}

Decoded decode_command_complete(ByteView body) {
  FieldParser p(body, "CommandComplete");
  CommandComplete msg{p.cstring("command tag")};
  return p.finish<BackendMessage>(msg);
}

template <class Message>
Decoded decode_error_fields(ByteView body, std::string_view message_name) {
  FieldParser p(body, message_name);
  Message msg;
  // (code, string) pairs ended by a zero code.
  for (;;) {
    const std::uint8_t code = p.u8("field list terminator");
    if (!p.ok() || code == 0) break;
    const std::string_view value = p.cstring("field value");
    msg.fields.fields.emplace_back(static_cast<char>(code), value);
  }
  return p.finish<BackendMessage>(std::move(msg));
}

Decoded decode_notification(ByteView body) {
  FieldParser p(body, "NotificationResponse");
  NotificationResponse msg;
  msg.process_id = p.i32("process id");
  msg.channel = p.cstring("channel");
  msg.payload = p.cstring("payload");
  return p.finish<BackendMessage>(msg);
}

Decoded decode_parameter_description(ByteView body) {
  FieldParser p(body, "ParameterDescription");
  ParameterDescription msg;
  const std::size_t count = p.count16(kInt32Size, "parameter count");
  msg.type_oids.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    msg.type_oids.push_back(p.u32("type oid"));
  }
  return p.finish<BackendMessage>(std::move(msg));
}

template <class Message>
Decoded decode_copy_response(ByteView body, std::string_view message_name) {
  FieldParser p(body, message_name);
  Message msg;
  msg.format = static_cast<std::int8_t>(p.u8("format"));
  const std::size_t count = p.count16(kInt16Size, "column count");
  msg.column_formats.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    msg.column_formats.push_back(p.i16("column format"));
  }
  return p.finish<BackendMessage>(std::move(msg));
}

Decoded decode_function_call_response(ByteView body) {
  FieldParser p(body, "FunctionCallResponse");
  FunctionCallResponse msg{p.nullable_bytes("result value")};
  return p.finish<BackendMessage>(msg);
}

Decoded decode_negotiate_protocol_version(ByteView body) {
  FieldParser p(body, "NegotiateProtocolVersion");
  NegotiateProtocolVersion msg;
  msg.newest_minor = p.i32("newest minor version");
  const std::size_t count = p.count32(1, "option count");
  msg.unrecognized_options.reserve(count);
  for (std::size_t i = 0; i < count && p.ok(); ++i) {
    msg.unrecognized_options.push_back(p.cstring("option name"));
  }
  return p.finish<BackendMessage>(std::move(msg));
}

}  // namespace

Decoded decode_backend(char type, ByteView body) {
  namespace t = backend_type;
  switch (type) {
    case t::kAuthentication:
      return decode_authentication(body);
    case t::kParameterStatus:
      return decode_parameter_status(body);
    case t::kBackendKeyData:
      return decode_backend_key_data(body);
    case t::kReadyForQuery:
      return decode_ready_for_query(body);
    case t::kRowDescription:
      return decode_row_description(body);
    case t::kDataRow:
      return decode_data_row(body);
    case t::kCommandComplete:
      return decode_command_complete(body);
    case t::kEmptyQueryResponse:
      return decode_empty<EmptyQueryResponse>(body, "EmptyQueryResponse");
    case t::kErrorResponse:
      return decode_error_fields<ErrorResponse>(body, "ErrorResponse");
    case t::kNoticeResponse:
      return decode_error_fields<NoticeResponse>(body, "NoticeResponse");
    case t::kNotificationResponse:
      return decode_notification(body);
    case t::kParameterDescription:
      return decode_parameter_description(body);
    case t::kParseComplete:
      return decode_empty<ParseComplete>(body, "ParseComplete");
    case t::kBindComplete:
      return decode_empty<BindComplete>(body, "BindComplete");
    case t::kCloseComplete:
      return decode_empty<CloseComplete>(body, "CloseComplete");
    case t::kNoData:
      return decode_empty<NoData>(body, "NoData");
    case t::kPortalSuspended:
      return decode_empty<PortalSuspended>(body, "PortalSuspended");
    case t::kCopyInResponse:
      return decode_copy_response<CopyInResponse>(body, "CopyInResponse");
    case t::kCopyOutResponse:
      return decode_copy_response<CopyOutResponse>(body, "CopyOutResponse");
    case t::kCopyBothResponse:
      return decode_copy_response<CopyBothResponse>(body, "CopyBothResponse");
    case t::kCopyData:
      return BackendMessage{CopyData{body}};
    case t::kCopyDone:
      return decode_empty<CopyDone>(body, "CopyDone");
    case t::kFunctionCallResponse:
      return decode_function_call_response(body);
    case t::kNegotiateProtocolVersion:
      return decode_negotiate_protocol_version(body);
    default:
      return unexpected(ProtocolError{"invalid backend message type " + describe_type_byte(type)});
  }
}

}  // namespace pgw::protocol
