#pragma once
/// libpq connection strings ("host=a port=5432 user='x y'"), read and rewritten: re-pointing a
/// standby keeps its primary_conninfo (user, password, application_name, sslmode ...) and
/// changes only where it connects. Pure functions.

#include <utility>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pgw::cluster {

using ConninfoPairs = std::vector<std::pair<std::string, std::string>>;

/// Parses keyword=value pairs (values may be single-quoted with \' and \\ escapes).
Result<ConninfoPairs> parse_conninfo(std::string_view text);
/// Writes pairs back, quoting values that need it.
std::string format_conninfo(const ConninfoPairs& pairs);
/// `text` with host and port replaced (added when missing); hostaddr is dropped.
Result<std::string> rewrite_conninfo_target(std::string_view text, const std::string& host,
                                            std::uint16_t port);

}  // namespace pgw::cluster
