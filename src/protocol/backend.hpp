#pragma once
/// Messages a server sends (protocol 3.0, "Message Formats").
///
/// Zero copy, as in frontend.hpp: decoded messages hold views into the body they were decoded
/// from, valid only while that buffer is alive and unchanged. CopyData and CopyDone are the
/// frontend structs (the same in both directions).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "protocol/bytes.hpp"
#include "protocol/error_fields.hpp"
#include "protocol/errors.hpp"
#include "protocol/frontend.hpp"

namespace pgw::protocol {

/// Authentication request codes ('R' messages).
namespace auth_code {
inline constexpr std::int32_t kOk = 0;
inline constexpr std::int32_t kKerberosV5 = 2;
inline constexpr std::int32_t kCleartextPassword = 3;
inline constexpr std::int32_t kMd5Password = 5;
inline constexpr std::int32_t kScmCredential = 6;
inline constexpr std::int32_t kGss = 7;
inline constexpr std::int32_t kGssContinue = 8;
inline constexpr std::int32_t kSspi = 9;
inline constexpr std::int32_t kSasl = 10;
inline constexpr std::int32_t kSaslContinue = 11;
inline constexpr std::int32_t kSaslFinal = 12;
}  // namespace auth_code

struct AuthenticationOk {};
struct AuthenticationCleartextPassword {};
struct AuthenticationMd5Password {
  std::array<std::uint8_t, 4> salt{};
};
/// Mechanisms in the server's order of preference.
struct AuthenticationSasl {
  std::vector<std::string_view> mechanisms;
};
struct AuthenticationSaslContinue {
  ByteView data;
};
struct AuthenticationSaslFinal {
  ByteView data;
};
/// Any other request (Kerberos, SCM, GSS, GSS continue, SSPI, codes unknown today), kept only
/// so that the caller can refuse it clearly. Its data, if any, is not kept; the encoder writes
/// the code alone.
struct AuthenticationOther {
  std::int32_t code = 0;
};

struct ParameterStatus {
  std::string_view name;
  std::string_view value;
};

struct BackendKeyData {
  std::int32_t process_id = 0;
  std::int32_t secret_key = 0;
};

enum class TransactionStatus : char { kIdle = 'I', kInTransaction = 'T', kFailed = 'E' };

struct ReadyForQuery {
  TransactionStatus status = TransactionStatus::kIdle;
};

struct FieldDescription {
  std::string_view name;
  std::uint32_t table_oid = 0;
  std::int16_t column = 0;
  std::uint32_t type_oid = 0;
  std::int16_t type_size = 0;
  std::int32_t type_modifier = 0;
  std::int16_t format = 0;
};

struct RowDescription {
  std::vector<FieldDescription> fields;
};

/// std::nullopt columns are SQL NULL.
struct DataRow {
  std::vector<std::optional<ByteView>> columns;
};

struct CommandComplete {
  std::string_view tag;
};

struct EmptyQueryResponse {};

struct ErrorResponse {
  ErrorFields fields;
};

struct NoticeResponse {
  ErrorFields fields;
};

struct NotificationResponse {
  std::int32_t process_id = 0;
  std::string_view channel;
  std::string_view payload;
};

struct ParameterDescription {
  std::vector<std::uint32_t> type_oids;
};

struct ParseComplete {};
struct BindComplete {};
struct CloseComplete {};
struct NoData {};
struct PortalSuspended {};

/// `format`: 0 text, 1 binary; one format per column.
struct CopyInResponse {
  std::int8_t format = 0;
  std::vector<std::int16_t> column_formats;
};
struct CopyOutResponse {
  std::int8_t format = 0;
  std::vector<std::int16_t> column_formats;
};
struct CopyBothResponse {
  std::int8_t format = 0;
  std::vector<std::int16_t> column_formats;
};

/// std::nullopt is a NULL result.
struct FunctionCallResponse {
  std::optional<ByteView> value;
};

struct NegotiateProtocolVersion {
  std::int32_t newest_minor = 0;
  std::vector<std::string_view> unrecognized_options;
};

using BackendMessage =
    std::variant<AuthenticationOk, AuthenticationCleartextPassword, AuthenticationMd5Password,
                 AuthenticationSasl, AuthenticationSaslContinue, AuthenticationSaslFinal,
                 AuthenticationOther, ParameterStatus, BackendKeyData, ReadyForQuery,
                 RowDescription, DataRow, CommandComplete, EmptyQueryResponse, ErrorResponse,
                 NoticeResponse, NotificationResponse, ParameterDescription, ParseComplete,
                 BindComplete, CloseComplete, NoData, PortalSuspended, CopyInResponse,
                 CopyOutResponse, CopyBothResponse, CopyData, CopyDone, FunctionCallResponse,
                 NegotiateProtocolVersion>;

/// Decodes the body of a backend message of type `type`, validating all of it (counts and
/// lengths in bounds, strings NUL-terminated, nothing left over, ReadyForQuery status one of
/// I/T/E). An unknown type is an error.
Expected<BackendMessage, ProtocolError> decode_backend(char type, ByteView body);

/// Each appends one whole message to `out`. Preconditions (assert only): strings hold no NUL;
/// vectors have at most 65535 entries; error field codes are not 0.
void encode(const AuthenticationOk& message, Bytes& out);
void encode(const AuthenticationCleartextPassword& message, Bytes& out);
void encode(const AuthenticationMd5Password& message, Bytes& out);
void encode(const AuthenticationSasl& message, Bytes& out);
void encode(const AuthenticationSaslContinue& message, Bytes& out);
void encode(const AuthenticationSaslFinal& message, Bytes& out);
void encode(const AuthenticationOther& message, Bytes& out);
void encode(const ParameterStatus& message, Bytes& out);
void encode(const BackendKeyData& message, Bytes& out);
void encode(const ReadyForQuery& message, Bytes& out);
void encode(const RowDescription& message, Bytes& out);
void encode(const DataRow& message, Bytes& out);
void encode(const CommandComplete& message, Bytes& out);
void encode(const EmptyQueryResponse& message, Bytes& out);
void encode(const ErrorResponse& message, Bytes& out);
void encode(const NoticeResponse& message, Bytes& out);
void encode(const NotificationResponse& message, Bytes& out);
void encode(const ParameterDescription& message, Bytes& out);
void encode(const ParseComplete& message, Bytes& out);
void encode(const BindComplete& message, Bytes& out);
void encode(const CloseComplete& message, Bytes& out);
void encode(const NoData& message, Bytes& out);
void encode(const PortalSuspended& message, Bytes& out);
void encode(const CopyInResponse& message, Bytes& out);
void encode(const CopyOutResponse& message, Bytes& out);
void encode(const CopyBothResponse& message, Bytes& out);
void encode(const FunctionCallResponse& message, Bytes& out);
void encode(const NegotiateProtocolVersion& message, Bytes& out);
/// Whichever alternative `message` holds.
void encode_backend(const BackendMessage& message, Bytes& out);

}  // namespace pgw::protocol
