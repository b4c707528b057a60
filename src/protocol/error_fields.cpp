#include "protocol/error_fields.hpp"

#include <array>

#include "protocol/backend.hpp"

namespace pgw::protocol {
namespace {

constexpr std::array<std::pair<Severity, std::string_view>, 8> kSeverityNames{{
    {Severity::kError, "ERROR"},
    {Severity::kFatal, "FATAL"},
    {Severity::kPanic, "PANIC"},
    {Severity::kWarning, "WARNING"},
    {Severity::kNotice, "NOTICE"},
    {Severity::kDebug, "DEBUG"},
    {Severity::kInfo, "INFO"},
    {Severity::kLog, "LOG"},
}};

}  // namespace

std::string_view severity_name(Severity severity) {
  for (const auto& [value, name] : kSeverityNames) {
    if (value == severity) return name;
  }
  return "ERROR";
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (const auto& [value, known] : kSeverityNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view ErrorFields::get(char code) const {
  for (const auto& [field_code, value] : fields) {
    if (field_code == code) return value;
  }
  return {};
}

std::string_view ErrorFields::severity() const {
  for (const auto& [field_code, value] : fields) {
    if (field_code == error_field::kSeverityNonLocalized) return value;
  }
  return get(error_field::kSeverity);
}

ErrorBuilder::ErrorBuilder(Severity severity, std::string_view sqlstate, std::string message)
    : severity_(severity), sqlstate_(sqlstate), message_(std::move(message)) {}

ErrorBuilder& ErrorBuilder::detail(std::string text) {
  detail_ = std::move(text);
  return *this;
}

ErrorBuilder& ErrorBuilder::hint(std::string text) {
  hint_ = std::move(text);
  return *this;
}

ErrorFields ErrorBuilder::fields() const {
  const std::string_view severity = severity_name(severity_);
  ErrorFields result;
  result.fields = {{error_field::kSeverity, severity},
                   {error_field::kSeverityNonLocalized, severity},
                   {error_field::kSqlstate, sqlstate_},
                   {error_field::kMessage, message_}};
  if (!detail_.empty()) result.fields.emplace_back(error_field::kDetail, detail_);
  if (!hint_.empty()) result.fields.emplace_back(error_field::kHint, hint_);
  return result;
}

void ErrorBuilder::encode_error(Bytes& out) const {
  encode(ErrorResponse{fields()}, out);
}

void ErrorBuilder::encode_notice(Bytes& out) const {
  encode(NoticeResponse{fields()}, out);
}

}  // namespace pgw::protocol
