#include "sql/function_catalog.hpp"

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

namespace pgw::sql {
namespace {

using V = FunctionCatalog::Verdict;

TEST(FunctionCatalog, ConfiguredListsComeFirst) {
  FunctionCatalog catalog({"audit_.*", "both"}, {"report_.*", "both", "nextval", "app\\.fast"});
  EXPECT_EQ(catalog.classify("audit_log"), V::kWrite);
  EXPECT_EQ(catalog.classify("AUDIT_LOG"), V::kWrite);
  EXPECT_EQ(catalog.classify("report_sales"), V::kRead);
  EXPECT_EQ(catalog.classify("both"), V::kWrite);  // the write list wins
  // The read-only list comes before the built-in list: the operator's explicit choice.
  EXPECT_EQ(catalog.classify("nextval"), V::kRead);
  // Whole-name matches only.
  EXPECT_EQ(catalog.classify("my_audit_log"), V::kUnknown);
  // Schema-qualified names match as "schema.name" and as "name".
  EXPECT_EQ(catalog.classify("app.audit_x"), V::kWrite);
  EXPECT_EQ(catalog.classify("app.fast"), V::kRead);
  EXPECT_EQ(catalog.classify("other.fast"), V::kUnknown);
  EXPECT_EQ(catalog.classify("fast"), V::kUnknown);
}

TEST(FunctionCatalog, BuiltInNeverOnStandbyList) {
  FunctionCatalog catalog({}, {});
  for (const char* name : {"nextval",
                           "setval",
                           "currval",
                           "lastval",
                           "txid_current",
                           "pg_current_xact_id",
                           "pg_current_wal_lsn",
                           "pg_switch_wal",
                           "pg_advisory_lock",
                           "pg_try_advisory_xact_lock",
                           "pg_advisory_unlock_all",
                           "set_config",
                           "pg_notify",
                           "lo_create",
                           "lo_unlink",
                           "pg_create_physical_replication_slot",
                           "pg_drop_replication_slot",
                           "pg_logical_emit_message",
                           "pg_catalog.nextval",
                           "PG_CATALOG.SETVAL",
                           "x.txid_current"}) {
    EXPECT_EQ(catalog.classify(name), V::kWrite) << name;
  }
  EXPECT_TRUE(catalog.take_pending().empty());
  // Deliberately not on the list.
  EXPECT_FALSE(FunctionCatalog::is_builtin_never_on_standby("pg_promote"));
  EXPECT_FALSE(FunctionCatalog::is_builtin_never_on_standby("pg_cancel_backend"));
  // The built-in list wins over what pg_proc says.
  catalog.learn("nextval", 'i');
  EXPECT_EQ(catalog.classify("nextval"), V::kWrite);
}

TEST(FunctionCatalog, LearnedVolatility) {
  FunctionCatalog catalog({}, {});
  catalog.learn("now", 's');
  catalog.learn("Lower", 'i');
  catalog.learn("random", 'v');
  catalog.learn("gone", FunctionCatalog::kMissingFunction);
  catalog.learn("odd", '?');
  catalog.learn("app.fn", 's');
  EXPECT_EQ(catalog.classify("now"), V::kRead);
  EXPECT_EQ(catalog.classify("LOWER"), V::kRead);
  EXPECT_EQ(catalog.classify("random"), V::kWrite);
  EXPECT_EQ(catalog.classify("gone"), V::kWrite);
  EXPECT_EQ(catalog.classify("odd"), V::kWrite);
  EXPECT_EQ(catalog.classify("app.fn"), V::kRead);
  EXPECT_EQ(catalog.classify("fn"), V::kUnknown);  // learned names are exact
  catalog.learn("now", 'v');                       // relearned
  EXPECT_EQ(catalog.classify("now"), V::kWrite);
}

TEST(FunctionCatalog, PendingNamesAreQueuedOnceUntilTaken) {
  FunctionCatalog catalog({}, {});
  EXPECT_EQ(catalog.classify("f"), V::kUnknown);
  EXPECT_EQ(catalog.classify("F"), V::kUnknown);
  EXPECT_EQ(catalog.classify("s.g"), V::kUnknown);
  auto pending = catalog.take_pending();
  std::sort(pending.begin(), pending.end());
  EXPECT_EQ(pending, (std::vector<std::string>{"f", "s.g"}));
  EXPECT_TRUE(catalog.take_pending().empty());
  // Still unknown (the lookup may have failed): queued again.
  EXPECT_EQ(catalog.classify("f"), V::kUnknown);
  catalog.learn("f", 'i');  // learning takes it off the queue
  EXPECT_TRUE(catalog.take_pending().empty());
  EXPECT_EQ(catalog.classify("f"), V::kRead);
}

TEST(FunctionCatalog, PendingQueueIsBounded) {
  FunctionCatalog catalog({}, {});
  for (int i = 0; i < 3000; ++i) {
    catalog.classify("f" + std::to_string(i));
  }
  EXPECT_EQ(catalog.take_pending().size(), FunctionCatalog::kMaxPending);
}

TEST(FunctionCatalog, VersionAndGeneration) {
  FunctionCatalog catalog({}, {});
  const auto v0 = catalog.version();
  const auto g0 = catalog.generation();
  catalog.classify("f");
  EXPECT_EQ(catalog.version(), v0);
  catalog.learn("f", 'i');
  EXPECT_EQ(catalog.version(), v0 + 1);
  EXPECT_EQ(catalog.generation(), g0);
  catalog.forget_learned();
  EXPECT_EQ(catalog.version(), v0 + 2);
  EXPECT_EQ(catalog.generation(), g0 + 1);
  EXPECT_EQ(catalog.classify("f"), V::kUnknown);
  // Relearning the same verdict keeps the generation; a changed verdict bumps it.
  catalog.learn("g", 's');
  catalog.learn("g", 'i');
  EXPECT_EQ(catalog.generation(), g0 + 1);
  catalog.learn("g", 'v');
  EXPECT_EQ(catalog.generation(), g0 + 2);
  EXPECT_EQ(catalog.classify("g"), V::kWrite);
}

TEST(FunctionCatalog, ValidatePatterns) {
  EXPECT_TRUE(FunctionCatalog::validate_patterns({"a.*", "b|c", "pg_catalog\\.x"}).has_value());
  const auto bad = FunctionCatalog::validate_patterns({"ok", "(unclosed"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("(unclosed"), std::string::npos);
}

TEST(FunctionCatalog, ConcurrentUse) {
  FunctionCatalog catalog({"w_.*"}, {"r_.*"});
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&catalog, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string name = "f" + std::to_string(i % 50);
        catalog.classify(name);
        catalog.classify("w_x");
        if (t == 0) catalog.learn(name, 'i');
        if (t == 1 && i % 100 == 0) catalog.take_pending();
        if (t == 2 && i % 500 == 0) catalog.forget_learned();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(catalog.classify("w_x"), V::kWrite);
  catalog.learn("f1", 's');
  EXPECT_EQ(catalog.classify("f1"), V::kRead);
}

}  // namespace
}  // namespace pgw::sql
