#include "auth/saslprep.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "auth/saslprep_tables.hpp"

namespace pgw::auth {
namespace {

using detail::in_table;

// Fullwidth forms of ASCII '!'..'~' (U+FF01-U+FF5E); NFKC maps each to ASCII.
constexpr char32_t kFullwidthFirst = 0xFF01;
constexpr char32_t kFullwidthLast = 0xFF5E;
constexpr char32_t kFullwidthOffset = 0xFEE0;

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Strict UTF-8 decoding (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
std::optional<std::vector<char32_t>> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len = b0 < 0x80   ? 1
                      : b0 < 0xC2 ? 0
                      : b0 < 0xE0 ? 2
                      : b0 < 0xF0 ? 3
                      : b0 < 0xF5 ? 4
                                  : 0;
    if (len == 0 || i + len > text.size()) return std::nullopt;
    char32_t code = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(text[i + k]);
      if (!is_continuation(b)) return std::nullopt;
      code = (code << 6) | (b & 0x3F);
    }
    bool overlong = (len == 3 && code < 0x800) || (len == 4 && code < 0x10000);
    bool surrogate = code >= 0xD800 && code <= 0xDFFF;
    if (overlong || surrogate || code > 0x10FFFF) return std::nullopt;
    out.push_back(code);
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// RFC 4013 section 2.1 and 2.2 (RFC 3454 B.1 and C.1.2).
std::vector<char32_t> map_characters(const std::vector<char32_t>& input) {
  std::vector<char32_t> out;
  out.reserve(input.size());
  for (char32_t code : input) {
    if (in_table(detail::non_ascii_space_ranges(), code)) {
      out.push_back(U' ');
    } else if (!in_table(detail::mapped_to_nothing_ranges(), code)) {
      out.push_back(code);
    }
  }
  return out;
}

bool has_prohibited(const std::vector<char32_t>& chars) {
  return std::any_of(chars.begin(), chars.end(), [](char32_t c) {
    return in_table(detail::prohibited_output_ranges(), c) ||
           in_table(detail::unassigned_ranges(), c);
  });
}

// RFC 3454 section 6, requirements 2 and 3.
bool violates_bidi(const std::vector<char32_t>& chars) {
  auto rand_al = [](char32_t c) { return in_table(detail::rand_al_cat_ranges(), c); };
  if (std::none_of(chars.begin(), chars.end(), rand_al)) return false;
  bool any_l = std::any_of(chars.begin(), chars.end(),
                           [](char32_t c) { return in_table(detail::l_cat_ranges(), c); });
  return any_l || !rand_al(chars.front()) || !rand_al(chars.back());
}

// NFKC for the characters we can handle without the Unicode decomposition tables; nullopt for
// any other character.
std::optional<std::vector<char32_t>> nfkc_subset(std::vector<char32_t> chars) {
  for (char32_t& code : chars) {
    if (code >= kFullwidthFirst && code <= kFullwidthLast) {
      code -= kFullwidthOffset;
    } else if (code >= 0x80 && !in_table(detail::nfkc_stable_ranges(), code)) {
      return std::nullopt;
    }
  }
  return chars;
}

}  // namespace

SaslprepResult saslprep(std::string_view password) {
  std::string raw(password);
  if (is_ascii(password)) return {std::move(raw), SaslprepOutcome::kAscii};
  auto decoded = decode_utf8(password);
  if (!decoded) return {std::move(raw), SaslprepOutcome::kInvalidUtf8};
  auto mapped = map_characters(*decoded);
  if (mapped.empty() || has_prohibited(mapped) || violates_bidi(mapped)) {
    return {std::move(raw), SaslprepOutcome::kProhibited};
  }
  auto normalized = nfkc_subset(std::move(mapped));
  if (!normalized) return {std::move(raw), SaslprepOutcome::kNotNormalized};
  std::string out;
  out.reserve(password.size());
  for (char32_t code : *normalized)
    append_utf8(out, code);
  return {std::move(out), SaslprepOutcome::kNormalized};
}

}  // namespace pgw::auth
