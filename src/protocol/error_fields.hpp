#pragma once
/// The fields of ErrorResponse and NoticeResponse ("Error and Notice Message Fields"), and a
/// builder for the errors and notices pgwarden itself sends to clients.

#include <utility>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.hpp"

namespace pgw::protocol {

enum class Severity { kError, kFatal, kPanic, kWarning, kNotice, kDebug, kInfo, kLog };

/// "ERROR", "FATAL", ... as in the V field.
std::string_view severity_name(Severity severity);
/// The inverse of severity_name (exact, upper case); std::nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view name);

/// Field codes, one byte each.
namespace error_field {
inline constexpr char kSeverity = 'S';  ///< possibly localized
inline constexpr char kSeverityNonLocalized = 'V';
inline constexpr char kSqlstate = 'C';
inline constexpr char kMessage = 'M';
inline constexpr char kDetail = 'D';
inline constexpr char kHint = 'H';
inline constexpr char kPosition = 'P';
inline constexpr char kInternalPosition = 'p';
inline constexpr char kInternalQuery = 'q';
inline constexpr char kWhere = 'W';
inline constexpr char kSchema = 's';
inline constexpr char kTable = 't';
inline constexpr char kColumn = 'c';
inline constexpr char kDataType = 'd';
inline constexpr char kConstraint = 'n';
inline constexpr char kFile = 'F';
inline constexpr char kLine = 'L';
inline constexpr char kRoutine = 'R';
}  // namespace error_field

/// Fields in wire order; views into the decoded body (zero copy) or into strings the caller
/// keeps alive while encoding.
struct ErrorFields {
  std::vector<std::pair<char, std::string_view>> fields;

  /// The first field with `code`, or "" if absent.
  std::string_view get(char code) const;
  std::string_view sqlstate() const { return get(error_field::kSqlstate); }
  std::string_view message() const { return get(error_field::kMessage); }
  /// The non-localized severity (V) when present, else S (servers before 9.6 send only S).
  std::string_view severity() const;
};

/// Builds an ErrorResponse or NoticeResponse the way PostgreSQL does: S and V (the same,
/// pgwarden does not localize), C, M, then D and H when set. Owns its strings.
class ErrorBuilder {
 public:
  ErrorBuilder(Severity severity, std::string_view sqlstate, std::string message);

  ErrorBuilder& detail(std::string text);
  ErrorBuilder& hint(std::string text);

  /// The fields as views into this builder (valid while it lives, unchanged).
  ErrorFields fields() const;
  /// Appends a whole 'E' message to `out`.
  void encode_error(Bytes& out) const;
  /// Appends a whole 'N' message to `out`.
  void encode_notice(Bytes& out) const;

 private:
  Severity severity_;
  std::string sqlstate_;
  std::string message_;
  std::string detail_;
  std::string hint_;
};

}  // namespace pgw::protocol
