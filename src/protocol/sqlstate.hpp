#pragma once
/// SQLSTATE codes pgwarden sends or inspects (PostgreSQL "Appendix A. Error Codes").

#include <string_view>

namespace pgw::protocol::sqlstate {

// Class 00, 01: success and warnings.
inline constexpr std::string_view kSuccessfulCompletion = "00000";
inline constexpr std::string_view kWarning = "01000";
// Class 08: connection exceptions.
inline constexpr std::string_view kConnectionException = "08000";
inline constexpr std::string_view kConnectionDoesNotExist = "08003";
inline constexpr std::string_view kConnectionFailure = "08006";
inline constexpr std::string_view kSqlclientUnableToEstablishSqlconnection = "08001";
inline constexpr std::string_view kSqlserverRejectedEstablishmentOfSqlconnection = "08004";
inline constexpr std::string_view kTransactionResolutionUnknown = "08007";
inline constexpr std::string_view kProtocolViolation = "08P01";
// Class 0A, 22: features and data.
inline constexpr std::string_view kFeatureNotSupported = "0A000";
inline constexpr std::string_view kInvalidParameterValue = "22023";
// Class 25: transaction state.
inline constexpr std::string_view kInvalidTransactionState = "25000";
inline constexpr std::string_view kActiveSqlTransaction = "25001";
inline constexpr std::string_view kReadOnlySqlTransaction = "25006";
inline constexpr std::string_view kInFailedSqlTransaction = "25P02";
inline constexpr std::string_view kIdleInTransactionSessionTimeout = "25P03";
// Class 26, 28: statement names and authorization.
inline constexpr std::string_view kInvalidSqlStatementName = "26000";
inline constexpr std::string_view kInvalidAuthorizationSpecification = "28000";
inline constexpr std::string_view kInvalidPassword = "28P01";
// Class 3D, 40, 42: catalog, rollback, syntax and access.
inline constexpr std::string_view kInvalidCatalogName = "3D000";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";
inline constexpr std::string_view kSyntaxError = "42601";
inline constexpr std::string_view kInsufficientPrivilege = "42501";
inline constexpr std::string_view kUndefinedObject = "42704";
inline constexpr std::string_view kDuplicatePreparedStatement = "42P05";
// Class 53, 54: resources and limits.
inline constexpr std::string_view kOutOfMemory = "53200";
inline constexpr std::string_view kTooManyConnections = "53300";
inline constexpr std::string_view kConfigurationLimitExceeded = "53400";
inline constexpr std::string_view kProgramLimitExceeded = "54000";
// Class 55, 57: object state and operator intervention.
inline constexpr std::string_view kObjectNotInPrerequisiteState = "55000";
inline constexpr std::string_view kLockNotAvailable = "55P03";
inline constexpr std::string_view kOperatorIntervention = "57000";
inline constexpr std::string_view kQueryCanceled = "57014";
inline constexpr std::string_view kAdminShutdown = "57P01";
inline constexpr std::string_view kCrashShutdown = "57P02";
inline constexpr std::string_view kCannotConnectNow = "57P03";
inline constexpr std::string_view kDatabaseDropped = "57P04";
inline constexpr std::string_view kIdleSessionTimeout = "57P05";
// Class F0, XX: configuration and internal errors.
inline constexpr std::string_view kConfigFileError = "F0000";
inline constexpr std::string_view kInternalError = "XX000";

}  // namespace pgw::protocol::sqlstate
