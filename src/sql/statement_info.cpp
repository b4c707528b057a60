#include "sql/statement_info.hpp"

#include <array>

namespace pgw::sql {

namespace {

constexpr std::array<std::string_view, 41> kKindNames = {
    "Empty",
    "Select",
    "Values",
    "Show",
    "Explain",
    "Insert",
    "Update",
    "Delete",
    "Merge",
    "CopyFrom",
    "CopyTo",
    "Begin",
    "Commit",
    "Rollback",
    "Savepoint",
    "ReleaseSavepoint",
    "RollbackToSavepoint",
    "PrepareTransaction",
    "CommitPrepared",
    "RollbackPrepared",
    "SetTransaction",
    "Set",
    "Reset",
    "Discard",
    "Listen",
    "Unlisten",
    "Notify",
    "Prepare",
    "Execute",
    "Deallocate",
    "DeclareCursor",
    "Fetch",
    "ClosePortal",
    "Lock",
    "Vacuum",
    "Analyze",
    "Call",
    "Do",
    "CreateTempTable",
    "Ddl",
    "Other",
};
static_assert(kKindNames.size() == static_cast<std::size_t>(StatementKind::kOther) + 1);

}  // namespace

std::string_view to_string(StatementKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kKindNames.size() ? kKindNames[index] : std::string_view("Unknown");
}

}  // namespace pgw::sql
