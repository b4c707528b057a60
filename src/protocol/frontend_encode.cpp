// Encoders of frontend messages; field layouts from "Message Formats" (protocol 3.0).
#include <variant>

#include "protocol/frontend.hpp"
#include "protocol/message_types.hpp"
#include "protocol/message_writer.hpp"

namespace pgw::protocol {
namespace {

void put_formats(MessageWriter& w, const std::vector<std::int16_t>& formats) {
  w.put_count16(formats.size());
  for (const std::int16_t format : formats) {
    w.put_i16(format);
  }
}

void put_values(MessageWriter& w, const std::vector<std::optional<ByteView>>& values) {
  w.put_count16(values.size());
  for (const auto& value : values) {
    if (!value) {
      w.put_i32(-1);
      continue;
    }
    w.put_i32(static_cast<std::int32_t>(value->size()));
    w.put_bytes(*value);
  }
}

void encode_empty(char type, Bytes& out) {
  MessageWriter w(out);
  w.begin(type);
  w.finish();
}

void encode_string(char type, std::string_view text, Bytes& out) {
  MessageWriter w(out);
  w.begin(type);
  w.put_cstring(text);
  w.finish();
}

void encode_kind_and_name(char type, char kind, std::string_view name, Bytes& out) {
  MessageWriter w(out);
  w.begin(type);
  w.put_u8(static_cast<std::uint8_t>(kind));
  w.put_cstring(name);
  w.finish();
}

}  // namespace

void encode(const Query& message, Bytes& out) {
  encode_string(frontend_type::kQuery, message.sql, out);
}

void encode(const Parse& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kParse);
  w.put_cstring(message.name);
  w.put_cstring(message.sql);
  w.put_count16(message.param_types.size());
  for (const std::uint32_t oid : message.param_types) {
    w.put_u32(oid);
  }
  w.finish();
}

void encode(const Bind& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kBind);
  w.put_cstring(message.portal);
  w.put_cstring(message.statement);
  put_formats(w, message.param_formats);
  put_values(w, message.params);
  put_formats(w, message.result_formats);
  w.finish();
}

void encode(const Describe& message, Bytes& out) {
  encode_kind_and_name(frontend_type::kDescribe, message.kind, message.name, out);
}

void encode(const Execute& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kExecute);
  w.put_cstring(message.portal);
  w.put_i32(message.max_rows);
  w.finish();
}

void encode(const Sync& /*message*/, Bytes& out) {
  encode_empty(frontend_type::kSync, out);
}

void encode(const Flush& /*message*/, Bytes& out) {
  encode_empty(frontend_type::kFlush, out);
}

void encode(const Close& message, Bytes& out) {
  encode_kind_and_name(frontend_type::kClose, message.kind, message.name, out);
}

void encode(const CopyData& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kCopyData);
  w.put_bytes(message.data);
  w.finish();
}

void encode(const CopyDone& /*message*/, Bytes& out) {
  encode_empty(frontend_type::kCopyDone, out);
}

void encode(const CopyFail& message, Bytes& out) {
  encode_string(frontend_type::kCopyFail, message.message, out);
}

void encode(const FunctionCall& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kFunctionCall);
  w.put_u32(message.function_oid);
  put_formats(w, message.arg_formats);
  put_values(w, message.args);
  w.put_i16(message.result_format);
  w.finish();
}

void encode(const Terminate& /*message*/, Bytes& out) {
  encode_empty(frontend_type::kTerminate, out);
}

void encode(const PasswordMessage& message, Bytes& out) {
  encode_string(frontend_type::kPassword, message.password, out);
}

void encode(const SaslInitialResponse& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kPassword);
  w.put_cstring(message.mechanism);
  if (message.data) {
    w.put_i32(static_cast<std::int32_t>(message.data->size()));
    w.put_bytes(*message.data);
  } else {
    w.put_i32(-1);
  }
  w.finish();
}

void encode(const SaslResponse& message, Bytes& out) {
  MessageWriter w(out);
  w.begin(frontend_type::kPassword);
  w.put_bytes(message.data);
  w.finish();
}

void encode_frontend(const FrontendMessage& message, Bytes& out) {
  std::visit([&out](const auto& alternative) { encode(alternative, out); }, message);
}

}  // namespace pgw::protocol
