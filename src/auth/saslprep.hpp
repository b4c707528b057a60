#pragma once
/// SASLprep (RFC 4013) of a password, the way PostgreSQL applies it before SCRAM hashing
/// (src/common/saslprep.c): when the password is not valid UTF-8, or SASLprep refuses it, the raw
/// bytes are used instead, so every byte string is a usable password.
///
/// Exact behaviour, step by step:
///  1. Pure ASCII (every byte < 0x80, control characters included): unchanged (kAscii).
///  2. Not well-formed UTF-8 (overlongs, surrogates, > U+10FFFF, truncated): raw bytes.
///  3. Map: non-ASCII spaces (RFC 3454 C.1.2) become U+0020, "commonly mapped to nothing"
///     characters (B.1, e.g. U+00AD soft hyphen) are removed. Nothing left: raw bytes.
///  4. Prohibit: a prohibited output character (C.1.2-C.9, including ASCII controls next to a
///     non-ASCII character) or a code point unassigned in Unicode 3.2 (A.1): raw bytes.
///  5. Bidi (RFC 3454 section 6): with any R/AL character, no L character may appear and the first
///     and last characters must be R/AL; otherwise raw bytes.
///     Like PostgreSQL, steps 4 and 5 examine the mapped string, before normalization.
///  6. Normalize to NFKC. Implemented for: characters NFKC leaves unchanged (precomposed Latin,
///     Greek, Cyrillic, CJK, Hangul syllables, Hebrew, Arabic letters ... any starter with NFKC
///     quick check Yes), and the fullwidth ASCII forms U+FF01-U+FF5E (mapped to ASCII).
///
/// Limitation: full NFKC needs the Unicode decomposition and composition tables, which pgwarden
/// does not carry. A password holding any other character (a combining mark such as U+0308, a
/// compatibility character such as U+FB01 "fi" or U+00B2 superscript two, a Hangul jamo) gets
/// outcome kNotNormalized and its raw bytes are used. PostgreSQL would normalize such a password,
/// so a secret pgwarden computes from it differs from PostgreSQL's, and a client (libpq also
/// applies SASLprep) cannot log in with it through a secret pgwarden generated. Secrets created by
/// PostgreSQL itself (copied from pg_authid) are not affected: SCRAM never needs the plain text.

#include <string>
#include <string_view>

namespace pgw::auth {

enum class SaslprepOutcome {
  kAscii,          ///< pure ASCII: unchanged
  kNormalized,     ///< SASLprep succeeded; `password` is its output (may equal the input)
  kInvalidUtf8,    ///< not UTF-8: raw bytes, as PostgreSQL does
  kProhibited,     ///< empty after mapping, prohibited or unassigned character, or bidi rule
                   ///< violated: raw bytes, as PostgreSQL does
  kNotNormalized,  ///< needs an NFKC step pgwarden cannot do (see the limitation above): raw
                   ///< bytes, unlike PostgreSQL
};

struct SaslprepResult {
  std::string password;  ///< the bytes to hash
  SaslprepOutcome outcome;
};

/// The bytes PostgreSQL hashes for `password` (see the steps above). Pure; thread-safe.
SaslprepResult saslprep(std::string_view password);

}  // namespace pgw::auth
