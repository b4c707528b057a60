#include "common/process.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX

namespace pgw {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kFallbackUser = "pgwarden";

/// Owns one file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// The steps of the child between fork() and exec(), named in error messages.
enum class ChildStep : int { kSession, kStdin, kGroups, kGid, kUid, kChdir, kOutput, kExec };

const char* step_name(ChildStep step) {
  switch (step) {
    case ChildStep::kSession:
      return "setsid/setpgid";
    case ChildStep::kStdin:
      return "stdin";
    case ChildStep::kGroups:
      return "setgroups";
    case ChildStep::kGid:
      return "setgid";
    case ChildStep::kUid:
      return "setuid";
    case ChildStep::kChdir:
      return "chdir";
    case ChildStep::kOutput:
      return "output";
    case ChildStep::kExec:
      return "exec";
  }
  return "?";
}

struct ChildError {
  ChildStep step;
  int err;
};

/// Everything the child needs, prepared before fork() so that the child allocates nothing.
struct LaunchPlan {
  std::string exe;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> arg_ptrs;
  std::vector<char*> env_ptrs;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string cwd;
  int stdin_fd = -1;   // -1: /dev/null
  int output_fd = -1;  // -1: log_file, or /dev/null when that is empty
  std::string log_file;
  bool new_session = false;  // setsid(); otherwise a new process group
  int parent_death_signal = 0;
  pid_t parent_pid = 0;
  int max_fd = 1024;
};

Result<std::string> resolve_executable(const std::string& name) {
  if (name.empty()) return fail("empty program name");
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return fail(name + ": not found in PATH");
}

std::vector<gid_t> group_list(const UserInfo& user) {
  std::vector<gid_t> groups(32);
  for (;;) {
    int n = static_cast<int>(groups.size());
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &n) >= 0) {
      groups.resize(static_cast<std::size_t>(n));
      return groups;
    }
    groups.resize(static_cast<std::size_t>(std::max(n, static_cast<int>(groups.size()) * 2)));
  }
}

std::vector<std::string> build_env(const ProcessSpec& spec, const UserInfo* user) {
  std::map<std::string, std::string> overrides;
  if (user != nullptr) {
    overrides["HOME"] = user->home;
    overrides["USER"] = user->name;
    overrides["LOGNAME"] = user->name;
  }
  for (const auto& [key, value] : spec.env)
    overrides[key] = value;
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (!overrides.contains(std::string(text.substr(0, text.find('='))))) env.emplace_back(text);
  }
  for (const auto& [key, value] : overrides)
    env.push_back(key + "=" + value);
  return env;
}

Result<LaunchPlan> prepare(const ProcessSpec& spec) {
  if (spec.argv.empty()) return fail("empty argv");
  auto exe = resolve_executable(spec.argv[0]);
  if (!exe) return fail(exe.error().message);
  LaunchPlan plan;
  plan.exe = std::move(*exe);
  plan.args = spec.argv;
  std::optional<UserInfo> user;
  if (!spec.user.empty()) {
    auto info = lookup_user(spec.user);
    if (!info) return fail(info.error().message);
    if (info->uid != ::geteuid()) {
      if (::geteuid() != 0) return fail("cannot run as " + spec.user + ": not root");
      plan.switch_user = true;
      plan.uid = info->uid;
      plan.gid = info->gid;
      plan.groups = group_list(*info);
    }
    user = std::move(*info);
  }
  plan.env = build_env(spec, user ? &*user : nullptr);
  plan.cwd = spec.working_dir.empty() && plan.switch_user ? "/" : spec.working_dir;
  plan.max_fd = static_cast<int>(std::clamp(::sysconf(_SC_OPEN_MAX), 256L, 65536L));
  plan.parent_pid = ::getpid();
  return plan;
}

[[noreturn]] void child_fail(int err_fd, ChildStep step) {
  ChildError error{step, errno};
  [[maybe_unused]] ssize_t n = ::write(err_fd, &error, sizeof error);
  ::_exit(127);
}

void close_inherited(int keep, int max_fd) {
  bool closed = ::close_range(static_cast<unsigned>(keep) + 1, ~0U, 0) == 0 &&
                (keep <= 3 || ::close_range(3, static_cast<unsigned>(keep) - 1, 0) == 0);
  if (closed) return;
  for (int fd = 3; fd < max_fd; ++fd) {
    if (fd != keep) ::close(fd);
  }
}

// Runs in the child of fork(): async-signal-safe calls only.
[[noreturn]] void run_child(const LaunchPlan& plan, int err_fd) {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);  // KILL/STOP: harmless

  if ((plan.new_session ? ::setsid() : ::setpgid(0, 0)) < 0)
    child_fail(err_fd, ChildStep::kSession);
  int in = plan.stdin_fd >= 0 ? plan.stdin_fd : ::open("/dev/null", O_RDONLY);
  if (in < 0 || ::dup2(in, 0) < 0) child_fail(err_fd, ChildStep::kStdin);
  if (plan.switch_user) {
    if (::setgroups(plan.groups.size(), plan.groups.data()) < 0) {
      child_fail(err_fd, ChildStep::kGroups);
    }
    if (::setgid(plan.gid) < 0) child_fail(err_fd, ChildStep::kGid);
    if (::setuid(plan.uid) < 0) child_fail(err_fd, ChildStep::kUid);
  }
  if (!plan.cwd.empty() && ::chdir(plan.cwd.c_str()) < 0) child_fail(err_fd, ChildStep::kChdir);
  int out = plan.output_fd;
  if (out < 0 && plan.log_file.empty()) out = ::open("/dev/null", O_WRONLY);
  if (out < 0 && !plan.log_file.empty()) {
    out = ::open(plan.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  }
  if (out < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) child_fail(err_fd, ChildStep::kOutput);
  close_inherited(err_fd, plan.max_fd);
  if (plan.parent_death_signal != 0) {
    // Set after setuid(), which clears it; then close the race with a parent already gone.
    ::prctl(PR_SET_PDEATHSIG, plan.parent_death_signal);
    if (::getppid() != plan.parent_pid) ::_exit(1);
  }
  ::execve(plan.exe.c_str(), plan.arg_ptrs.data(), plan.env_ptrs.data());
  child_fail(err_fd, ChildStep::kExec);
}

Result<pid_t> launch(LaunchPlan& plan) {
  plan.arg_ptrs.clear();
  for (auto& arg : plan.args)
    plan.arg_ptrs.push_back(arg.data());
  plan.arg_ptrs.push_back(nullptr);
  plan.env_ptrs.clear();
  for (auto& var : plan.env)
    plan.env_ptrs.push_back(var.data());
  plan.env_ptrs.push_back(nullptr);

  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) < 0) return fail(std::string("pipe: ") + std::strerror(errno));
  UniqueFd err_read(err_pipe[0]);
  UniqueFd err_write(err_pipe[1]);
  pid_t pid = ::fork();
  if (pid < 0) return fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) run_child(plan, err_write.get());
  err_write.reset();
  ChildError error{};
  ssize_t n = 0;
  do {
    n = ::read(err_read.get(), &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof error)) return pid;  // EOF: exec closed the pipe
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return fail(plan.args[0] + ": " + step_name(error.step) + ": " + std::strerror(error.err));
}

/// Keeps the last `limit` bytes written to it.
class OutputTail {
 public:
  explicit OutputTail(std::size_t limit) : limit_(limit) {}
  void append(const char* data, std::size_t size) {
    text_.append(data, size);
    if (text_.size() > 2 * limit_ + 65536) trim();
  }
  void trim() {
    if (text_.size() <= limit_) return;
    text_.erase(0, text_.size() - limit_);
    truncated_ = true;
  }
  std::string& text() { return text_; }
  bool truncated() const { return truncated_; }

 private:
  std::size_t limit_;
  std::string text_;
  bool truncated_ = false;
};

/// One non-blocking read into `tail`; false (and closes `fd`) at EOF or on an error.
bool read_some(UniqueFd& fd, OutputTail& tail) {
  char buffer[65536];
  ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n > 0) {
    tail.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  fd.reset();
  return false;
}

/// waitpid(WNOHANG): true once `pid` has exited, with its status in `status` (0 if unknown).
bool reap(pid_t pid, int& status) {
  pid_t r = 0;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) status = 0;  // ECHILD: reaped behind our back (SIGCHLD ignored)
  return r != 0;
}

struct Pipes {
  UniqueFd output;
  UniqueFd input;
  UniqueFd pidfd;
};

/// Relays stdin and output until the child exits or the deadline passes.
RunResult collect(pid_t pid, Pipes& pipes, const std::string& input, const RunOptions& options) {
  RunResult result;
  OutputTail tail(options.output_limit);
  std::size_t written = 0;
  int status = 0;
  bool exited = false;
  const auto deadline = SteadyClock::now() + options.timeout;
  while (!(exited = reap(pid, status))) {
    auto remaining = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now()).count();
    if (remaining <= 0) break;
    pollfd fds[3] = {{pipes.output.get(), POLLIN, 0},
                     {pipes.input.get(), POLLOUT, 0},
                     {pipes.pidfd.get(), POLLIN, 0}};
    // Without a pidfd, the child's exit only shows through polling.
    int wait_ms = static_cast<int>(std::min<long>(remaining, pipes.pidfd.valid() ? 1000 : 10));
    if (::poll(fds, 3, wait_ms) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) read_some(pipes.output, tail);
    if (fds[1].revents & (POLLERR | POLLHUP)) pipes.input.reset();
    if (pipes.input.valid() && (fds[1].revents & POLLOUT)) {
      ssize_t n = ::send(pipes.input.get(), input.data() + written, input.size() - written,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (written == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        pipes.input.reset();
      }
    }
  }
  if (!exited) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.timed_out = true;
  }
  // Take what is already in the pipe, but do not wait for a grandchild that inherited it.
  while (pipes.output.valid() && read_some(pipes.output, tail)) {
  }
  tail.trim();
  result.output = std::move(tail.text());
  result.truncated = tail.truncated();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

bool is_zombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  std::size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return false;
  char state = line[paren + 2];
  return state == 'Z' || state == 'X';
}

Result<std::string> pick_unprivileged_user() {
  if (::geteuid() != 0) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    ::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr) return fail("the current uid has no passwd entry");
    return std::string(found->pw_name);
  }
  if (lookup_user("postgres")) return std::string("postgres");
  if (lookup_user(kFallbackUser)) return std::string(kFallbackUser);
  std::string useradd = ::access("/usr/sbin/useradd", X_OK) == 0 ? "/usr/sbin/useradd" : "useradd";
  auto run =
      run_process({.argv = {useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
                            "/nonexistent", "--shell", "/usr/sbin/nologin", kFallbackUser}});
  if (!run) return fail("useradd: " + run.error().message);
  if (!run->success()) return fail("useradd: " + run->status_text() + ": " + run->output);
  return std::string(kFallbackUser);
}

}  // namespace

std::string RunResult::status_text() const {
  if (timed_out) return "timed out";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

Result<RunResult> run_process(const ProcessSpec& spec, const RunOptions& options) {
  auto plan = prepare(spec);
  if (!plan) return fail(plan.error().message);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) < 0) return fail(std::string("pipe: ") + std::strerror(errno));
  Pipes pipes{UniqueFd(out[0]), {}, {}};
  UniqueFd child_out(out[1]);
  UniqueFd child_in;
  if (options.stdin_text) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
      return fail(std::string("socketpair: ") + std::strerror(errno));
    }
    pipes.input.reset(pair[0]);
    child_in.reset(pair[1]);
  }
  plan->output_fd = child_out.get();
  plan->stdin_fd = child_in.get();
  auto pid = launch(*plan);
  child_out.reset();
  child_in.reset();
  if (!pid) return fail(pid.error().message);
  ::fcntl(pipes.output.get(), F_SETFL, O_NONBLOCK);
  pipes.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0)));
  static const std::string kNoInput;
  return collect(*pid, pipes, options.stdin_text ? *options.stdin_text : kNoInput, options);
}

Result<pid_t> spawn_background(const ProcessSpec& spec, const SpawnOptions& options) {
  auto plan = prepare(spec);
  if (!plan) return fail(plan.error().message);
  plan->new_session = true;
  plan->log_file = options.log_file;
  plan->parent_death_signal = options.parent_death_signal;
  return launch(*plan);
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return false;
  if (r == 0) return true;
  // Not our child: it exists unless kill() says otherwise; a zombie counts as gone.
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  return !is_zombie(pid);
}

bool send_signal(pid_t pid, int sig) {
  return pid > 0 && ::kill(pid, sig) == 0;
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  auto step = milliseconds(1);
  while (process_alive(pid)) {
    auto now = SteadyClock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(step, deadline - now));
    step = std::min(step * 2, milliseconds(20));
  }
  return true;
}

Result<UserInfo> lookup_user(const std::string& name) {
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  int rc = 0;
  while ((rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
         ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr) {
    return fail("unknown OS user " + name + (rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
  }
  return UserInfo{found->pw_name, found->pw_uid, found->pw_gid, found->pw_dir};
}

Result<std::string> find_unprivileged_user() {
  static std::mutex mutex;
  static std::string cached;
  std::lock_guard lock(mutex);
  if (!cached.empty()) return cached;
  auto user = pick_unprivileged_user();
  if (user) cached = *user;
  return user;
}

}  // namespace pgw
