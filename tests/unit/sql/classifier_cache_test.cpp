// The Classifier's cache: hits for statements that differ only in literals, invalidation by
// the catalog, bounds, patterns, and no allocation on a hit.

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "sql/classification_cache.hpp"
#include "sql/classifier.hpp"

// Counts every allocation of the test binary, to check that a cache hit allocates nothing.
namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace pgw::sql {
namespace {

TEST(ClassifierCache, LiteralsShareAnEntry) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  for (int aid = 1; aid <= 100; ++aid) {
    const auto& info = classifier.classify(
        "SELECT abalance FROM pgbench_accounts WHERE aid = " + std::to_string(aid * 7919) + ";");
    EXPECT_TRUE(info.read_only);
    EXPECT_EQ(info.kind, StatementKind::kSelect);
  }
  classifier.classify("SELECT * FROM users WHERE name = 'bob'");
  classifier.classify("SELECT * FROM users WHERE name = 'alice'");
  const auto stats = classifier.stats();
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.hits, 100u);
  EXPECT_EQ(stats.parse_errors, 0u);
}

TEST(ClassifierCache, ExactTextIsTheKeyWhenNormalizingIsUnsafe) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  EXPECT_TRUE(classifier.classify("SELECT $$a$$").read_only);
  EXPECT_TRUE(classifier.classify("SELECT $$a$$").read_only);
  EXPECT_TRUE(classifier.classify("SELECT $$b$$").read_only);
  EXPECT_FALSE(classifier.classify("EXPLAIN (ANALYZE 1) SELECT 1").read_only);
  EXPECT_TRUE(classifier.classify("EXPLAIN (ANALYZE 0) SELECT 1").read_only);
  EXPECT_EQ(classifier.stats().hits, 1u);
  EXPECT_EQ(classifier.stats().misses, 4u);
}

TEST(ClassifierCache, ParseErrorsAreCachedAndCounted) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  EXPECT_TRUE(classifier.classify("SELEC 1").parse_error);
  EXPECT_TRUE(classifier.classify("SELEC 2").parse_error);
  EXPECT_EQ(classifier.stats().parse_errors, 1u);
  EXPECT_EQ(classifier.stats().hits, 1u);
}

TEST(ClassifierCache, UnknownFunctionIsReclassifiedOnceLearned) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  const std::string sql = "SELECT my_func(1)";
  EXPECT_TRUE(classifier.classify(sql).uses_unknown_function);
  EXPECT_FALSE(classifier.classify(sql).read_only);  // a hit: nothing learned yet
  EXPECT_EQ(classifier.stats().hits, 1u);
  EXPECT_EQ(catalog.take_pending(), std::vector<std::string>{"my_func"});

  catalog.learn("my_func", 's');
  const auto& learned = classifier.classify("SELECT my_func(2)");
  EXPECT_TRUE(learned.read_only);
  EXPECT_FALSE(learned.uses_unknown_function);
  EXPECT_EQ(classifier.stats().misses, 2u);
  EXPECT_TRUE(classifier.classify(sql).read_only);
  EXPECT_EQ(classifier.stats().hits, 2u);

  // Learning something else does not disturb final results.
  catalog.learn("other", 'v');
  EXPECT_TRUE(classifier.classify(sql).read_only);
  EXPECT_EQ(classifier.stats().hits, 3u);
}

TEST(ClassifierCache, ForgettingClearsEveryEntry) {
  FunctionCatalog catalog({}, {});
  catalog.learn("now", 's');
  Classifier classifier(catalog, {});
  EXPECT_TRUE(classifier.classify("SELECT now()").read_only);
  EXPECT_TRUE(classifier.classify("SELECT 1").read_only);
  catalog.forget_learned();  // e.g. ALTER FUNCTION now() VOLATILE seen through the proxy
  const auto& info = classifier.classify("SELECT now()");
  EXPECT_FALSE(info.read_only);
  EXPECT_TRUE(info.uses_unknown_function);
  classifier.classify("SELECT 1");
  EXPECT_EQ(classifier.stats().hits, 0u);
  EXPECT_EQ(classifier.stats().misses, 4u);
}

TEST(ClassifierCache, ChangedVerdictClearsEveryEntry) {
  FunctionCatalog catalog({}, {});
  catalog.learn("f", 's');
  Classifier classifier(catalog, {});
  EXPECT_TRUE(classifier.classify("SELECT f()").read_only);
  catalog.learn("f", 'v');  // the monitor found it volatile after all
  EXPECT_FALSE(classifier.classify("SELECT f()").read_only);
  EXPECT_EQ(classifier.stats().hits, 0u);
}

TEST(ClassifierCache, ClearAndDisabledCache) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  classifier.classify("SELECT 1");
  classifier.clear_cache();
  classifier.classify("SELECT 1");
  EXPECT_EQ(classifier.stats().hits, 0u);

  Classifier uncached(catalog, {}, 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(uncached.classify("SELECT 1").read_only);
  }
  EXPECT_EQ(uncached.stats().misses, 3u);
}

TEST(ClassifierCache, EvictionKeepsTheCacheBounded) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {}, 8);
  for (int i = 0; i < 100; ++i) {
    classifier.classify("SELECT c" + std::to_string(i) + " FROM t");
  }
  EXPECT_EQ(classifier.stats().misses, 100u);
  classifier.classify("SELECT c99 FROM t");  // the newest survived
  EXPECT_EQ(classifier.stats().hits, 1u);
  classifier.classify("SELECT c0 FROM t");  // the oldest did not
  EXPECT_EQ(classifier.stats().misses, 101u);
}

TEST(ClassifierCache, LongTextsAreNotParsed) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {}, 16, ClassifierLimits{.max_parse_length = 100});
  const std::string text = "SELECT '" + std::string(200, 'x') + "'";
  const auto& info = classifier.classify(text);
  EXPECT_TRUE(info.too_complex);
  EXPECT_FALSE(info.read_only);
  EXPECT_EQ(info.kind, StatementKind::kOther);
}

TEST(ClassifierCache, PrimaryRoutingPatternsSeeTheRawText) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {"special", "^[[:space:]]*select.*for_primary"});
  EXPECT_FALSE(classifier.classify("SELECT * FROM t WHERE x = 'plain'").matches_primary_pattern);
  // Same normalized key, different raw text: the patterns are evaluated again.
  EXPECT_TRUE(classifier.classify("SELECT * FROM t WHERE x = 'SPECIAL'").matches_primary_pattern);
  EXPECT_FALSE(classifier.classify("SELECT * FROM t WHERE x = 'other'").matches_primary_pattern);
  EXPECT_EQ(classifier.stats().hits, 2u);
  // Exact-text keys cache the pattern result with the entry.
  EXPECT_TRUE(classifier.classify("SELECT $$special$$").matches_primary_pattern);
  EXPECT_TRUE(classifier.classify("SELECT $$special$$").matches_primary_pattern);
  EXPECT_FALSE(classifier.classify("SELECT $$x$$").matches_primary_pattern);
  EXPECT_TRUE(classifier.classify("  select a as for_primary from t").matches_primary_pattern);
  EXPECT_TRUE(classifier.classify("SELECT 1").read_only);
}

TEST(ClassifierCache, ValidatesRoutingPatterns) {
  EXPECT_TRUE(Classifier::validate_primary_routing_patterns({"^select", "a|b"}).has_value());
  EXPECT_FALSE(Classifier::validate_primary_routing_patterns({"(unclosed"}).has_value());
}

TEST(ClassifierCache, HitDoesNotAllocate) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {"never-matches-anything"});
  const std::string first = "SELECT abalance FROM pgbench_accounts WHERE aid = 1;";
  const std::string second = "SELECT abalance FROM pgbench_accounts WHERE aid = 98765;";
  const std::string exact = "SELECT $$x$$";
  classifier.classify(first);
  classifier.classify(exact);
  classifier.classify(second);  // a hit that grows the buffers to this length once
  const auto before = g_allocations.load();
  bool all_read = true;
  for (int i = 0; i < 100; ++i) {
    all_read = classifier.classify(second).read_only && all_read;
    all_read = classifier.classify(exact).read_only && all_read;
  }
  const auto after = g_allocations.load();
  EXPECT_TRUE(all_read);
  EXPECT_EQ(after - before, 0u);
  EXPECT_EQ(classifier.stats().hits, 201u);
}

TEST(ClassificationCache, BoundsAndClock) {
  detail::ClassificationCache cache(4, 1000);
  detail::ClassificationCache::Entry entry;
  for (int i = 0; i < 10; ++i) {
    cache.put("key" + std::to_string(i), entry);
    EXPECT_LE(cache.size(), 4u);
  }
  // A key in use survives: find() marks it, the hand spares it once per turn.
  cache.put("hot", entry);
  for (int i = 0; i < 50; ++i) {
    ASSERT_NE(cache.find("hot"), nullptr) << i;
    cache.put("cold" + std::to_string(i), entry);
  }
  EXPECT_EQ(cache.size(), 4u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.key_bytes(), 0u);
  EXPECT_EQ(cache.find("hot"), nullptr);
}

TEST(ClassificationCache, KeyBytesAreBounded) {
  detail::ClassificationCache cache(1000, 1000);
  detail::ClassificationCache::Entry entry;
  for (int i = 0; i < 50; ++i) {
    const std::string digits = std::to_string(100 + i);  // three digits: keys of 100 bytes
    cache.put(digits + std::string(97, 'x'), entry);
    EXPECT_LE(cache.key_bytes(), 1000u);
  }
  EXPECT_EQ(cache.size(), 10u);
  cache.put(std::string(251, 'y'), entry);  // over a quarter of the budget: not stored
  EXPECT_EQ(cache.find(std::string(251, 'y')), nullptr);
  cache.put(std::string(250, 'z'), entry);
  EXPECT_NE(cache.find(std::string(250, 'z')), nullptr);
  EXPECT_LE(cache.key_bytes(), 1000u);
}

TEST(ClassificationCache, PutReplacesAnExistingEntry) {
  detail::ClassificationCache cache(4, 1000);
  detail::ClassificationCache::Entry entry;
  entry.catalog_version = 1;
  cache.put("k", entry);
  entry.catalog_version = 2;
  cache.put("k", entry);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("k")->catalog_version, 2u);
}

}  // namespace
}  // namespace pgw::sql
