#pragma once
/// pg_controldata's output, parsed: what the control file says about a data directory, even
/// with the server stopped. Pure: fed the program's text (run with LC_ALL=C), no I/O.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pgw::agent {

struct ControlData {
  std::string system_identifier;  ///< "Database system identifier"
  std::string cluster_state;      ///< "in production", "in archive recovery", "shut down", ...
  std::uint32_t timeline = 0;     ///< "Latest checkpoint's TimeLineID"
  std::string checkpoint_lsn;     ///< "Latest checkpoint location", e.g. "0/1500718"
  std::string redo_lsn;           ///< "Latest checkpoint's REDO location"
  std::string min_recovery_lsn;   ///< "Minimum recovery ending location"
  bool data_checksums = false;    ///< "Data page checksum version" is not 0
  bool wal_log_hints = false;     ///< "wal_log_hints setting" is "on"
  /// Every line, by its label, for fields not named above.
  std::map<std::string, std::string, std::less<>> fields;
};

/// Parses "Label:   value" lines (the label ends at the first ':'). Errors name a field that is
/// missing or malformed among those the struct names (except the optional ones: checksums,
/// wal_log_hints, min recovery), or say that the text holds no field at all.
Result<ControlData> parse_controldata(std::string_view text);

/// Whether a cluster state means the data directory was last a primary ("in production", or a
/// primary shut down: "shut down"), as opposed to a standby ("in archive recovery",
/// "shut down in recovery").
bool state_is_primary(std::string_view cluster_state);

}  // namespace pgw::agent
