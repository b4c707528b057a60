#pragma once
/// Pieces of SCRAM message syntax (RFC 5802 section 7) shared by the server and client
/// exchanges. Internal to src/auth.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "auth/scram_failure.hpp"
#include "common/result.hpp"

namespace pgw::auth::detail {

/// Reads `attr=value` elements separated by commas, left to right.
class AttributeReader {
 public:
  explicit AttributeReader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  /// The attribute letter of the next element, or '\0' at the end.
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  /// Offset of the next element in the text.
  std::size_t position() const { return pos_; }

  /// The value of the next element, which must be attribute `name`.
  Expected<std::string_view, ScramFailure> read(char name);
  /// The next element, whatever its (ALPHA) attribute.
  struct Element {
    char name;
    std::string_view value;
  };
  Expected<Element, ScramFailure> read_any();

 private:
  std::string_view take_value();

  std::string_view text_;
  std::size_t pos_ = 0;
};

/// RFC 5802 "printable": %x21-2B / %x2D-7E (printable ASCII except ',').
bool is_printable(std::string_view text);

/// `text` made safe for a log line: printable ASCII kept, anything else '?', at most 30
/// characters (like PostgreSQL's sanitize_str).
std::string sanitize(std::string_view text);

/// An empty message or one with a NUL byte is malformed (PostgreSQL checks the length agrees
/// with the C string length).
std::optional<ScramFailure> check_message_bytes(std::string_view message);

Unexpected<ScramFailure> malformed(std::string message);

}  // namespace pgw::auth::detail
