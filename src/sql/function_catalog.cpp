#include "sql/function_catalog.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <regex>

namespace pgw::sql {

namespace {

// Functions that write, or that fail or misbehave during recovery, so they must never reach a
// standby whatever pg_proc says. Sorted (binary search). Reasons:
// - sequences: nextval/setval write; currval/lastval read the session's state of nextval,
//   which ran on the primary (pgpool-II's old default black_function_list had all four);
// - transaction ids and WAL positions: assign an xid or read/write WAL, errors in recovery;
// - advisory locks: they work on a standby, but lock only that node, so the mutual exclusion
//   the application wants with sessions on the primary silently disappears;
// - set_config: changes session state, which must stay with the session's primary connection;
// - pg_notify, large objects, replication slots and origins, logical messages: write, or are
//   refused during recovery; backup control must happen where the backup is taken.
// pg_promote is left out on purpose (it only makes sense on a standby).
constexpr std::array<std::string_view, 56> kNeverOnStandby = {
    "currval",
    "lastval",
    "lo_creat",
    "lo_create",
    "lo_export",
    "lo_from_bytea",
    "lo_import",
    "lo_open",
    "lo_put",
    "lo_truncate",
    "lo_truncate64",
    "lo_unlink",
    "lowrite",
    "nextval",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_unlock",
    "pg_advisory_unlock_all",
    "pg_advisory_unlock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_backup_start",
    "pg_backup_stop",
    "pg_copy_logical_replication_slot",
    "pg_copy_physical_replication_slot",
    "pg_create_logical_replication_slot",
    "pg_create_physical_replication_slot",
    "pg_create_restore_point",
    "pg_current_wal_flush_lsn",
    "pg_current_wal_insert_lsn",
    "pg_current_wal_lsn",
    "pg_current_xact_id",
    "pg_current_xact_id_if_assigned",
    "pg_drop_replication_slot",
    "pg_logical_emit_message",
    "pg_logical_slot_get_binary_changes",
    "pg_logical_slot_get_changes",
    "pg_logical_slot_peek_binary_changes",
    "pg_logical_slot_peek_changes",
    "pg_notify",
    "pg_replication_origin_advance",
    "pg_replication_origin_create",
    "pg_replication_origin_drop",
    "pg_replication_origin_session_setup",
    "pg_replication_slot_advance",
    "pg_start_backup",
    "pg_stop_backup",
    "pg_switch_wal",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
    "set_config",
    "setval",
    "txid_current",
    "txid_current_if_assigned",
};
static_assert(std::is_sorted(kNeverOnStandby.begin(), kNeverOnStandby.end()));

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_read(char provolatile) {
  return provolatile == 's' || provolatile == 'i';
}

std::string_view last_part(std::string_view name) {
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

constexpr auto kRegexFlags = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;

std::vector<std::regex> compile(const std::vector<std::string>& patterns) {
  std::vector<std::regex> out;
  out.reserve(patterns.size());
  for (const auto& pattern : patterns) {
    out.emplace_back(pattern, kRegexFlags);
  }
  return out;
}

}  // namespace

struct FunctionCatalog::Patterns {
  std::vector<std::regex> write;
  std::vector<std::regex> read_only;

  static bool any_matches(const std::vector<std::regex>& list, const std::string& name) {
    if (list.empty()) return false;
    const auto dot = name.rfind('.');
    for (const auto& re : list) {
      if (std::regex_match(name, re)) return true;
      if (dot != std::string::npos &&
          std::regex_match(name.begin() + static_cast<long>(dot) + 1, name.end(), re)) {
        return true;
      }
    }
    return false;
  }
};

FunctionCatalog::FunctionCatalog(std::vector<std::string> write_patterns,      // NOLINT: agreed
                                 std::vector<std::string> read_only_patterns)  // NOLINT: API
    : patterns_(std::make_unique<const Patterns>(
          Patterns{compile(write_patterns), compile(read_only_patterns)})) {}

FunctionCatalog::~FunctionCatalog() = default;

Result<void> FunctionCatalog::validate_patterns(const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    try {
      std::regex re(pattern, kRegexFlags);
    } catch (const std::regex_error& e) {
      return fail("invalid function name pattern '" + pattern + "': " + e.what());
    }
  }
  return {};
}

bool FunctionCatalog::is_builtin_never_on_standby(std::string_view name) {
  return std::binary_search(kNeverOnStandby.begin(), kNeverOnStandby.end(), name);
}

FunctionCatalog::Verdict FunctionCatalog::classify(std::string_view function_name) {
  const std::string name = to_lower(function_name);
  if (Patterns::any_matches(patterns_->write, name)) return Verdict::kWrite;
  if (Patterns::any_matches(patterns_->read_only, name)) return Verdict::kRead;
  if (is_builtin_never_on_standby(last_part(name))) return Verdict::kWrite;
  std::string_view builtin_name = name;
  if (builtin_name.starts_with("pg_catalog.")) builtin_name.remove_prefix(11);
  bool unqualified = builtin_name.find('.') == std::string_view::npos;
  {
    std::shared_lock lock(mutex_);
    if (unqualified) {
      if (auto it = builtins_.find(builtin_name); it != builtins_.end()) {
        return is_read(it->second) ? Verdict::kRead : Verdict::kWrite;
      }
    }
    if (auto it = learned_.find(name); it != learned_.end()) {
      return is_read(it->second) ? Verdict::kRead : Verdict::kWrite;
    }
    if (pending_.contains(name)) return Verdict::kUnknown;
  }
  std::unique_lock lock(mutex_);
  // Learned between the two locks: answer from what was learned.
  if (auto it = learned_.find(name); it != learned_.end()) {
    return is_read(it->second) ? Verdict::kRead : Verdict::kWrite;
  }
  if (pending_.size() < kMaxPending) pending_.insert(name);
  return Verdict::kUnknown;
}

std::vector<std::string> FunctionCatalog::take_pending() {
  std::unique_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(pending_.size());
  while (!pending_.empty()) {
    out.push_back(std::move(pending_.extract(pending_.begin()).value()));
  }
  return out;
}

void FunctionCatalog::learn(std::string_view function_name, char provolatile) {
  std::string name = to_lower(function_name);
  std::unique_lock lock(mutex_);
  pending_.erase(name);
  const auto it = learned_.find(name);
  if (it == learned_.end()) {
    if (learned_.size() >= kMaxLearned) return;
    learned_.emplace(std::move(name), provolatile);
  } else {
    // A read that became a write (or back): results cached with the old verdict are stale.
    if (is_read(it->second) != is_read(provolatile)) {
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    it->second = provolatile;
  }
  version_.fetch_add(1, std::memory_order_acq_rel);
}

void FunctionCatalog::learn_builtins(const std::vector<std::pair<std::string, char>>& functions) {
  std::unique_lock lock(mutex_);
  for (const auto& [name, volatility] : functions) {
    builtins_[to_lower(name)] = volatility;
    pending_.erase(name);
  }
  builtins_known_.store(true, std::memory_order_release);
  version_.fetch_add(1, std::memory_order_acq_rel);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

void FunctionCatalog::forget_learned() {
  std::unique_lock lock(mutex_);
  learned_.clear();
  version_.fetch_add(1, std::memory_order_acq_rel);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace pgw::sql
