#pragma once
/// The run-time settings a client asked for in its startup packet, and the SET statements that
/// apply them to a pooled server connection. Pooled connections are opened with only user and
/// database, so that the reset query (DISCARD ALL, which includes RESET ALL) returns them to the
/// server's defaults; each client's settings are then applied on checkout, skipping those the
/// server already reports with the same value.

#include <utility>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "pool/server_connection.hpp"
#include "protocol/startup.hpp"

namespace pgw::proxy {

using Settings = std::vector<std::pair<std::string, std::string>>;

/// Settings from the startup parameters: every parameter except user, database, replication
/// and `_pq_.` protocol options, plus the `-c name=value` / `--name=value` switches of
/// `options`. Fails with a message for the client when `options` holds anything else or a
/// name is not a valid setting name.
Result<Settings> settings_from_startup(const protocol::StartupMessage& startup);

/// Splits a libpq `options` string: whitespace separates switches, a backslash escapes the
/// next character (as PostgreSQL's pg_split_opts does).
Result<Settings> parse_options_switches(std::string_view options);

/// "SET name TO 'value';..." for every setting whose value differs from what the server
/// reports (names compare case-insensitively); empty when nothing needs to be sent.
std::string build_set_statements(const Settings& wanted, const pool::ParameterSet& server);

/// PostgreSQL string literal with standard_conforming_strings: quotes doubled.
std::string quote_literal(std::string_view value);
bool is_valid_setting_name(std::string_view name);

}  // namespace pgw::proxy
