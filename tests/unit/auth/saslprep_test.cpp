#include "auth/saslprep.hpp"

#include <gtest/gtest.h>

namespace pgw::auth {
namespace {

struct Case {
  std::string_view name;
  std::string_view input;
  std::string_view output;
  SaslprepOutcome outcome;
};

// Expected outputs follow PostgreSQL 15's pg_saslprep (src/common/saslprep.c); the cases that
// pg_vectors.hpp also covers were checked against real PostgreSQL secrets.
const Case kCases[] = {
    {"ascii", "pencil", "pencil", SaslprepOutcome::kAscii},
    {"ascii control kept", "a\tb\x01", "a\tb\x01", SaslprepOutcome::kAscii},
    {"empty", "", "", SaslprepOutcome::kAscii},
    {"precomposed latin", "p\xC3\xA4ss", "p\xC3\xA4ss", SaslprepOutcome::kNormalized},
    {"no-break space",
     "a\xC2\xA0"
     "b",
     "a b", SaslprepOutcome::kNormalized},
    {"ideographic space", "\xE3\x80\x80x", " x", SaslprepOutcome::kNormalized},
    {"soft hyphen removed", "pa\xC2\xADss", "pass", SaslprepOutcome::kNormalized},
    {"zero width space is a space",
     "a\xE2\x80\x8B"
     "b",
     "a b", SaslprepOutcome::kNormalized},
    {"zero width joiner removed",
     "a\xE2\x80\x8D"
     "b",
     "ab", SaslprepOutcome::kNormalized},
    {"fullwidth to ascii", "\xEF\xBC\xA1\xEF\xBD\x9E", "A~", SaslprepOutcome::kNormalized},
    {"cjk unchanged", "\xE6\x97\xA5\xE6\x9C\xAC", "\xE6\x97\xA5\xE6\x9C\xAC",
     SaslprepOutcome::kNormalized},
    {"hangul syllable unchanged", "\xEA\xB0\x80", "\xEA\xB0\x80", SaslprepOutcome::kNormalized},
    {"cyrillic unchanged", "\xD0\xBF\xD0\xB0\xD1\x80", "\xD0\xBF\xD0\xB0\xD1\x80",
     SaslprepOutcome::kNormalized},
    {"invalid utf-8", "\xC3(", "\xC3(", SaslprepOutcome::kInvalidUtf8},
    {"truncated utf-8", "ab\xE2\x82", "ab\xE2\x82", SaslprepOutcome::kInvalidUtf8},
    {"overlong", "\xC0\xAF", "\xC0\xAF", SaslprepOutcome::kInvalidUtf8},
    {"overlong 3 bytes", "\xE0\x80\xAF", "\xE0\x80\xAF", SaslprepOutcome::kInvalidUtf8},
    {"surrogate", "\xED\xA0\x80", "\xED\xA0\x80", SaslprepOutcome::kInvalidUtf8},
    {"above U+10FFFF", "\xF4\x90\x80\x80", "\xF4\x90\x80\x80", SaslprepOutcome::kInvalidUtf8},
    {"latin-1 bytes", "p\xE4ss", "p\xE4ss", SaslprepOutcome::kInvalidUtf8},
    {"only mapped to nothing", "\xC2\xAD", "\xC2\xAD", SaslprepOutcome::kProhibited},
    {"control next to non-ascii", "\xC3\xA4\x07", "\xC3\xA4\x07", SaslprepOutcome::kProhibited},
    {"private use", "\xEE\x80\x80", "\xEE\x80\x80", SaslprepOutcome::kProhibited},
    {"unassigned in 3.2", "\xC8\xA1", "\xC8\xA1", SaslprepOutcome::kProhibited},  // U+0221
    {"prohibited checked before mapping result", "\xC2\xA0\xEF\xBF\xBF", "\xC2\xA0\xEF\xBF\xBF",
     SaslprepOutcome::kProhibited},  // U+FFFF non-character
    {"bidi mixed with L",
     "\xD7\xA9\xC2\xA0"
     "a",
     "\xD7\xA9\xC2\xA0"
     "a",
     SaslprepOutcome::kProhibited},
    {"bidi R not last",
     "\xD7\xA9"
     "1",
     "\xD7\xA9"
     "1",
     SaslprepOutcome::kProhibited},
    {"bidi all R", "\xD7\xA9\xC2\xA0\xD7\x9C", "\xD7\xA9 \xD7\x9C", SaslprepOutcome::kNormalized},
    {"bidi R with digits inside",
     "\xD7\xA9"
     "1\xD7\x9C",
     "\xD7\xA9"
     "1\xD7\x9C",
     SaslprepOutcome::kNormalized},
    {"combining mark", "a\xCC\x88", "a\xCC\x88", SaslprepOutcome::kNotNormalized},
    {"ligature", "\xEF\xAC\x81", "\xEF\xAC\x81", SaslprepOutcome::kNotNormalized},  // U+FB01
    {"superscript two", "x\xC2\xB2", "x\xC2\xB2", SaslprepOutcome::kNotNormalized},
    {"hangul jamo", "\xE1\x84\x80\xE1\x85\xA1", "\xE1\x84\x80\xE1\x85\xA1",
     SaslprepOutcome::kNotNormalized},
};

TEST(Saslprep, FollowsPostgres) {
  for (const auto& c : kCases) {
    auto result = saslprep(c.input);
    EXPECT_EQ(result.password, c.output) << c.name;
    EXPECT_EQ(result.outcome, c.outcome) << c.name;
  }
}

TEST(Saslprep, EveryFourByteSequenceDecodes) {
  // U+1F600 (emoji, unassigned in Unicode 3.2): valid UTF-8, prohibited by SASLprep.
  auto result = saslprep("\xF0\x9F\x98\x80");
  EXPECT_EQ(result.outcome, SaslprepOutcome::kProhibited);
  // U+20000 (CJK extension B, assigned in 3.2, NFKC-stable): normalized, unchanged.
  result = saslprep("\xF0\xA0\x80\x80");
  EXPECT_EQ(result.outcome, SaslprepOutcome::kNormalized);
  EXPECT_EQ(result.password, "\xF0\xA0\x80\x80");
}

}  // namespace
}  // namespace pgw::auth
