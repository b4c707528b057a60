#include "sql/classifier.hpp"

#include <cstring>

#include "sql/classification_cache.hpp"
#include "sql/normalize.hpp"
#include "sql/parse_tree.hpp"
#include "sql/routing_patterns.hpp"
#include "sql/statement_analysis.hpp"
#include "sql/text_scan.hpp"

namespace pgw::sql {

Classifier::Classifier(FunctionCatalog& catalog,
                       std::vector<std::string> primary_routing_patterns,  // NOLINT: agreed API
                       std::size_t cache_capacity, ClassifierLimits limits)
    : catalog_(catalog),
      patterns_(std::make_unique<detail::RoutingPatterns>(primary_routing_patterns)),
      cache_(std::make_unique<detail::ClassificationCache>(cache_capacity,
                                                           limits.max_cache_key_bytes)),
      limits_(limits),
      catalog_generation_(catalog.generation()) {}

Classifier::~Classifier() = default;

Result<void> Classifier::validate_primary_routing_patterns(
    const std::vector<std::string>& patterns) {
  return detail::RoutingPatterns::validate(patterns);
}

const StatementInfo& Classifier::classify(std::string_view sql) {
  // forget_learned() (DDL, reload) may change any verdict a cached result relied on.
  if (const auto generation = catalog_.generation(); generation != catalog_generation_) {
    cache_->clear();
    catalog_generation_ = generation;
  }
  if (sql.size() > limits_.max_parse_length) {
    ++stats_.misses;
    result_ = StatementInfo{};
    result_.too_complex = true;
    add_text_flags(sql, false);
    return result_;
  }
  const bool normalized = normalize_into(sql, key_buffer_);
  const std::string_view key = normalized ? std::string_view(key_buffer_) : sql;
  const detail::ClassificationCache::Entry* entry = cache_->find(key);
  if (entry != nullptr &&
      (!entry->info.uses_unknown_function || entry->catalog_version == catalog_.version())) {
    ++stats_.hits;
    result_ = entry->info;
    add_text_flags(sql, !normalized);
    return result_;
  }
  ++stats_.misses;
  const std::uint64_t version = catalog_.version();
  result_ = classify_uncached(sql);
  // The patterns see the raw text: their result may be cached only under the exact text.
  if (!normalized) result_.matches_primary_pattern = matches_patterns(sql);
  cache_->put(key, {result_, version});
  add_text_flags(sql, !normalized);
  return result_;
}

void Classifier::add_text_flags(std::string_view sql, bool exact_key) {
  result_.no_load_balance_hint = detail::has_no_load_balance_hint(sql);
  if (!exact_key) result_.matches_primary_pattern = matches_patterns(sql);
}

bool Classifier::matches_patterns(std::string_view sql) {
  if (patterns_->empty()) return false;
  pattern_buffer_.assign(sql);
  return patterns_->matches(pattern_buffer_);
}

StatementInfo Classifier::classify_uncached(std::string_view sql) {
  StatementInfo info;
  // libpg_query reads a C string: a NUL would hide the rest of the text from it.
  if (!sql.empty() && std::memchr(sql.data(), '\0', sql.size()) != nullptr) {
    info.parse_error = true;
    ++stats_.parse_errors;
    return info;
  }
  if (detail::nesting_score(sql) > detail::kMaxNestingScore) {
    info.too_complex = true;
    return info;
  }
  parse_buffer_.assign(sql);
  const auto tree = detail::ParseTree::parse(parse_buffer_.c_str(), detail::kMaxTreeDepth);
  switch (tree.status()) {
    case detail::ParseStatus::kOk:
      return detail::analyze(*tree.result(), catalog_);
    case detail::ParseStatus::kTooDeep:
      info.too_complex = true;
      return info;
    case detail::ParseStatus::kSyntaxError:
      break;
  }
  info.parse_error = true;
  ++stats_.parse_errors;
  return info;
}

void Classifier::clear_cache() {
  cache_->clear();
}

}  // namespace pgw::sql
