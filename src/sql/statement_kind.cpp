// describe_statement(): the kind of a statement from its node type, and the flags routing
// needs (transaction mode, SET LOCAL, DDL).

#include <cstring>
#include <optional>

#include <pg_query/pg_query.pb-c.h>

#include "sql/statement_analysis.hpp"

namespace pgw::sql::detail {

namespace {

using Kind = StatementKind;

bool is_temp(const PgQuery__RangeVar* relation) {
  // RangeVar.relpersistence: 't' temporary, 'u' unlogged, 'p' permanent.
  return relation != nullptr && relation->relpersistence != nullptr &&
         std::strcmp(relation->relpersistence, "t") == 0;
}

/// READ ONLY / READ WRITE among BEGIN's or SET TRANSACTION's options: the grammar writes them
/// as DefElem "transaction_read_only" with an integer constant 1 or 0. The last one wins.
std::optional<bool> transaction_read_only(PgQuery__Node* const* options, std::size_t count) {
  std::optional<bool> found;
  for (std::size_t i = 0; i < count; ++i) {
    const PgQuery__Node* option = options[i];
    if (option->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
    const PgQuery__DefElem* def = option->def_elem;
    if (def->defname == nullptr || std::strcmp(def->defname, "transaction_read_only") != 0) {
      continue;
    }
    const PgQuery__Node* arg = def->arg;
    if (arg != nullptr && arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
        arg->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL && arg->a_const->ival != nullptr) {
      found = arg->a_const->ival->ival != 0;
    }
  }
  return found;
}

Kind transaction_kind(const PgQuery__TransactionStmt& statement) {
  switch (statement.kind) {
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
      return Kind::kBegin;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
      return Kind::kCommit;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
      return Kind::kRollback;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
      return Kind::kSavepoint;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
      return Kind::kReleaseSavepoint;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
      return Kind::kRollbackToSavepoint;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE:
      return Kind::kPrepareTransaction;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED:
      return Kind::kCommitPrepared;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_PREPARED:
      return Kind::kRollbackPrepared;
    default:
      return Kind::kOther;
  }
}

void describe_transaction(const PgQuery__TransactionStmt& statement, StatementInfo& info) {
  info.kind = transaction_kind(statement);
  if (info.kind == Kind::kBegin) {
    info.transaction_read_only = transaction_read_only(statement.options, statement.n_options);
  }
}

void describe_set(const PgQuery__VariableSetStmt& statement, StatementInfo& info) {
  info.set_local = statement.is_local;
  switch (statement.kind) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
      info.kind = Kind::kReset;
      return;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
      // SET TRANSACTION ..., SET SESSION CHARACTERISTICS AS TRANSACTION ...,
      // SET TRANSACTION SNAPSHOT ...: the grammar names them in upper case.
      if (statement.name != nullptr &&
          (std::strcmp(statement.name, "TRANSACTION") == 0 ||
           std::strcmp(statement.name, "SESSION CHARACTERISTICS") == 0 ||
           std::strcmp(statement.name, "TRANSACTION SNAPSHOT") == 0)) {
        info.kind = Kind::kSetTransaction;
        info.transaction_read_only = transaction_read_only(statement.args, statement.n_args);
        return;
      }
      info.kind = Kind::kSet;
      return;
    default:
      info.kind = Kind::kSet;
      return;
  }
}

void describe_select(const PgQuery__SelectStmt& statement, StatementInfo& info) {
  if (statement.into_clause != nullptr) {
    // SELECT ... INTO t creates a table (the analyzer turns it into CREATE TABLE AS).
    info.kind = is_temp(statement.into_clause->rel) ? Kind::kCreateTempTable : Kind::kDdl;
  } else if (statement.n_values_lists > 0 && statement.op == PG_QUERY__SET_OPERATION__SETOP_NONE) {
    info.kind = Kind::kValues;
  } else {
    info.kind = Kind::kSelect;
  }
}

bool is_ddl_node(PgQuery__Node__NodeCase node) {
  switch (node) {
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
    case PG_QUERY__NODE__NODE_GRANT_STMT:
    case PG_QUERY__NODE__NODE_GRANT_ROLE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_DEFAULT_PRIVILEGES_STMT:
    case PG_QUERY__NODE__NODE_DEFINE_STMT:
    case PG_QUERY__NODE__NODE_DROP_STMT:
    case PG_QUERY__NODE__NODE_COMMENT_STMT:
    case PG_QUERY__NODE__NODE_INDEX_STMT:
    case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
    case PG_QUERY__NODE__NODE_ALTER_FUNCTION_STMT:
    case PG_QUERY__NODE__NODE_RENAME_STMT:
    case PG_QUERY__NODE__NODE_RULE_STMT:
    case PG_QUERY__NODE__NODE_VIEW_STMT:
    case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
    case PG_QUERY__NODE__NODE_CREATEDB_STMT:
    case PG_QUERY__NODE__NODE_DROPDB_STMT:
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
    case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
    case PG_QUERY__NODE__NODE_CREATE_PLANG_STMT:
    case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ROLE_STMT:
    case PG_QUERY__NODE__NODE_DROP_ROLE_STMT:
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_REFRESH_COLL_STMT:
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT:
    case PG_QUERY__NODE__NODE_CREATE_CONVERSION_STMT:
    case PG_QUERY__NODE__NODE_CREATE_CAST_STMT:
    case PG_QUERY__NODE__NODE_CREATE_OP_CLASS_STMT:
    case PG_QUERY__NODE__NODE_CREATE_OP_FAMILY_STMT:
    case PG_QUERY__NODE__NODE_ALTER_OP_FAMILY_STMT:
    case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
    case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_OBJECT_DEPENDS_STMT:
    case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
    case PG_QUERY__NODE__NODE_ALTER_OWNER_STMT:
    case PG_QUERY__NODE__NODE_ALTER_OPERATOR_STMT:
    case PG_QUERY__NODE__NODE_ALTER_TYPE_STMT:
    case PG_QUERY__NODE__NODE_DROP_OWNED_STMT:
    case PG_QUERY__NODE__NODE_REASSIGN_OWNED_STMT:
    case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
    case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
    case PG_QUERY__NODE__NODE_CREATE_RANGE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
    case PG_QUERY__NODE__NODE_ALTER_TSDICTIONARY_STMT:
    case PG_QUERY__NODE__NODE_ALTER_TSCONFIGURATION_STMT:
    case PG_QUERY__NODE__NODE_CREATE_FDW_STMT:
    case PG_QUERY__NODE__NODE_ALTER_FDW_STMT:
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_SERVER_STMT:
    case PG_QUERY__NODE__NODE_ALTER_FOREIGN_SERVER_STMT:
    case PG_QUERY__NODE__NODE_CREATE_USER_MAPPING_STMT:
    case PG_QUERY__NODE__NODE_ALTER_USER_MAPPING_STMT:
    case PG_QUERY__NODE__NODE_DROP_USER_MAPPING_STMT:
    case PG_QUERY__NODE__NODE_ALTER_TABLE_SPACE_OPTIONS_STMT:
    case PG_QUERY__NODE__NODE_ALTER_TABLE_MOVE_ALL_STMT:
    case PG_QUERY__NODE__NODE_SEC_LABEL_STMT:
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT:
    case PG_QUERY__NODE__NODE_IMPORT_FOREIGN_SCHEMA_STMT:
    case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
    case PG_QUERY__NODE__NODE_ALTER_EXTENSION_STMT:
    case PG_QUERY__NODE__NODE_ALTER_EXTENSION_CONTENTS_STMT:
    case PG_QUERY__NODE__NODE_CREATE_EVENT_TRIG_STMT:
    case PG_QUERY__NODE__NODE_ALTER_EVENT_TRIG_STMT:
    case PG_QUERY__NODE__NODE_REPLICA_IDENTITY_STMT:
    case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
    case PG_QUERY__NODE__NODE_ALTER_POLICY_STMT:
    case PG_QUERY__NODE__NODE_CREATE_TRANSFORM_STMT:
    case PG_QUERY__NODE__NODE_CREATE_AM_STMT:
    case PG_QUERY__NODE__NODE_CREATE_PUBLICATION_STMT:
    case PG_QUERY__NODE__NODE_ALTER_PUBLICATION_STMT:
    case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT:
    case PG_QUERY__NODE__NODE_ALTER_SUBSCRIPTION_STMT:
    case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT:
    case PG_QUERY__NODE__NODE_CREATE_STATS_STMT:
    case PG_QUERY__NODE__NODE_ALTER_STATS_STMT:
    case PG_QUERY__NODE__NODE_ALTER_COLLATION_STMT:
      return true;
    default:
      return false;
  }
}

/// Statements whose kind follows from the node type alone.
std::optional<Kind> simple_kind(PgQuery__Node__NodeCase node) {
  switch (node) {
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
      return Kind::kShow;
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
      return Kind::kExplain;
    case PG_QUERY__NODE__NODE_INSERT_STMT:
      return Kind::kInsert;
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
      return Kind::kUpdate;
    case PG_QUERY__NODE__NODE_DELETE_STMT:
      return Kind::kDelete;
    case PG_QUERY__NODE__NODE_MERGE_STMT:
      return Kind::kMerge;
    case PG_QUERY__NODE__NODE_DISCARD_STMT:
      return Kind::kDiscard;
    case PG_QUERY__NODE__NODE_LISTEN_STMT:
      return Kind::kListen;
    case PG_QUERY__NODE__NODE_UNLISTEN_STMT:
      return Kind::kUnlisten;
    case PG_QUERY__NODE__NODE_NOTIFY_STMT:
      return Kind::kNotify;
    case PG_QUERY__NODE__NODE_PREPARE_STMT:
      return Kind::kPrepare;
    case PG_QUERY__NODE__NODE_EXECUTE_STMT:
      return Kind::kExecute;
    case PG_QUERY__NODE__NODE_DEALLOCATE_STMT:
      return Kind::kDeallocate;
    case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
      return Kind::kDeclareCursor;
    case PG_QUERY__NODE__NODE_FETCH_STMT:
      return Kind::kFetch;
    case PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT:
      return Kind::kClosePortal;
    case PG_QUERY__NODE__NODE_LOCK_STMT:
      return Kind::kLock;
    case PG_QUERY__NODE__NODE_CALL_STMT:
      return Kind::kCall;
    case PG_QUERY__NODE__NODE_DO_STMT:
      return Kind::kDo;
    default:
      return is_ddl_node(node) ? std::optional(Kind::kDdl) : std::nullopt;
  }
}

}  // namespace

void describe_statement(const PgQuery__Node& statement, StatementInfo& info) {
  info.kind = Kind::kOther;
  switch (statement.node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
      describe_select(*statement.select_stmt, info);
      break;
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
      describe_transaction(*statement.transaction_stmt, info);
      break;
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
      describe_set(*statement.variable_set_stmt, info);
      break;
    case PG_QUERY__NODE__NODE_COPY_STMT:
      info.kind = statement.copy_stmt->is_from ? Kind::kCopyFrom : Kind::kCopyTo;
      break;
    case PG_QUERY__NODE__NODE_VACUUM_STMT:
      info.kind = statement.vacuum_stmt->is_vacuumcmd ? Kind::kVacuum : Kind::kAnalyze;
      break;
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      info.kind = is_temp(statement.create_stmt->relation) ? Kind::kCreateTempTable : Kind::kDdl;
      break;
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: {
      const PgQuery__IntoClause* into = statement.create_table_as_stmt->into;
      info.kind = into != nullptr && is_temp(into->rel) ? Kind::kCreateTempTable : Kind::kDdl;
      break;
    }
    default:
      info.kind = simple_kind(statement.node_case).value_or(Kind::kOther);
      break;
  }
  info.is_ddl = info.kind == Kind::kDdl;
}

}  // namespace pgw::sql::detail
