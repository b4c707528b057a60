#include "testbed/cluster_manifest.hpp"

#include <charconv>
#include <map>

namespace pgw::testbed {
namespace {

using Fields = std::map<std::string_view, std::string ClusterManifest::*>;

const Fields& string_fields() {
  static const Fields fields = {
      {"os_user", &ClusterManifest::os_user},
      {"bin_dir", &ClusterManifest::bin_dir},
      {"superuser_password", &ClusterManifest::superuser_password},
      {"monitor_password", &ClusterManifest::monitor_password},
      {"repl_password", &ClusterManifest::repl_password},
      {"app_user", &ClusterManifest::app_user},
      {"app_password", &ClusterManifest::app_password},
      {"app_database", &ClusterManifest::app_database},
  };
  return fields;
}

Result<ManifestNode> parse_node(std::string_view value) {
  auto space = value.rfind(' ');
  if (space == std::string_view::npos) return fail("node needs a name and a port");
  ManifestNode node{std::string(value.substr(0, space)), 0};
  auto digits = value.substr(space + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), node.port);
  if (ec != std::errc() || end != digits.data() + digits.size() || node.port <= 0 ||
      node.port > 65535 || node.name.empty()) {
    return fail("bad node entry: " + std::string(value));
  }
  return node;
}

Result<void> apply_line(ClusterManifest& manifest, std::string_view line) {
  auto equals = line.find(" = ");
  if (equals == std::string_view::npos) return fail("malformed line: " + std::string(line));
  auto key = line.substr(0, equals);
  auto value = line.substr(equals + 3);
  if (auto it = string_fields().find(key); it != string_fields().end()) {
    manifest.*(it->second) = std::string(value);
  } else if (key == "synchronous") {
    manifest.synchronous = value == "true";
  } else if (key == "node") {
    auto node = parse_node(value);
    if (!node) return fail(node.error().message);
    manifest.nodes.push_back(std::move(*node));
  } else {
    return fail("unknown key: " + std::string(key));
  }
  return {};
}

}  // namespace

std::string format_manifest(const ClusterManifest& manifest) {
  std::string text = "# pgwarden test bed cluster\n";
  for (const auto& [key, field] : string_fields()) {
    text += std::string(key) + " = " + manifest.*field + "\n";
  }
  text += std::string("synchronous = ") + (manifest.synchronous ? "true" : "false") + "\n";
  for (const auto& node : manifest.nodes) {
    text += "node = " + node.name + " " + std::to_string(node.port) + "\n";
  }
  return text;
}

Result<ClusterManifest> parse_manifest(std::string_view text) {
  ClusterManifest manifest;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    if (auto applied = apply_line(manifest, line); !applied) return fail(applied.error().message);
  }
  if (manifest.nodes.empty()) return fail("manifest lists no node");
  if (manifest.os_user.empty() || manifest.bin_dir.empty()) {
    return fail("manifest lacks os_user or bin_dir");
  }
  return manifest;
}

}  // namespace pgw::testbed
