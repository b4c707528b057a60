#pragma once
/// `pgwarden ctl`: operator commands, run against a pgwarden daemon's admin HTTP API only.

#include <chrono>
#include <iosfwd>
#include <string>

namespace pgw::cli {

/// Exit codes of run_ctl.
inline constexpr int kCtlOk = 0;
inline constexpr int kCtlFailed = 1;  ///< the API could not be reached or answered an error
inline constexpr int kCtlUsage = 2;   ///< unknown command, malformed --admin address

struct CtlOptions {
  /// The admin API, "host:port" or "[ipv6]:port" (main() fills it from --admin or
  /// PGWARDEN_ADMIN).
  std::string admin = "127.0.0.1:6433";
  /// "nodes" (SHOW POOL_NODES as a table) or "version".
  std::string command;
  /// Print the API's JSON as received instead of a table.
  bool json = false;
  /// For the whole HTTP exchange.
  std::chrono::milliseconds timeout{5000};
};

/// Runs one command; results go to `out`, errors (one line, prefixed "pgwarden ctl: ") to
/// `err`. Returns kCtlOk, kCtlFailed or kCtlUsage.
int run_ctl(const CtlOptions& options, std::ostream& out, std::ostream& err);
/// The same on stdout / stderr.
int run_ctl(const CtlOptions& options);

}  // namespace pgw::cli
