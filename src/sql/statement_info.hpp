#pragma once
/// What pgwarden knows about one SQL statement: the output of src/sql and the input of routing.
/// Plain values, no libpg_query types (STYLE.md: libpg_query stays behind src/sql).

#include <cstdint>
#include <optional>
#include <string_view>

namespace pgw::sql {

enum class StatementKind : std::uint8_t {
  kEmpty,  ///< no statement at all (empty text, only comments or semicolons)
  kSelect,
  kValues,
  kShow,
  kExplain,
  kInsert,
  kUpdate,
  kDelete,
  kMerge,
  kCopyFrom,
  kCopyTo,
  kBegin,  ///< BEGIN and START TRANSACTION
  kCommit,
  kRollback,
  kSavepoint,
  kReleaseSavepoint,
  kRollbackToSavepoint,
  kPrepareTransaction,
  kCommitPrepared,
  kRollbackPrepared,
  kSetTransaction,  ///< SET TRANSACTION ..., SET SESSION CHARACTERISTICS AS TRANSACTION ...
  kSet,
  kReset,
  kDiscard,
  kListen,
  kUnlisten,
  kNotify,
  kPrepare,
  kExecute,
  kDeallocate,
  kDeclareCursor,
  kFetch,  ///< FETCH and MOVE
  kClosePortal,
  kLock,
  kVacuum,
  kAnalyze,
  kCall,
  kDo,
  kCreateTempTable,  ///< CREATE TEMP TABLE, CREATE TEMP TABLE AS, SELECT INTO TEMP
  kDdl,              ///< changes the catalog (CREATE/ALTER/DROP ..., GRANT, COMMENT, SELECT INTO)
  kOther,            ///< anything else, multi-statement strings and unparsable text
};

/// The classification of one Query string (or one Parse message's text).
struct StatementInfo {
  StatementKind kind = StatementKind::kOther;
  /// Unparsable: goes to the primary (where the server reports the error).
  bool parse_error = false;
  /// More than one statement: goes to the primary; `kind` is then kOther.
  bool multi_statement = false;
  /// Not parsed because it is longer than the parse limit or nested too deeply to parse
  /// safely (see src/sql/README.md): goes to the primary; `kind` is then kOther.
  bool too_complex = false;
  /// May run on a standby. Only SELECT, VALUES, TABLE, SHOW and EXPLAIN (without ANALYZE) of
  /// such a read are, and only without row locks, INTO, data-modifying CTEs and functions that
  /// write or cannot run during recovery.
  bool read_only = false;
  /// A function of unknown volatility was treated as a write; the catalog queued it for lookup,
  /// so the result may change once the catalog learns it (caches must not keep it as final).
  bool uses_unknown_function = false;
  /// BEGIN / START TRANSACTION / SET TRANSACTION / SET SESSION CHARACTERISTICS AS TRANSACTION:
  /// true for READ ONLY, false for READ WRITE, nullopt when unspecified (and for other kinds).
  std::optional<bool> transaction_read_only;
  /// SET LOCAL (transaction-scoped).
  bool set_local = false;
  /// Changes the catalog (kind kDdl, or a multi-statement string holding one): invalidates
  /// the learned function volatilities. CREATE TEMP TABLE is not counted (see README.md).
  bool is_ddl = false;
  /// The text starts (after whitespace) with comments, one of which contains
  /// "NO LOAD BALANCE" (any case), e.g. /*NO LOAD BALANCE*/.
  bool no_load_balance_hint = false;
  /// One of the configured primary_routing_patterns matched the raw text.
  bool matches_primary_pattern = false;

  bool operator==(const StatementInfo&) const = default;
};

/// The enumerator's name without the k, e.g. "Select", "CreateTempTable".
std::string_view to_string(StatementKind kind);

}  // namespace pgw::sql
