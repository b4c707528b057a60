#pragma once
/// What a kept cluster needs to be reattached by a later process (`pgwarden sandbox down`):
/// written as "key = value" lines to <cluster dir>/cluster.manifest, mode 0600 (it holds the
/// generated passwords).

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pgw::testbed {

inline constexpr std::string_view kManifestFile = "cluster.manifest";

struct ManifestNode {
  std::string name;
  int port = 0;
};

struct ClusterManifest {
  std::string os_user;
  std::string bin_dir;
  std::string superuser_password;
  std::string monitor_password;
  std::string repl_password;
  std::string app_user;
  std::string app_password;
  std::string app_database;
  bool synchronous = false;
  std::vector<ManifestNode> nodes;  ///< nodes[0] was built as the primary

  bool operator==(const ClusterManifest&) const = default;
};

std::string format_manifest(const ClusterManifest& manifest);
/// Fails on an unknown key, a malformed line, a missing field or no node.
Result<ClusterManifest> parse_manifest(std::string_view text);

}  // namespace pgw::testbed
