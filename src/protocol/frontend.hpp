#pragma once
/// Messages a client sends after the startup packet (protocol 3.0, "Message Formats").
///
/// Zero copy: decoded messages hold std::string_view / ByteView into the body they were
/// decoded from; they are valid only while that buffer is alive and unchanged. Encoders take
/// the same structs and append one whole message (type byte and length included) to `out`.

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "protocol/bytes.hpp"
#include "protocol/errors.hpp"

namespace pgw::protocol {

struct Query {
  std::string_view sql;
};

struct Parse {
  std::string_view name;  ///< "" is the unnamed statement
  std::string_view sql;
  std::vector<std::uint32_t> param_types;  ///< 0 = let the server infer
};

/// `param_formats` has 0 entries (all text), 1 (applies to all) or one per parameter; the
/// decoder enforces this. A std::nullopt parameter is SQL NULL.
struct Bind {
  std::string_view portal;
  std::string_view statement;
  std::vector<std::int16_t> param_formats;
  std::vector<std::optional<ByteView>> params;
  std::vector<std::int16_t> result_formats;
};

/// `kind` is 'S' (prepared statement) or 'P' (portal); the decoder enforces this.
struct Describe {
  char kind = 'S';
  std::string_view name;
};

struct Execute {
  std::string_view portal;
  std::int32_t max_rows = 0;  ///< 0 = no limit
};

struct Sync {};
struct Flush {};

/// `kind` is 'S' (prepared statement) or 'P' (portal); the decoder enforces this.
struct Close {
  char kind = 'S';
  std::string_view name;
};

/// Both directions.
struct CopyData {
  ByteView data;
};
/// Both directions.
struct CopyDone {};
struct CopyFail {
  std::string_view message;
};

/// The legacy fast-path call; `arg_formats` follows the same 0/1/N rule as Bind.
struct FunctionCall {
  std::uint32_t function_oid = 0;
  std::vector<std::int16_t> arg_formats;
  std::vector<std::optional<ByteView>> args;
  std::int16_t result_format = 0;
};

struct Terminate {};

using FrontendMessage = std::variant<Query, Parse, Bind, Describe, Execute, Sync, Flush, Close,
                                     CopyData, CopyDone, CopyFail, FunctionCall, Terminate>;

/// Decodes the body of a frontend message of type `type`. Validates the whole body: every
/// count and length within bounds, strings NUL-terminated, nothing left over. An unknown type
/// or 'p' (whose meaning depends on the authentication exchange: use the decoders below) is
/// an error.
Expected<FrontendMessage, ProtocolError> decode_frontend(char type, ByteView body);

// The 'p' messages. Which one a 'p' is depends on the authentication request that preceded it.

/// Answer to AuthenticationCleartextPassword / AuthenticationMD5Password.
struct PasswordMessage {
  std::string_view password;
};
/// First SASL message; `data` is std::nullopt when the client sent length -1 (no data).
struct SaslInitialResponse {
  std::string_view mechanism;
  std::optional<ByteView> data;
};
struct SaslResponse {
  ByteView data;
};

Expected<PasswordMessage, ProtocolError> decode_password_message(ByteView body);
Expected<SaslInitialResponse, ProtocolError> decode_sasl_initial_response(ByteView body);
Expected<SaslResponse, ProtocolError> decode_sasl_response(ByteView body);

/// Preconditions (assert only): strings hold no NUL; vectors have at most 65535 entries.
void encode(const Query& message, Bytes& out);
void encode(const Parse& message, Bytes& out);
void encode(const Bind& message, Bytes& out);
void encode(const Describe& message, Bytes& out);
void encode(const Execute& message, Bytes& out);
void encode(const Sync& message, Bytes& out);
void encode(const Flush& message, Bytes& out);
void encode(const Close& message, Bytes& out);
void encode(const CopyData& message, Bytes& out);
void encode(const CopyDone& message, Bytes& out);
void encode(const CopyFail& message, Bytes& out);
void encode(const FunctionCall& message, Bytes& out);
void encode(const Terminate& message, Bytes& out);
void encode(const PasswordMessage& message, Bytes& out);
void encode(const SaslInitialResponse& message, Bytes& out);
void encode(const SaslResponse& message, Bytes& out);
/// Whichever alternative `message` holds.
void encode_frontend(const FrontendMessage& message, Bytes& out);

}  // namespace pgw::protocol
