#include "admin/events_json.hpp"

#include <cstdio>
#include <ctime>

namespace pgw::admin {
namespace {

using nlohmann::json;

json node_json(const cluster::Event& event, const cluster::ClusterState* state) {
  if (!event.node) return nullptr;
  json node = {{"id", *event.node}, {"name", nullptr}};
  if (state != nullptr && *event.node < state->nodes.size()) {
    node["name"] = state->nodes[*event.node].name;
  }
  return node;
}

std::optional<std::string> text_field(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  return found->dump();
}

std::optional<std::string> node_cell(const json& object) {
  const auto found = object.find("node");
  if (found == object.end() || !found->is_object()) return std::string();
  if (auto name = text_field(*found, "name")) return name;
  return text_field(*found, "id").value_or("");
}

}  // namespace

std::string format_utc_time(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<milliseconds>(when.time_since_epoch());
  // Floor, so that times before 1970 keep a millisecond part in 0..999.
  auto seconds_part = floor<seconds>(since_epoch);
  const auto millis = (since_epoch - seconds_part).count();
  const std::time_t seconds = static_cast<std::time_t>(seconds_part.count());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[48];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis));
  return text;
}

json events_to_json(const std::vector<cluster::Event>& events, const cluster::ClusterState* state) {
  json out = json::array();
  for (const auto& event : events) {
    out.push_back({{"id", event.id},
                   {"time", format_utc_time(event.time)},
                   {"kind", event.kind},
                   {"node", node_json(event, state)},
                   {"message", event.message},
                   {"warning", event.warning}});
  }
  return out;
}

const std::vector<std::string>& events_columns() {
  static const std::vector<std::string> columns = {"id",   "time", "level",
                                                   "kind", "node", "message"};
  return columns;
}

Result<Table> events_table_from_json(const json& events) {
  if (!events.is_array()) return fail("expected a JSON array of events");
  Table table;
  table.columns = events_columns();
  for (const auto& event : events) {
    if (!event.is_object() || !event.contains("id") || !event.contains("kind") ||
        !event.contains("message")) {
      return fail("expected events with \"id\", \"kind\" and \"message\"");
    }
    const auto warning = event.find("warning");
    const bool is_warning = warning != event.end() && warning->is_boolean() && warning->get<bool>();
    table.rows.push_back({text_field(event, "id"), text_field(event, "time"),
                          std::string(is_warning ? "warning" : "info"), text_field(event, "kind"),
                          node_cell(event), text_field(event, "message")});
  }
  return table;
}

}  // namespace pgw::admin
