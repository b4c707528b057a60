#pragma once
/// The type bytes of protocol 3.0 messages, by direction, and their names for messages.

#include <string>
#include <string_view>

namespace pgw::protocol {

namespace frontend_type {
inline constexpr char kBind = 'B';
inline constexpr char kClose = 'C';
inline constexpr char kCopyData = 'd';
inline constexpr char kCopyDone = 'c';
inline constexpr char kCopyFail = 'f';
inline constexpr char kDescribe = 'D';
inline constexpr char kExecute = 'E';
inline constexpr char kFlush = 'H';
inline constexpr char kFunctionCall = 'F';
inline constexpr char kParse = 'P';
/// PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse: which one depends on
/// the authentication exchange under way.
inline constexpr char kPassword = 'p';
inline constexpr char kQuery = 'Q';
inline constexpr char kSync = 'S';
inline constexpr char kTerminate = 'X';
}  // namespace frontend_type

namespace backend_type {
inline constexpr char kAuthentication = 'R';
inline constexpr char kBackendKeyData = 'K';
inline constexpr char kBindComplete = '2';
inline constexpr char kCloseComplete = '3';
inline constexpr char kCommandComplete = 'C';
inline constexpr char kCopyBothResponse = 'W';
inline constexpr char kCopyData = 'd';
inline constexpr char kCopyDone = 'c';
inline constexpr char kCopyInResponse = 'G';
inline constexpr char kCopyOutResponse = 'H';
inline constexpr char kDataRow = 'D';
inline constexpr char kEmptyQueryResponse = 'I';
inline constexpr char kErrorResponse = 'E';
inline constexpr char kFunctionCallResponse = 'V';
inline constexpr char kNegotiateProtocolVersion = 'v';
inline constexpr char kNoData = 'n';
inline constexpr char kNoticeResponse = 'N';
inline constexpr char kNotificationResponse = 'A';
inline constexpr char kParameterDescription = 't';
inline constexpr char kParameterStatus = 'S';
inline constexpr char kParseComplete = '1';
inline constexpr char kPortalSuspended = 's';
inline constexpr char kReadyForQuery = 'Z';
inline constexpr char kRowDescription = 'T';
}  // namespace backend_type

/// "Query", "Bind", ... ; "unknown" for a type byte no frontend sends ('p' is "PasswordMessage").
std::string_view frontend_message_name(char type);
/// "ReadyForQuery", "DataRow", ... ; "unknown" for a type byte no backend sends.
std::string_view backend_message_name(char type);
/// The type byte for a log or error line: 'Q' when printable, else 0x00 style.
std::string describe_type_byte(char type);

}  // namespace pgw::protocol
