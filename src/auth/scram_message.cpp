#include "auth/scram_message.hpp"
#include <utility>

namespace pgw::auth::detail {
namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string describe(char c) {
  if (c == '\0') return "end of message";
  if (c > 0x20 && c < 0x7F) return std::string("\"") + c + "\"";
  return "a non-printable character";
}

}  // namespace

Unexpected<ScramFailure> malformed(std::string message) {
  return {
      ScramFailure{ScramFailureKind::kMalformed, "malformed SCRAM message: " + std::move(message)}};
}

std::string_view AttributeReader::take_value() {
  auto end = text_.find(',', pos_);
  if (end == std::string_view::npos) end = text_.size();
  auto value = text_.substr(pos_, end - pos_);
  pos_ = end == text_.size() ? end : end + 1;
  return value;
}

Expected<std::string_view, ScramFailure> AttributeReader::read(char name) {
  if (peek() != name) {
    return malformed(std::string("expected attribute \"") + name + "\" but found " +
                     describe(peek()));
  }
  if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '=') {
    return malformed(std::string("expected \"=\" after attribute \"") + name + "\"");
  }
  pos_ += 2;
  return take_value();
}

Expected<AttributeReader::Element, ScramFailure> AttributeReader::read_any() {
  char name = peek();
  if (!is_alpha(name)) return malformed("attribute expected, but found " + describe(name));
  auto value = read(name);
  if (!value) return unexpected(value.error());
  return Element{name, *value};
}

bool is_printable(std::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7E || c == ',') return false;
  }
  return true;
}

std::string sanitize(std::string_view text) {
  constexpr std::size_t kMax = 30;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    char c = text[i];
    out += (c > 0x20 && c < 0x7F) ? c : '?';
  }
  return out;
}

std::optional<ScramFailure> check_message_bytes(std::string_view message) {
  if (message.empty()) return malformed("the message is empty").error;
  if (message.find('\0') != std::string_view::npos) {
    return malformed("the message contains a NUL byte").error;
  }
  return std::nullopt;
}

}  // namespace pgw::auth::detail
