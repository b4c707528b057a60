#pragma once
/// The fixed set of PostgreSQL programs the agent runs, as argument vectors (pure, testable)
/// and as blocking runs through run_process(): never a shell, never a command from a request.

#include <chrono>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "common/result.hpp"

namespace pgw::agent {

enum class StopMode { kFast, kImmediate };

/// "fast" or "immediate".
std::string_view stop_mode_name(StopMode mode);

/// What the programs need to know about the node.
struct ServerPaths {
  std::string bin_directory;
  std::string data_directory;
  std::string log_file;  ///< pg_ctl start -l
  std::string os_user;   ///< empty: the agent's own user
};

/// pg_ctl's exit code for `status` when no server runs (3) - as opposed to 4, "no data
/// directory", and 0, running.
inline constexpr int kPgCtlNotRunning = 3;

/// Argument vectors. `wait` bounds pg_ctl's own wait (-t, whole seconds, at least 1).
std::vector<std::string> pg_ctl_status_argv(const ServerPaths& paths);
std::vector<std::string> pg_ctl_start_argv(const ServerPaths& paths, std::chrono::seconds wait);
std::vector<std::string> pg_ctl_stop_argv(const ServerPaths& paths, StopMode mode,
                                          std::chrono::seconds wait);
std::vector<std::string> pg_ctl_restart_argv(const ServerPaths& paths, StopMode mode,
                                             std::chrono::seconds wait);
std::vector<std::string> pg_ctl_reload_argv(const ServerPaths& paths);
std::vector<std::string> pg_ctl_promote_argv(const ServerPaths& paths, std::chrono::seconds wait);
std::vector<std::string> pg_controldata_argv(const ServerPaths& paths);

/// The spec for `argv` (as the OS user, LC_ALL=C so that outputs parse, working directory "/").
ProcessSpec server_program(const ServerPaths& paths, std::vector<std::string> argv);

/// Runs `argv` to completion, bounded by `timeout`. Blocks: call it off the I/O thread.
/// Fails only when the program could not be started.
Result<RunResult> run_server_program(const ServerPaths& paths, std::vector<std::string> argv,
                                     std::chrono::milliseconds timeout);

}  // namespace pgw::agent
