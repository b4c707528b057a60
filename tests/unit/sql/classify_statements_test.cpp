// Statement kinds and flags, multi-statement strings, garbage, hints and limits.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "classify_table.hpp"

namespace pgw::sql {
namespace {

using K = StatementKind;
using testing::ClassifyTable;

TEST_F(ClassifyTable, Writes) {
  check({
      {"INSERT INTO t VALUES (1)", K::kInsert, false},
      {"INSERT INTO t SELECT * FROM u", K::kInsert, false},
      {"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", K::kInsert, false},
      {"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", K::kInsert, false},
      {"UPDATE t SET a = a + 1 WHERE id = 3", K::kUpdate, false},
      {"DELETE FROM t WHERE id = 3 RETURNING *", K::kDelete, false},
      {"MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE", K::kMerge, false},
      {"COPY t FROM STDIN", K::kCopyFrom, false},
      {"COPY t (a, b) FROM '/tmp/x' WITH (FORMAT csv)", K::kCopyFrom, false},
      {"COPY t TO STDOUT", K::kCopyTo, false},
      {"COPY (SELECT 1) TO STDOUT", K::kCopyTo, false},
      {"TRUNCATE t", K::kOther, false},
      {"LOCK TABLE t IN ACCESS EXCLUSIVE MODE", K::kLock, false},
      {"CALL p(1)", K::kCall, false},
      {"DO $$BEGIN PERFORM 1; END$$", K::kDo, false},
      {"VACUUM", K::kVacuum, false},
      {"VACUUM (ANALYZE, VERBOSE) t", K::kVacuum, false},
      {"ANALYZE t", K::kAnalyze, false},
      {"CHECKPOINT", K::kOther, false},
      {"REINDEX TABLE t", K::kOther, false},
      {"CLUSTER t USING i", K::kOther, false},
      {"REFRESH MATERIALIZED VIEW v", K::kOther, false},
      {"ALTER SYSTEM SET work_mem = '4MB'", K::kOther, false},
      {"LOAD 'auto_explain'", K::kOther, false},
      {"SET CONSTRAINTS ALL DEFERRED", K::kOther, false},
  });
}

TEST_F(ClassifyTable, Transactions) {
  check({
      {"BEGIN", K::kBegin, false},
      {"begin transaction", K::kBegin, false},
      {"START TRANSACTION", K::kBegin, false},
      {"BEGIN READ ONLY", K::kBegin, false, "txn_ro"},
      {"BEGIN READ WRITE", K::kBegin, false, "txn_rw"},
      {"START TRANSACTION READ WRITE", K::kBegin, false, "txn_rw"},
      {"BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", K::kBegin, false,
       "txn_ro"},
      {"BEGIN ISOLATION LEVEL REPEATABLE READ", K::kBegin, false},
      {"COMMIT", K::kCommit, false},
      {"END", K::kCommit, false},
      {"COMMIT AND CHAIN", K::kCommit, false},
      {"ROLLBACK", K::kRollback, false},
      {"ABORT", K::kRollback, false},
      {"SAVEPOINT a", K::kSavepoint, false},
      {"RELEASE SAVEPOINT a", K::kReleaseSavepoint, false},
      {"RELEASE a", K::kReleaseSavepoint, false},
      {"ROLLBACK TO SAVEPOINT a", K::kRollbackToSavepoint, false},
      {"ROLLBACK TO a", K::kRollbackToSavepoint, false},
      {"PREPARE TRANSACTION 'x'", K::kPrepareTransaction, false},
      {"COMMIT PREPARED 'x'", K::kCommitPrepared, false},
      {"ROLLBACK PREPARED 'x'", K::kRollbackPrepared, false},
  });
}

TEST_F(ClassifyTable, SetAndSessionState) {
  check({
      {"SET TRANSACTION READ ONLY", K::kSetTransaction, false, "txn_ro"},
      {"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", K::kSetTransaction, false},
      {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ WRITE", K::kSetTransaction, false,
       "txn_rw"},
      {"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", K::kSetTransaction, false, "txn_ro"},
      {"SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", K::kSetTransaction, false,
       "txn_rw"},
      {"SET LOCAL TRANSACTION READ ONLY", K::kSetTransaction, false, "txn_ro local"},
      {"SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", K::kSetTransaction, false},
      {"SET search_path TO a, b", K::kSet, false},
      {"SET LOCAL statement_timeout = 0", K::kSet, false, "local"},
      {"SET SESSION work_mem = '4MB'", K::kSet, false},
      {"SET TIME ZONE 'UTC'", K::kSet, false},
      {"SET x.y TO DEFAULT", K::kSet, false},
      {"SET ROLE r", K::kSet, false},
      {"SET SESSION AUTHORIZATION u", K::kSet, false},
      {"SET transaction_read_only = on", K::kSet, false},
      {"RESET ALL", K::kReset, false},
      {"RESET search_path", K::kReset, false},
      {"DISCARD ALL", K::kDiscard, false},
      {"LISTEN c", K::kListen, false},
      {"UNLISTEN *", K::kUnlisten, false},
      {"NOTIFY c, 'x'", K::kNotify, false},
      {"PREPARE p (int) AS SELECT $1", K::kPrepare, false},
      {"EXECUTE p (1)", K::kExecute, false},
      {"DEALLOCATE p", K::kDeallocate, false},
      {"DEALLOCATE ALL", K::kDeallocate, false},
      {"DECLARE c CURSOR WITH HOLD FOR SELECT 1", K::kDeclareCursor, false},
      {"FETCH 10 FROM c", K::kFetch, false},
      {"MOVE c", K::kFetch, false},
      {"CLOSE c", K::kClosePortal, false},
      {"CLOSE ALL", K::kClosePortal, false},
  });
}

TEST_F(ClassifyTable, DdlAndTemporaryTables) {
  check({
      {"CREATE TEMP TABLE x (a int)", K::kCreateTempTable, false},
      {"CREATE TEMPORARY TABLE x (a int) ON COMMIT DROP", K::kCreateTempTable, false},
      {"CREATE LOCAL TEMP TABLE x (a int)", K::kCreateTempTable, false},
      {"CREATE TEMP TABLE x AS SELECT 1", K::kCreateTempTable, false},
      {"CREATE TABLE x (a int)", K::kDdl, false, "ddl"},
      {"CREATE UNLOGGED TABLE x (a int)", K::kDdl, false, "ddl"},
      {"CREATE TABLE x AS SELECT 1", K::kDdl, false, "ddl"},
      {"CREATE MATERIALIZED VIEW v AS SELECT 1", K::kDdl, false, "ddl"},
      {"CREATE TEMP VIEW v AS SELECT 1", K::kDdl, false, "ddl"},
      {"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", K::kDdl, false,
       "ddl"},
      {"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", K::kDdl, false,
       "ddl"},
      {"ALTER FUNCTION f() STABLE", K::kDdl, false, "ddl"},
      {"DROP FUNCTION f", K::kDdl, false, "ddl"},
      {"ALTER TABLE t ADD COLUMN b int", K::kDdl, false, "ddl"},
      {"CREATE INDEX ON t (a)", K::kDdl, false, "ddl"},
      {"DROP TABLE t", K::kDdl, false, "ddl"},
      {"ALTER TABLE t RENAME TO u", K::kDdl, false, "ddl"},
      {"GRANT SELECT ON t TO r", K::kDdl, false, "ddl"},
      {"COMMENT ON TABLE t IS 'x'", K::kDdl, false, "ddl"},
      {"CREATE EXTENSION x", K::kDdl, false, "ddl"},
      {"CREATE SCHEMA s", K::kDdl, false, "ddl"},
      {"CREATE SEQUENCE s", K::kDdl, false, "ddl"},
      {"CREATE ROLE r", K::kDdl, false, "ddl"},
      {"CREATE TYPE e AS ENUM ('a')", K::kDdl, false, "ddl"},
  });
}

TEST_F(ClassifyTable, MultiStatementEmptyAndGarbage) {
  check({
      {"SELECT 1; SELECT 2", K::kOther, false, "multi"},
      {"BEGIN; SELECT 1; COMMIT", K::kOther, false, "multi"},
      {"SELECT 1; CREATE TABLE x (a int)", K::kOther, false, "multi ddl"},
      {"SELECT ';'; SELECT 2", K::kOther, false, "multi"},
      {"", K::kEmpty, false},
      {"   \n ", K::kEmpty, false},
      {"/* only a comment */", K::kEmpty, false},
      {"-- only a comment", K::kEmpty, false},
      {";", K::kEmpty, false},
      {";;", K::kEmpty, false},
      {"SELEC 1", K::kOther, false, "parse_error"},
      {"SELECT FROM WHERE (", K::kOther, false, "parse_error"},
      {"SELECT 1 +", K::kOther, false, "parse_error"},
      {"SELECT 'unterminated", K::kOther, false, "parse_error"},
      {"SELECT /* unterminated", K::kOther, false, "parse_error"},
      {"SELECT 0x1F", K::kOther, false, "parse_error"},
      {"SELECT 1; SELEC 2", K::kOther, false, "parse_error"},
      {"\x01\x02\xff", K::kOther, false, "parse_error"},
      {std::string("SELECT 1\0; DELETE FROM t", 24), K::kOther, false, "parse_error"},
  });
}

TEST_F(ClassifyTable, CommentsCaseAndQuoting) {
  check({
      {"/* hi */ SELECT 1 -- trailing", K::kSelect, true},
      {"SELECT /* DELETE FROM t; */ 1", K::kSelect, true},
      {"SELECT 1 -- ; DELETE FROM t", K::kSelect, true},
      {"SELECT /* outer /* nested */ still comment */ 1", K::kSelect, true},
      {"SELECT \"Weird Col\" FROM \"My Table\"", K::kSelect, true},
      {"SELECT $tag$ ; DELETE FROM t $tag$", K::kSelect, true},
      {"SELECT E'it\\'s; DELETE'", K::kSelect, true},
      {"SELECT 'it''s; DELETE'", K::kSelect, true},
      {"SELECT U&'d\\0061t\\+000061'", K::kSelect, true},
  });
}

TEST_F(ClassifyTable, NoLoadBalanceHint) {
  check({
      {"/*NO LOAD BALANCE*/ SELECT 1", K::kSelect, true, "hint"},
      {"  /* no load balance */SELECT 1", K::kSelect, true, "hint"},
      {"/* a */ /* please: No Load Balance */ SELECT 1", K::kSelect, true, "hint"},
      {"-- NO LOAD BALANCE\nSELECT 1", K::kSelect, true, "hint"},
      {"/*NO LOAD BALANCE*/ INSERT INTO t VALUES (1)", K::kInsert, false, "hint"},
      {"/*NO LOAD BALANCE*/", K::kEmpty, false, "hint"},
      {"SELECT 1 /*NO LOAD BALANCE*/", K::kSelect, true},
      {"SELECT '/*NO LOAD BALANCE*/'", K::kSelect, true},
      {"/* NO LOAD-BALANCE */ SELECT 1", K::kSelect, true},
  });
}

TEST_F(ClassifyTable, VeryLongStatements) {
  std::string columns = "SELECT c0";
  for (int i = 1; i < 5000; ++i) {
    columns += ", c" + std::to_string(i);
  }
  std::string in_list = "SELECT * FROM t WHERE id IN (0";
  for (int i = 1; i < 10000; ++i) {
    in_list += ", " + std::to_string(i);
  }
  in_list += ")";
  std::string long_string = "SELECT '" + std::string(100'000, 'x') + "'";
  std::string too_long = "SELECT '" + std::string(200'000, 'x') + "'";
  std::string plus_chain = "SELECT 1";
  for (int i = 0; i < 2000; ++i) {
    plus_chain += "+1";
  }
  std::string parens = "SELECT " + std::string(600, '(') + "1" + std::string(600, ')');
  std::string nots = "SELECT 1 WHERE ";
  for (int i = 0; i < 2000; ++i) {
    nots += "NOT ";
  }
  nots += "true";
  std::string unions = "SELECT 1";
  for (int i = 0; i < 2000; ++i) {
    unions += " UNION SELECT 1";
  }
  check({
      {columns, K::kSelect, true},
      {in_list, K::kSelect, true},
      {long_string, K::kSelect, true},
      {too_long, K::kOther, false, "complex"},
      {plus_chain, K::kOther, false, "complex"},
      {parens, K::kOther, false, "complex"},
      {nots, K::kOther, false, "complex"},
      {unions, K::kOther, false, "complex"},
  });
}

TEST(ClassifyKindNames, EveryKindHasAName) {
  EXPECT_EQ(to_string(StatementKind::kEmpty), "Empty");
  EXPECT_EQ(to_string(StatementKind::kCreateTempTable), "CreateTempTable");
  EXPECT_EQ(to_string(StatementKind::kOther), "Other");
  for (int k = 0; k <= static_cast<int>(StatementKind::kOther); ++k) {
    EXPECT_NE(to_string(static_cast<StatementKind>(k)), "Unknown") << k;
  }
}

}  // namespace
}  // namespace pgw::sql
