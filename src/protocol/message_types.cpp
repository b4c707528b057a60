#include "protocol/message_types.hpp"

namespace pgw::protocol {

std::string_view frontend_message_name(char type) {
  switch (type) {
    case 'B':
      return "Bind";
    case 'C':
      return "Close";
    case 'd':
      return "CopyData";
    case 'c':
      return "CopyDone";
    case 'f':
      return "CopyFail";
    case 'D':
      return "Describe";
    case 'E':
      return "Execute";
    case 'H':
      return "Flush";
    case 'F':
      return "FunctionCall";
    case 'P':
      return "Parse";
    case 'p':
      return "PasswordMessage";
    case 'Q':
      return "Query";
    case 'S':
      return "Sync";
    case 'X':
      return "Terminate";
    default:
      return "unknown";
  }
}

std::string_view backend_message_name(char type) {
  switch (type) {
    case 'R':
      return "Authentication";
    case 'K':
      return "BackendKeyData";
    case '2':
      return "BindComplete";
    case '3':
      return "CloseComplete";
    case 'C':
      return "CommandComplete";
    case 'W':
      return "CopyBothResponse";
    case 'd':
      return "CopyData";
    case 'c':
      return "CopyDone";
    case 'G':
      return "CopyInResponse";
    case 'H':
      return "CopyOutResponse";
    case 'D':
      return "DataRow";
    case 'I':
      return "EmptyQueryResponse";
    case 'E':
      return "ErrorResponse";
    case 'V':
      return "FunctionCallResponse";
    case 'v':
      return "NegotiateProtocolVersion";
    case 'n':
      return "NoData";
    case 'N':
      return "NoticeResponse";
    case 'A':
      return "NotificationResponse";
    case 't':
      return "ParameterDescription";
    case 'S':
      return "ParameterStatus";
    case '1':
      return "ParseComplete";
    case 's':
      return "PortalSuspended";
    case 'Z':
      return "ReadyForQuery";
    case 'T':
      return "RowDescription";
    default:
      return "unknown";
  }
}

std::string describe_type_byte(char type) {
  const auto code = static_cast<unsigned char>(type);
  if (code >= 0x20 && code < 0x7f) return std::string{'\'', type, '\''};
  constexpr std::string_view kHex = "0123456789abcdef";
  return std::string{'0', 'x', kHex[code >> 4], kHex[code & 0xf]};
}

}  // namespace pgw::protocol
