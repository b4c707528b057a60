// sql::Classifier on the routing path: the cost per statement of a cache hit (pgbench -S text
// whose constant changes every time), of a miss (a distinct statement each time: normalize,
// parse with libpg_query, unpack, walk, store), and of normalize_for_cache alone.

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sql/classifier.hpp"
#include "sql/normalize.hpp"

namespace pgw::sql {
namespace {

std::vector<std::string> pgbench_selects(int count) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    out.push_back("SELECT abalance FROM pgbench_accounts WHERE aid = " +
                  std::to_string(1 + (i * 7919) % 100000) + ";");
  }
  return out;
}

/// An ORM-style read: joins, a function, a subquery, IN list, ORDER BY, LIMIT (~600 bytes).
std::string orm_select(int variant) {
  return "SELECT u.id AS u_id, u.name AS u_name, u.email AS u_email, o.id AS o_id, "
         "o.total AS o_total, o.created_at AS o_created_at, lower(u.name) AS u_lower "
         "FROM users" +
         std::to_string(variant) +
         " AS u JOIN orders AS o ON o.user_id = u.id LEFT JOIN addresses AS a ON a.user_id = u.id "
         "WHERE u.status IN ('active', 'pending', 'trial') AND o.created_at > now() - interval "
         "'30 days' AND o.total BETWEEN 10.5 AND 99999 AND EXISTS (SELECT 1 FROM payments p "
         "WHERE p.order_id = o.id AND p.state = 'ok') ORDER BY o.created_at DESC, u.id LIMIT 50 "
         "OFFSET 100";
}

void teach(FunctionCatalog& catalog) {
  catalog.learn("lower", 'i');
  catalog.learn("now", 's');
}

void BM_ClassifyHit(benchmark::State& state) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  const auto texts = pgbench_selects(1024);
  classifier.classify(texts[0]);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(classifier.classify(texts[i++ & 1023]).read_only);
  }
  state.counters["hit_ratio"] =
      static_cast<double>(classifier.stats().hits) /
      static_cast<double>(classifier.stats().hits + classifier.stats().misses);
}
BENCHMARK(BM_ClassifyHit);

void BM_ClassifyHitOrmSelect(benchmark::State& state) {
  FunctionCatalog catalog({}, {});
  teach(catalog);
  Classifier classifier(catalog, {});
  const std::string text = orm_select(0);
  classifier.classify(text);
  for (auto _ : state) {
    benchmark::DoNotOptimize(classifier.classify(text).read_only);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ClassifyHitOrmSelect);

void BM_ClassifyMiss(benchmark::State& state) {
  FunctionCatalog catalog({}, {});
  Classifier classifier(catalog, {});
  constexpr int kDistinct = 1 << 15;  // far more than the cache holds: every call misses
  std::vector<std::string> texts;
  texts.reserve(kDistinct);
  for (int i = 0; i < kDistinct; ++i) {
    texts.push_back("SELECT abalance FROM pgbench_accounts_" + std::to_string(i) +
                    " WHERE aid = 1;");
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(classifier.classify(texts[i++ % kDistinct]).read_only);
  }
  state.counters["hit_ratio"] =
      static_cast<double>(classifier.stats().hits) /
      static_cast<double>(classifier.stats().hits + classifier.stats().misses);
}
BENCHMARK(BM_ClassifyMiss);

void BM_ClassifyMissOrmSelect(benchmark::State& state) {
  FunctionCatalog catalog({}, {});
  teach(catalog);
  Classifier classifier(catalog, {});
  constexpr int kDistinct = 1 << 13;
  std::vector<std::string> texts;
  texts.reserve(kDistinct);
  for (int i = 0; i < kDistinct; ++i) {
    texts.push_back(orm_select(i));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(classifier.classify(texts[i++ % kDistinct]).read_only);
  }
  state.counters["read_only"] = classifier.classify(texts[0]).read_only ? 1 : 0;
}
BENCHMARK(BM_ClassifyMissOrmSelect);

void BM_NormalizeForCache(benchmark::State& state) {
  const auto texts = pgbench_selects(1024);
  std::string key;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(normalize_into(texts[i++ & 1023], key));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_NormalizeForCache);

}  // namespace
}  // namespace pgw::sql

BENCHMARK_MAIN();
