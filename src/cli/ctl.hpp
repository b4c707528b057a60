#pragma once
/// `pgwarden ctl`: operator commands, run against a pgwarden daemon's admin HTTP API only
/// (docs/admin-api.md).

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace pgw::cli {

/// Exit codes of run_ctl.
inline constexpr int kCtlOk = 0;
/// pgwarden answered with an error: a refused token, an unknown node, a role change it refused
/// or that failed, an answer that cannot be read.
inline constexpr int kCtlRefused = 1;
/// A usage error (unknown command, missing node, malformed --admin, unreadable token file), or
/// the admin API could not be reached.
inline constexpr int kCtlUsage = 2;

struct CtlOptions {
  /// The admin API, "host:port" or "[ipv6]:port" (main() fills it from --admin or
  /// PGWARDEN_ADMIN).
  std::string admin = "127.0.0.1:6433";
  /// "nodes" (SHOW POOL_NODES as a table), "version", "events", or a state-changing command:
  /// "detach", "attach", "promote", "switchover".
  std::string command;
  /// The node of detach, attach, promote and switchover (its --to): a name or an id.
  std::string node;
  /// promote --force: skip the lag and synchronous checks.
  bool force = false;
  /// events --after: only the events with a greater id.
  std::uint64_t after = 0;
  /// The admin token; when empty, the file `token_file` (if set) holds it. Sent with every
  /// request when known.
  std::string token;
  std::string token_file;
  /// Where token_file came from, for messages ("--token-file", "PGWARDEN_ADMIN_TOKEN_FILE").
  std::string token_file_origin = "--token-file";
  /// Print the API's JSON as received instead of a table or a message.
  bool json = false;
  /// For the whole HTTP exchange; 0: 5 s for the views, 180 s for the state-changing
  /// commands (a switchover waits for the standby to catch up, then for the promotion).
  std::chrono::milliseconds timeout{0};
};

/// Fills options.token or options.token_file from, in this order of precedence: the
/// --token-file value (`token_file_flag`, empty when not given), $PGWARDEN_ADMIN_TOKEN (the
/// token itself), $PGWARDEN_ADMIN_TOKEN_FILE (a null or empty value is unset).
void choose_token_source(CtlOptions& options, const std::string& token_file_flag,
                         const char* token_env, const char* token_file_env);

/// Runs one command; results go to `out`, errors (one line, prefixed "pgwarden ctl: ") to
/// `err`. Returns kCtlOk, kCtlRefused or kCtlUsage.
int run_ctl(const CtlOptions& options, std::ostream& out, std::ostream& err);
/// The same on stdout / stderr.
int run_ctl(const CtlOptions& options);

}  // namespace pgw::cli
