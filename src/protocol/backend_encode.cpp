// Encoders of backend messages; field layouts from "Message Formats" (protocol 3.0).
#include <cassert>
#include <variant>

#include "protocol/backend.hpp"
#include "protocol/message_types.hpp"
#include "protocol/message_writer.hpp"

namespace pgw::protocol {
namespace {

void encode_empty(char type, Bytes& out) {
  MessageWriter w(out);
  w.begin(type);
  w.finish();
}

void encode_auth(std::int32_t code, ByteView data, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kAuthentication);
  w.put_i32(code);
  w.put_bytes(data);
  w.finish();
}

void encode_error_fields(char type, const ErrorFields& fields, Bytes& out) {
  MessageWriter w(out);
  w.begin(type);
  for (const auto& [code, value] : fields.fields) {
    assert(code != 0);
    w.put_u8(static_cast<std::uint8_t>(code));
    w.put_cstring(value);
  }
  w.put_u8(0);
  w.finish();
}

template <class Message>
void encode_copy_response(char type, const Message& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(type);
  w.put_u8(static_cast<std::uint8_t>(message.format));
  w.put_count16(message.column_formats.size());
  for (const std::int16_t format : message.column_formats) {
    w.put_i16(format);
  }
  w.finish();
}

void put_nullable(MessageWriter& w, const std::optional<ByteView>& value) {
  if (!value) {
    w.put_i32(-1);
    return;
  }
  w.put_i32(static_cast<std::int32_t>(value->size()));
  w.put_bytes(*value);
}

}  // namespace

void encode(const AuthenticationOk& /*message*/, Bytes& out) {
  encode_auth(auth_code::kOk, {}, out);
}

void encode(const AuthenticationCleartextPassword& /*message*/, Bytes& out) {
  encode_auth(auth_code::kCleartextPassword, {}, out);
}

void encode(const AuthenticationMd5Password& message, Bytes& out) {
  encode_auth(auth_code::kMd5Password, message.salt, out);
}

void encode(const AuthenticationSasl& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kAuthentication);
  w.put_i32(auth_code::kSasl);
  for (const std::string_view mechanism : message.mechanisms) {
    assert(!mechanism.empty());
    w.put_cstring(mechanism);
  }
  w.put_u8(0);
  w.finish();
}

void encode(const AuthenticationSaslContinue& message, Bytes& out) {
  encode_auth(auth_code::kSaslContinue, message.data, out);
}

void encode(const AuthenticationSaslFinal& message, Bytes& out) {
  encode_auth(auth_code::kSaslFinal, message.data, out);
}

void encode(const AuthenticationOther& message, Bytes& out) {
  encode_auth(message.code, {}, out);
}

void encode(const ParameterStatus& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kParameterStatus);
  w.put_cstring(message.name);
  w.put_cstring(message.value);
  w.finish();
}

void encode(const BackendKeyData& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kBackendKeyData);
  w.put_i32(message.process_id);
  w.put_i32(message.secret_key);
  w.finish();
}

void encode(const ReadyForQuery& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kReadyForQuery);
  w.put_u8(static_cast<std::uint8_t>(message.status));
  w.finish();
}

void encode(const RowDescription& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kRowDescription);
  w.put_count16(message.fields.size());
  for (const FieldDescription& field : message.fields) {
    w.put_cstring(field.name);
    w.put_u32(field.table_oid);
    w.put_i16(field.column);
    w.put_u32(field.type_oid);
    w.put_i16(field.type_size);
    w.put_i32(field.type_modifier);
    w.put_i16(field.format);
  }
  w.finish();
}

void encode(const DataRow& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kDataRow);
  w.put_count16(message.columns.size());
  for (const auto& column : message.columns) {
    put_nullable(w, column);
  }
  w.finish();
}

void encode(const CommandComplete& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kCommandComplete);
  w.put_cstring(message.tag);
  w.finish();
}

void encode(const EmptyQueryResponse& /*message*/, Bytes& out) {
  encode_empty(backend_type::kEmptyQueryResponse, out);
}

void encode(const ErrorResponse& message, Bytes& out) {
  encode_error_fields(backend_type::kErrorResponse, message.fields, out);
}

void encode(const NoticeResponse& message, Bytes& out) {
  encode_error_fields(backend_type::kNoticeResponse, message.fields, out);
}

void encode(const NotificationResponse& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kNotificationResponse);
  w.put_i32(message.process_id);
  w.put_cstring(message.channel);
  w.put_cstring(message.payload);
  w.finish();
}

void encode(const ParameterDescription& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kParameterDescription);
  w.put_count16(message.type_oids.size());
  for (const std::uint32_t oid : message.type_oids) {
    w.put_u32(oid);
  }
  w.finish();
}

void encode(const ParseComplete& /*message*/, Bytes& out) {
  encode_empty(backend_type::kParseComplete, out);
}

void encode(const BindComplete& /*message*/, Bytes& out) {
  encode_empty(backend_type::kBindComplete, out);
}

void encode(const CloseComplete& /*message*/, Bytes& out) {
  encode_empty(backend_type::kCloseComplete, out);
}

void encode(const NoData& /*message*/, Bytes& out) {
  encode_empty(backend_type::kNoData, out);
}

void encode(const PortalSuspended& /*message*/, Bytes& out) {
  encode_empty(backend_type::kPortalSuspended, out);
}

void encode(const CopyInResponse& message, Bytes& out) {
  encode_copy_response(backend_type::kCopyInResponse, message, out);
}

void encode(const CopyOutResponse& message, Bytes& out) {
  encode_copy_response(backend_type::kCopyOutResponse, message, out);
}

void encode(const CopyBothResponse& message, Bytes& out) {
  encode_copy_response(backend_type::kCopyBothResponse, message, out);
}

void encode(const FunctionCallResponse& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kFunctionCallResponse);
  put_nullable(w, message.value);
  w.finish();
}

void encode(const NegotiateProtocolVersion& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(backend_type::kNegotiateProtocolVersion);
  w.put_i32(message.newest_minor);
  w.put_i32(static_cast<std::int32_t>(message.unrecognized_options.size()));
  for (const std::string_view option : message.unrecognized_options) {
    w.put_cstring(option);
  }
  w.finish();
}

void encode_backend(const BackendMessage& message, Bytes& out) {
  std::visit([&out](const auto& alternative) { encode(alternative, out); }, message);
}

}  // namespace pgw::protocol
