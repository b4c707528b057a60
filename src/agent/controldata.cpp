#include "agent/controldata.hpp"

#include <charconv>

namespace pgw::agent {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

/// "X/Y" with hexadecimal X and Y, as PostgreSQL prints an LSN.
bool is_lsn(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    if (i != slash && !hex) return false;
  }
  return true;
}

const std::string* field(const ControlData& data, std::string_view label) {
  auto it = data.fields.find(label);
  return it == data.fields.end() ? nullptr : &it->second;
}

Result<std::string> required_lsn(const ControlData& data, std::string_view label) {
  const std::string* value = field(data, label);
  if (value == nullptr) return fail("pg_controldata: no \"" + std::string(label) + "\"");
  if (!is_lsn(*value)) {
    return fail("pg_controldata: \"" + std::string(label) + "\" is not an LSN: " + *value);
  }
  return *value;
}

}  // namespace

Result<ControlData> parse_controldata(std::string_view text) {
  ControlData data;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view label = trim(line.substr(0, colon));
    if (label.empty()) continue;
    data.fields.emplace(std::string(label), std::string(trim(line.substr(colon + 1))));
  }
  if (data.fields.empty()) return fail("pg_controldata: no field in its output");

  const std::string* id = field(data, "Database system identifier");
  if (id == nullptr) return fail("pg_controldata: no \"Database system identifier\"");
  data.system_identifier = *id;
  const std::string* state = field(data, "Database cluster state");
  if (state == nullptr || state->empty()) {
    return fail("pg_controldata: no \"Database cluster state\"");
  }
  data.cluster_state = *state;

  const std::string* timeline = field(data, "Latest checkpoint's TimeLineID");
  if (timeline == nullptr) return fail("pg_controldata: no \"Latest checkpoint's TimeLineID\"");
  const char* first = timeline->data();
  const char* last = first + timeline->size();
  auto [ptr, ec] = std::from_chars(first, last, data.timeline);
  if (ec != std::errc() || ptr != last || data.timeline == 0) {
    return fail("pg_controldata: \"Latest checkpoint's TimeLineID\" is not a timeline: " +
                *timeline);
  }

  auto checkpoint = required_lsn(data, "Latest checkpoint location");
  if (!checkpoint) return unexpected(checkpoint.error());
  data.checkpoint_lsn = std::move(*checkpoint);
  auto redo = required_lsn(data, "Latest checkpoint's REDO location");
  if (!redo) return unexpected(redo.error());
  data.redo_lsn = std::move(*redo);
  if (const std::string* min = field(data, "Minimum recovery ending location");
      min != nullptr && is_lsn(*min)) {
    data.min_recovery_lsn = *min;
  }
  if (const std::string* checksums = field(data, "Data page checksum version")) {
    data.data_checksums = !checksums->empty() && *checksums != "0";
  }
  if (const std::string* hints = field(data, "wal_log_hints setting")) {
    data.wal_log_hints = *hints == "on";
  }
  return data;
}

bool state_is_primary(std::string_view cluster_state) {
  return cluster_state == "in production" || cluster_state == "shut down";
}

}  // namespace pgw::agent
