#pragma once
/// Subprocesses without a shell: run a program to completion and capture its output, or start a
/// long-running one in the background. When running as root, either can run as another OS user.
///
/// Every child starts with a clean slate: default signal dispositions and an empty signal mask,
/// stdin from /dev/null unless given, and no inherited file descriptor other than 0, 1 and 2 (so
/// that a test's listening sockets never leak into, say, a postmaster). All functions are
/// thread-safe; the child side of fork() only makes async-signal-safe calls.

#include <utility>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/result.hpp"

namespace pgw {

/// What to start. Shared by run_process() and spawn_background().
struct ProcessSpec {
  /// argv[0] is a path, or a bare name looked up in PATH. Never interpreted by a shell.
  std::vector<std::string> argv;
  /// Empty: the current user. Otherwise the child switches to this user (supplementary groups,
  /// gid, uid) before exec, with HOME, USER and LOGNAME set to it; needs root unless it names the
  /// current user.
  std::string user;
  /// Added to (or replacing) the inherited environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// Empty: inherit the current directory, or "/" when switching user (the caller's directory
  /// may not be reachable by that user).
  std::string working_dir;
};

struct RunOptions {
  /// Written to the child's stdin, which is then closed. Empty optional: stdin is /dev/null.
  std::optional<std::string> stdin_text;
  /// After this, the child's whole process group gets SIGKILL.
  std::chrono::milliseconds timeout{60'000};
  /// Only the last `output_limit` bytes of output are kept.
  std::size_t output_limit = 64 * 1024;
};

struct RunResult {
  int exit_code = -1;  ///< -1 when the child did not exit normally
  int signal = 0;      ///< the signal that ended it, or 0
  bool timed_out = false;
  bool truncated = false;  ///< output lost its beginning to output_limit
  std::string output;      ///< stdout and stderr, interleaved as written

  bool success() const { return exit_code == 0 && signal == 0 && !timed_out; }
  /// "exit code 2", "killed by signal 9", "timed out" - for error messages.
  std::string status_text() const;
};

/// Runs `spec` in a new process group and waits for it (or for the timeout), capturing stdout
/// and stderr through one pipe. Returns once the child has exited even if a grandchild still
/// holds the pipe open. Fails only when the program could not be started (not found, user
/// unknown, exec error); a non-zero exit is a successful RunResult.
Result<RunResult> run_process(const ProcessSpec& spec, const RunOptions& options = {});

struct SpawnOptions {
  /// stdout and stderr are appended to this file, created mode 0600 by the target user.
  /// Empty: /dev/null.
  std::string log_file;
  /// Non-zero: the child receives this signal when the thread that spawned it exits
  /// (Linux PR_SET_PDEATHSIG; note: the *thread*, not the process). Use only from a thread
  /// that outlives the child, such as a test's main thread.
  int parent_death_signal = 0;
};

/// Starts `spec` in its own session (setsid), without waiting. The child is ours: reap it with
/// wait_for_exit() or process_alive().
Result<pid_t> spawn_background(const ProcessSpec& spec, const SpawnOptions& options = {});

/// True while `pid` exists and is not a zombie. Reaps it when it is our exited child.
bool process_alive(pid_t pid);

/// kill(pid, sig); false when pid <= 0 or the signal could not be sent.
bool send_signal(pid_t pid, int sig);

/// Polls until `pid` is gone (reaping it if it is our child) or the timeout passes.
/// Returns true when it is gone.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

struct UserInfo {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

/// The passwd entry of `name`.
Result<UserInfo> lookup_user(const std::string& name);

/// The OS user to run servers such as PostgreSQL (which refuses root) as. Not root: the current
/// user. Root: "postgres" if it exists; else a system user "pgwarden" (no login shell, no home),
/// created once with useradd. The answer is cached for the life of the process.
Result<std::string> find_unprivileged_user();

}  // namespace pgw
