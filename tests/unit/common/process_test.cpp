#include "common/process.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pgw {
namespace {

using std::chrono::milliseconds;
using testing::HasSubstr;
using testing::Not;

RunResult run_ok(ProcessSpec spec, RunOptions options = {}) {
  auto result = run_process(spec, options);
  EXPECT_TRUE(result) << (result ? "" : result.error().message);
  return result ? *result : RunResult{};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pgw-process-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(RunProcess, CapturesStdoutAndStderrAndExitCode) {
  auto r = run_ok({.argv = {"/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.output, "to-out\nto-err\n");
}

TEST(RunProcess, SearchesPathAndPassesArgumentsVerbatim) {
  auto r = run_ok({.argv = {"echo", "$HOME; rm -rf /", "'quoted'"}});
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.output, "$HOME; rm -rf / 'quoted'\n");
}

TEST(RunProcess, ReportsTheSignalThatEndedTheChild) {
  auto r = run_ok({.argv = {"/bin/sh", "-c", "kill -TERM $$"}});
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.status_text(), "killed by signal 15");
}

TEST(RunProcess, FeedsStdinText) {
  std::string big(300'000, 'x');
  auto r = run_ok({.argv = {"/bin/cat"}}, {.stdin_text = "hello\n" + big, .output_limit = 1 << 20});
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.output, "hello\n" + big);
}

TEST(RunProcess, StdinIsDevNullByDefault) {
  auto r = run_ok({.argv = {"/bin/cat"}}, {.timeout = milliseconds(5000)});
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.output, "");
}

TEST(RunProcess, KeepsOnlyTheLastBytesOfOutput) {
  auto r = run_ok({.argv = {"/bin/sh", "-c", "head -c 200000 /dev/zero; echo END"}},
                  {.output_limit = 1000});
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_TRUE(r.output.ends_with("\0END\n")) << r.output.substr(990);
}

TEST(RunProcess, SetsEnvironmentAndWorkingDirectory) {
  TempDir dir;
  auto r = run_ok({.argv = {"/bin/sh", "-c", "echo \"$PGW_TEST_VAR\"; pwd"},
                   .env = {{"PGW_TEST_VAR", "forty two"}},
                   .working_dir = dir.path()});
  EXPECT_EQ(r.output, "forty two\n" + dir.path() + "\n");
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  const auto start = std::chrono::steady_clock::now();
  // The shell prints its background child's pid, then waits for it.
  auto r = run_ok({.argv = {"/bin/sh", "-c", "sleep 30 & echo $!; wait"}},
                  {.timeout = milliseconds(1000)});
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.success());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  pid_t grandchild = std::atoi(r.output.c_str());
  ASSERT_GT(grandchild, 0) << r.output;
  EXPECT_TRUE(wait_for_exit(grandchild, milliseconds(5000)));
}

TEST(RunProcess, ReturnsOnceTheChildExitsEvenIfAGrandchildHoldsTheOutput) {
  const auto start = std::chrono::steady_clock::now();
  // A background grandchild keeps stdout open for 10 s after the shell exits.
  auto r = run_ok({.argv = {"/bin/sh", "-c", "sleep 10 & echo $!; exit 0"}});
  EXPECT_TRUE(r.success());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  send_signal(std::atoi(r.output.c_str()), SIGKILL);
}

TEST(RunProcess, FailsWhenTheProgramCannotStart) {
  auto missing = run_process({.argv = {"/nonexistent/program"}});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("No such file"));
  EXPECT_FALSE(run_process({.argv = {"pgw-no-such-program-anywhere"}}));
  EXPECT_FALSE(run_process({.argv = {}}));
  TempDir dir;
  auto bad_dir = run_process({.argv = {"/bin/true"}, .working_dir = dir.path() + "/missing"});
  ASSERT_FALSE(bad_dir);
  EXPECT_THAT(bad_dir.error().message, HasSubstr("chdir"));
}

TEST(RunProcess, DoesNotLeakInheritableDescriptorsIntoTheChild) {
  TempDir dir;
  const std::string marker = dir.path() + "/leak-marker";
  int fd = ::open(marker.c_str(), O_CREAT | O_WRONLY, 0600);  // deliberately not O_CLOEXEC
  ASSERT_GE(fd, 3);
  auto r = run_ok({.argv = {"/bin/ls", "-l", "/proc/self/fd/"}});
  ::close(fd);
  EXPECT_TRUE(r.success()) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("leak-marker")));
}

TEST(RunProcess, RunsAsAnotherUserWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto user = find_unprivileged_user();
  ASSERT_TRUE(user) << user.error().message;
  auto info = lookup_user(*user);
  ASSERT_TRUE(info);
  auto r = run_ok({.argv = {"/bin/sh", "-c", "id -u; echo \"$HOME\"; pwd"}, .user = *user});
  EXPECT_EQ(r.output, std::to_string(info->uid) + "\n" + info->home + "\n/\n");
}

TEST(RunProcess, RefusesAnotherUserWhenNotRoot) {
  auto refused = [] {
    auto r = run_process({.argv = {"/bin/true"}, .user = "root"});
    return !r && r.error().message.find("not root") != std::string::npos;
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(refused());
    return;
  }
  // Running as root: check it from a child process that has given root up.
  auto user = find_unprivileged_user();
  ASSERT_TRUE(user) << user.error().message;
  auto info = lookup_user(*user);
  ASSERT_TRUE(info);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(info->gid) != 0 || ::setuid(info->uid) != 0) ::_exit(2);
    ::_exit(refused() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST(FindUnprivilegedUser, IsNeverRoot) {
  auto user = find_unprivileged_user();
  ASSERT_TRUE(user) << user.error().message;
  auto info = lookup_user(*user);
  ASSERT_TRUE(info);
  if (::geteuid() == 0) {
    EXPECT_NE(info->uid, 0u);
  } else {
    EXPECT_EQ(info->uid, ::geteuid());
  }
  EXPECT_EQ(*find_unprivileged_user(), *user);
}

TEST(LookupUser, KnowsRootAndRejectsUnknownNames) {
  auto root = lookup_user("root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_FALSE(lookup_user("pgw-no-such-user"));
}

bool wait_for_text(const std::string& path, const std::string& text, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (read_file(path).find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(SpawnBackground, RunsInItsOwnSessionAndLogsToAFile) {
  TempDir dir;
  const std::string log = dir.path() + "/child.log";
  auto pid = spawn_background(
      {.argv = {"/bin/sh", "-c", "echo started; echo oops >&2; exec sleep 30"}}, {.log_file = log});
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_TRUE(wait_for_text(log, "started\noops\n", milliseconds(5000))) << read_file(log);
  EXPECT_TRUE(process_alive(*pid));
  EXPECT_EQ(::getsid(*pid), *pid);
  EXPECT_EQ(std::filesystem::status(log).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(send_signal(*pid, SIGTERM));
  EXPECT_TRUE(wait_for_exit(*pid, milliseconds(5000)));
  EXPECT_FALSE(process_alive(*pid));
  EXPECT_FALSE(send_signal(*pid, 0));
}

TEST(SpawnBackground, WaitForExitGivesUpAtTheDeadline) {
  auto pid = spawn_background({.argv = {"/bin/sleep", "30"}});
  ASSERT_TRUE(pid) << pid.error().message;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_for_exit(*pid, milliseconds(100)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_TRUE(send_signal(*pid, SIGKILL));
  EXPECT_TRUE(wait_for_exit(*pid, milliseconds(5000)));
}

TEST(SpawnBackground, ParentDeathSignalReachesTheChildWhenTheSpawningThreadEnds) {
  pid_t child = 0;
  std::thread spawner([&child] {
    auto pid = spawn_background({.argv = {"/bin/sleep", "30"}}, {.parent_death_signal = SIGTERM});
    if (pid) child = *pid;
  });
  spawner.join();
  ASSERT_GT(child, 0);
  EXPECT_TRUE(wait_for_exit(child, milliseconds(5000)));
}

TEST(ProcessAlive, IsFalseForNonPositivePids) {
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-1));
  EXPECT_TRUE(process_alive(::getpid()));
}

}  // namespace
}  // namespace pgw
