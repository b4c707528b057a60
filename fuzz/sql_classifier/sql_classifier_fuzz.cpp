// Fuzzes src/sql with arbitrary text. Beyond "no crash, no sanitizer report", it checks:
// - the cache is safe: a classifier with a cache that lives across inputs (so texts sharing a
//   normalized key meet) answers as a classifier without cache, except that one of the two
//   may be a parse error (a collision that routes harmlessly, see src/sql/README.md);
// - nesting_score() bounds the tree depth, which is what keeps libpg_query's recursion safe.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sql/classifier.hpp"
#include "sql/normalize.hpp"
#include "sql/parse_tree.hpp"
#include "sql/text_scan.hpp"

namespace {

using pgw::sql::Classifier;
using pgw::sql::FunctionCatalog;
using pgw::sql::StatementInfo;

FunctionCatalog& catalog() {
  static FunctionCatalog instance({"w_.*", "audit\\..*"}, {"r_.*", "now"});
  return instance;
}

void check_cache_agrees(std::string_view text) {
  static Classifier cached(catalog(), {"special", "^[[:space:]]*select"}, 512);
  static Classifier uncached(catalog(), {"special", "^[[:space:]]*select"}, 0);
  const StatementInfo a = cached.classify(text);
  const StatementInfo b = uncached.classify(text);
  if (a == b || a.parse_error || b.parse_error) return;
  __builtin_trap();
}

void check_depth_bound(std::string_view text) {
  if (text.size() > pgw::sql::ClassifierLimits{}.max_parse_length) return;
  if (!text.empty() && std::memchr(text.data(), '\0', text.size()) != nullptr) return;
  const std::size_t score = pgw::sql::detail::nesting_score(text);
  if (score > pgw::sql::detail::kMaxNestingScore) return;
  const std::string terminated(text);
  const std::size_t bound =
      pgw::sql::detail::kDepthPerScore * score + pgw::sql::detail::kDepthSlack;
  const auto tree = pgw::sql::detail::ParseTree::parse(terminated.c_str(), bound);
  if (tree.status() == pgw::sql::detail::ParseStatus::kTooDeep) __builtin_trap();
}

void check_normalize(std::string_view text) {
  const auto key = pgw::sql::normalize_for_cache(text);
  if (!key) return;
  // Whitespace collapses and literals shrink: a key is never longer than its text.
  if (key->size() > text.size()) __builtin_trap();
  // Spaces only separate tokens: a key neither starts nor ends with one.
  if (!key->empty() && (key->front() == ' ' || key->back() == ' ')) __builtin_trap();
  // Normalizing is deterministic, and a key (holding placeholders) is never a key again.
  if (pgw::sql::normalize_for_cache(text) != key) __builtin_trap();
  const bool has_placeholder = key->find_first_of("\x01\x02") != std::string::npos;
  if (has_placeholder && pgw::sql::normalize_for_cache(*key)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_cache_agrees(text);
  check_depth_bound(text);
  check_normalize(text);
  // Keep the catalog's pending queue from filling up once and for all.
  if (size % 64 == 0) catalog().take_pending();
  return 0;
}
