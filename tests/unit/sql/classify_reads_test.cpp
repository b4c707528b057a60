// The read-only rules: reads, row locks, INTO, EXPLAIN, functions.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "classify_table.hpp"

namespace pgw::sql {
namespace {

using K = StatementKind;
using testing::ClassifyTable;
using testing::Row;

TEST_F(ClassifyTable, PlainReads) {
  check({
      {"SELECT 1", K::kSelect, true},
      {"select * from t where a = 1", K::kSelect, true},
      {"  \n\tSELECT 1  ", K::kSelect, true},
      {"SELECT 1;", K::kSelect, true},
      {"SELECT 1;;", K::kSelect, true},
      {"sElEcT a FrOm T", K::kSelect, true},
      {"VALUES (1), (2)", K::kValues, true},
      {"TABLE t", K::kSelect, true},
      {"SHOW search_path", K::kShow, true},
      {"SHOW ALL", K::kShow, true},
      {"SELECT 1 UNION SELECT 2", K::kSelect, true},
      {"(SELECT 1) UNION ALL (SELECT 2) ORDER BY 1 LIMIT 1", K::kSelect, true},
      {"VALUES (1) UNION VALUES (2)", K::kSelect, true},
      {"SELECT * FROM t1 JOIN t2 USING (id) LEFT JOIN t3 ON t3.id = t1.id", K::kSelect, true},
      {"SELECT a FROM t WHERE b IN (SELECT b FROM u) AND EXISTS (SELECT 1 FROM v)", K::kSelect,
       true},
      {"SELECT 1 + 2, 'a' || 'b', a @> b, c::text, -d FROM t", K::kSelect, true},
      {"SELECT CASE WHEN a THEN 1 ELSE 2 END, COALESCE(a, b), GREATEST(a, b) FROM t", K::kSelect,
       true},
      {"SELECT $1, $2::int FROM t WHERE id = $3", K::kSelect, true},
      {"SELECT CURRENT_TIMESTAMP, CURRENT_USER, SESSION_USER", K::kSelect, true},
  });
}

TEST_F(ClassifyTable, CommonTableExpressions) {
  check({
      {"WITH x AS (SELECT 1) SELECT * FROM x", K::kSelect, true},
      {"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) "
       "SELECT * FROM r",
       K::kSelect, true},
      {"WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", K::kSelect, false},
      {"WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x", K::kSelect, false},
      {"WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT 1", K::kSelect, false},
      {"WITH a AS (SELECT 1), b AS (WITH c AS (DELETE FROM t RETURNING 1) SELECT * FROM c) "
       "SELECT * FROM b",
       K::kSelect, false},
      {"WITH x AS MATERIALIZED (SELECT * FROM t) SELECT * FROM x", K::kSelect, true},
  });
}

TEST_F(ClassifyTable, RowLocksAndInto) {
  check({
      {"SELECT * FROM t FOR UPDATE", K::kSelect, false},
      {"SELECT * FROM t FOR SHARE", K::kSelect, false},
      {"SELECT * FROM t FOR NO KEY UPDATE", K::kSelect, false},
      {"SELECT * FROM t FOR KEY SHARE", K::kSelect, false},
      {"SELECT * FROM t FOR UPDATE OF t SKIP LOCKED", K::kSelect, false},
      {"SELECT * FROM t FOR SHARE NOWAIT", K::kSelect, false},
      {"SELECT * FROM (SELECT * FROM t FOR UPDATE) s", K::kSelect, false},
      {"WITH x AS (SELECT * FROM t FOR UPDATE) SELECT * FROM x", K::kSelect, false},
      {"SELECT * INTO new_t FROM t", K::kDdl, false, "ddl"},
      {"SELECT * INTO TEMP tmp FROM t", K::kCreateTempTable, false},
      {"SELECT * INTO TEMPORARY TABLE tmp FROM t", K::kCreateTempTable, false},
      {"SELECT * INTO UNLOGGED u FROM t", K::kDdl, false, "ddl"},
  });
}

TEST_F(ClassifyTable, Explain) {
  check({
      {"EXPLAIN SELECT 1", K::kExplain, true},
      {"EXPLAIN VERBOSE SELECT * FROM t", K::kExplain, true},
      {"EXPLAIN (COSTS off, FORMAT json) SELECT * FROM t", K::kExplain, true},
      {"EXPLAIN TABLE t", K::kExplain, true},
      {"EXPLAIN VALUES (1)", K::kExplain, true},
      {"EXPLAIN ANALYZE SELECT 1", K::kExplain, false},
      {"EXPLAIN ANALYSE SELECT 1", K::kExplain, false},
      {"EXPLAIN (ANALYZE) SELECT 1", K::kExplain, false},
      {"EXPLAIN (ANALYZE true) SELECT 1", K::kExplain, false},
      {"EXPLAIN (ANALYZE on) SELECT 1", K::kExplain, false},
      {"EXPLAIN (ANALYZE 1) SELECT 1", K::kExplain, false},
      {"EXPLAIN (ANALYZE false) SELECT 1", K::kExplain, true},
      {"EXPLAIN (ANALYZE FALSE) SELECT 1", K::kExplain, true},
      {"EXPLAIN (ANALYZE off, VERBOSE) SELECT 1", K::kExplain, true},
      {"EXPLAIN (ANALYZE 0) SELECT 1", K::kExplain, true},
      {"EXPLAIN (ANALYZE false, ANALYZE true) SELECT 1", K::kExplain, false},
      {"EXPLAIN INSERT INTO t VALUES (1)", K::kExplain, false},
      {"EXPLAIN UPDATE t SET a = 1", K::kExplain, false},
      {"EXPLAIN SELECT nextval('s')", K::kExplain, false},
      {"EXPLAIN SELECT * FROM t FOR UPDATE", K::kExplain, false},
      {"EXPLAIN SELECT * INTO x FROM t", K::kExplain, false},
      {"EXPLAIN EXECUTE p", K::kExplain, false},
      {"EXPLAIN CREATE TABLE x AS SELECT 1", K::kExplain, false},
      {"EXPLAIN SELECT my_func()", K::kExplain, false, "unknown"},
  });
}

TEST_F(ClassifyTable, FunctionVerdicts) {
  check({
      {"SELECT count(*) FROM t", K::kSelect, true},
      {"SELECT now()", K::kSelect, true},
      {"SELECT pg_catalog.extract('epoch', now())", K::kSelect, true},
      {"SELECT extract(epoch FROM now())", K::kSelect, true},  // pg_catalog.extract
      {"SELECT now() AT TIME ZONE 'UTC'", K::kSelect, true},   // pg_catalog.timezone
      {"SELECT random()", K::kSelect, false},
      {"SELECT pg_sleep(1)", K::kSelect, false},
      {"SELECT gone()", K::kSelect, false},
      {"SELECT my_func(1)", K::kSelect, false, "unknown"},
      {"SELECT my_func(1), nextval('s')", K::kSelect, false},
      {"SELECT my_func(1), random()", K::kSelect, false},
      {"SELECT my_write_thing()", K::kSelect, false},
      {"SELECT my_read_thing()", K::kSelect, true},
      {"SELECT MY_READ_THING()", K::kSelect, true},
      {"SELECT public.safe_fn()", K::kSelect, true},
      {"SELECT other.safe_fn()", K::kSelect, false, "unknown"},
      {"SELECT both_lists()", K::kSelect, false},
      {"SELECT 'nextval(1)', 'DELETE FROM t'", K::kSelect, true},
      {"SELECT nextval FROM t", K::kSelect, true},  // a column, not a call
      {"SELECT \"nextval\" FROM \"DELETE\"", K::kSelect, true},
  });
}

TEST_F(ClassifyTable, NeverOnStandbyFunctions) {
  std::vector<Row> rows;
  for (const char* call : {"nextval('s')",
                           "NEXTVAL('s')",
                           "pg_catalog.nextval('s')",
                           "\"nextval\"('s')",
                           "myschema.nextval('s')",
                           "currval('s')",
                           "lastval()",
                           "setval('s', 1)",
                           "txid_current()",
                           "txid_current_if_assigned()",
                           "pg_current_xact_id()",
                           "pg_current_xact_id_if_assigned()",
                           "pg_current_wal_lsn()",
                           "pg_current_wal_insert_lsn()",
                           "pg_current_wal_flush_lsn()",
                           "pg_switch_wal()",
                           "pg_create_restore_point('x')",
                           "pg_start_backup('x')",
                           "pg_backup_start('x')",
                           "pg_advisory_lock(1)",
                           "pg_advisory_lock_shared(1)",
                           "pg_advisory_xact_lock(1)",
                           "pg_advisory_xact_lock_shared(1)",
                           "pg_try_advisory_lock(1)",
                           "pg_try_advisory_lock_shared(1)",
                           "pg_try_advisory_xact_lock(1)",
                           "pg_try_advisory_xact_lock_shared(1)",
                           "pg_advisory_unlock(1)",
                           "pg_advisory_unlock_shared(1)",
                           "pg_advisory_unlock_all()",
                           "set_config('a.b', 'c', false)",
                           "pg_notify('c', 'p')",
                           "lo_create(0)",
                           "lo_import('f')",
                           "lo_unlink(1)",
                           "lo_open(1, 131072)",
                           "pg_create_physical_replication_slot('s')",
                           "pg_drop_replication_slot('s')",
                           "pg_logical_emit_message(true, 'p', 'm')"}) {
    rows.push_back({std::string("SELECT ") + call, K::kSelect, false});
  }
  check(rows);
}

TEST_F(ClassifyTable, FunctionsAnywhereInTheTree) {
  check({
      {"SELECT * FROM t WHERE id = nextval('s')", K::kSelect, false},
      {"SELECT * FROM nextval('s')", K::kSelect, false},
      {"SELECT * FROM ROWS FROM (generate_series(1, 3), nextval('s'))", K::kSelect, false},
      {"SELECT (SELECT nextval('s'))", K::kSelect, false},
      {"WITH x AS (SELECT nextval('s')) SELECT * FROM x", K::kSelect, false},
      {"SELECT a FROM t ORDER BY nextval('s')", K::kSelect, false},
      {"SELECT a FROM t GROUP BY a HAVING max(nextval('s')) > 0", K::kSelect, false},
      {"SELECT sum(a) OVER (ORDER BY nextval('s')) FROM t", K::kSelect, false},
      {"SELECT sum(a) OVER w FROM t WINDOW w AS (PARTITION BY setval('s', 1))", K::kSelect, false},
      {"SELECT 1 LIMIT nextval('s')", K::kSelect, false},
      {"SELECT 1 OFFSET nextval('s')", K::kSelect, false},
      {"SELECT CASE WHEN a THEN setval('s', 1) END FROM t", K::kSelect, false},
      {"SELECT lower(nextval('s')::text)", K::kSelect, false},
      {"SELECT * FROM t, LATERAL (SELECT nextval('s')) x", K::kSelect, false},
      {"SELECT * FROM t JOIN u ON u.id = nextval('s')", K::kSelect, false},
      {"VALUES (nextval('s'))", K::kValues, false},
      {"SELECT EXISTS (SELECT 1 WHERE pg_try_advisory_lock(1))", K::kSelect, false},
      {"SELECT 1 WHERE 1 IN (SELECT nextval('s'))", K::kSelect, false},
      {"SELECT ARRAY[nextval('s')]", K::kSelect, false},
      {"SELECT count(*) FILTER (WHERE nextval('s') > 0) FROM t", K::kSelect, false},
      {"SELECT DISTINCT ON (nextval('s')) a FROM t", K::kSelect, false},
      {"SELECT a FROM t UNION SELECT nextval('s')", K::kSelect, false},
      {"SELECT * FROM t TABLESAMPLE bernoulli (nextval('s'))", K::kSelect, false},
      {"SELECT * FROM XMLTABLE('/r' PASSING (nextval('s')::text::xml) COLUMNS a int)", K::kSelect,
       false},
      {"SELECT count(*) FROM t WHERE a = ANY (ARRAY(SELECT nextval('s')))", K::kSelect, false},
  });
}

}  // namespace
}  // namespace pgw::sql
