#pragma once
/// Small text helpers shared by modules that parse words and numbers.

#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace pgw {

/// ASCII case-insensitive equality (keywords, HTTP header values).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// The whole of `text` as the number T (std::from_chars), or nullopt.
template <class T>
std::optional<T> parse_whole(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace pgw
