#pragma once
// The table-test fixture for the classification rules (src/sql/README.md lists the rules):
// every row is checked field by field, twice: once parsed (a cache miss), once from the cache.

#include <utility>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "sql/classifier.hpp"

namespace pgw::sql::testing {

struct Row {
  std::string sql;
  StatementKind kind;
  bool read_only;
  /// Other fields that are set, space-separated: parse_error multi complex unknown txn_ro
  /// txn_rw local ddl hint.
  std::string_view flags = {};
};

inline constexpr std::pair<std::string_view, bool StatementInfo::*> kFlags[] = {
    {"parse_error", &StatementInfo::parse_error},
    {"multi", &StatementInfo::multi_statement},
    {"complex", &StatementInfo::too_complex},
    {"unknown", &StatementInfo::uses_unknown_function},
    {"local", &StatementInfo::set_local},
    {"ddl", &StatementInfo::is_ddl},
    {"hint", &StatementInfo::no_load_balance_hint},
};

inline StatementInfo expected(const Row& row) {
  StatementInfo info;
  info.kind = row.kind;
  info.read_only = row.read_only;
  std::string_view rest = row.flags;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string_view flag = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (flag == "txn_ro" || flag == "txn_rw") {
      info.transaction_read_only = flag == "txn_ro";
      continue;
    }
    const auto it = std::find_if(std::begin(kFlags), std::end(kFlags),
                                 [flag](const auto& known) { return known.first == flag; });
    if (it == std::end(kFlags)) {
      ADD_FAILURE() << "unknown flag " << flag;
      continue;
    }
    info.*(it->second) = true;
  }
  return info;
}

inline std::string describe(const StatementInfo& info) {
  std::string out = std::string(to_string(info.kind)) + (info.read_only ? " read_only" : "");
  if (info.parse_error) out += " parse_error";
  if (info.multi_statement) out += " multi";
  if (info.too_complex) out += " complex";
  if (info.uses_unknown_function) out += " unknown";
  if (info.transaction_read_only) out += *info.transaction_read_only ? " txn_ro" : " txn_rw";
  if (info.set_local) out += " local";
  if (info.is_ddl) out += " ddl";
  if (info.no_load_balance_hint) out += " hint";
  if (info.matches_primary_pattern) out += " pattern";
  return out;
}

/// A catalog that knows a few volatilities, as the monitor would have taught it.
class ClassifyTable : public ::testing::Test {
 protected:
  ClassifyTable()
      : catalog_({"my_write_.*", "both_.*"}, {"my_read_.*", "public\\.safe_fn", "both_.*"}),
        classifier_(catalog_, {}) {
    for (const char* name : {"count", "sum", "max", "lower", "length", "abs", "generate_series",
                             "unnest", "pg_catalog.extract", "pg_catalog.timezone"}) {
      catalog_.learn(name, 'i');
    }
    for (const char* name : {"now", "current_setting", "to_char"}) {
      catalog_.learn(name, 's');
    }
    for (const char* name : {"random", "pg_sleep", "clock_timestamp"}) {
      catalog_.learn(name, 'v');
    }
    catalog_.learn("gone", FunctionCatalog::kMissingFunction);
  }

  void check(const std::vector<Row>& rows) {
    for (const auto& row : rows) {
      const StatementInfo want = expected(row);
      const StatementInfo first = classifier_.classify(row.sql);
      EXPECT_EQ(describe(first), describe(want)) << "SQL: " << row.sql;
      const StatementInfo second = classifier_.classify(row.sql);
      EXPECT_EQ(describe(second), describe(want)) << "SQL (second time): " << row.sql;
    }
  }

  FunctionCatalog catalog_;
  Classifier classifier_;
};

}  // namespace pgw::sql::testing
