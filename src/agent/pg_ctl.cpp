#include "agent/pg_ctl.hpp"

#include <algorithm>

namespace pgw::agent {
namespace {

std::string seconds_arg(std::chrono::seconds wait) {
  return std::to_string(std::max<std::chrono::seconds::rep>(1, wait.count()));
}

std::vector<std::string> pg_ctl(const ServerPaths& paths, std::string action) {
  return {paths.bin_directory + "/pg_ctl", std::move(action), "-D", paths.data_directory};
}

}  // namespace

std::string_view stop_mode_name(StopMode mode) {
  return mode == StopMode::kImmediate ? "immediate" : "fast";
}

std::vector<std::string> pg_ctl_status_argv(const ServerPaths& paths) {
  return pg_ctl(paths, "status");
}

std::vector<std::string> pg_ctl_start_argv(const ServerPaths& paths, std::chrono::seconds wait) {
  auto argv = pg_ctl(paths, "start");
  argv.insert(argv.end(), {"-w", "-t", seconds_arg(wait), "-l", paths.log_file});
  return argv;
}

std::vector<std::string> pg_ctl_stop_argv(const ServerPaths& paths, StopMode mode,
                                          std::chrono::seconds wait) {
  auto argv = pg_ctl(paths, "stop");
  argv.insert(argv.end(), {"-m", std::string(stop_mode_name(mode)), "-w", "-t", seconds_arg(wait)});
  return argv;
}

std::vector<std::string> pg_ctl_restart_argv(const ServerPaths& paths, StopMode mode,
                                             std::chrono::seconds wait) {
  auto argv = pg_ctl(paths, "restart");
  argv.insert(argv.end(), {"-m", std::string(stop_mode_name(mode)), "-w", "-t", seconds_arg(wait),
                           "-l", paths.log_file});
  return argv;
}

std::vector<std::string> pg_ctl_reload_argv(const ServerPaths& paths) {
  return pg_ctl(paths, "reload");
}

std::vector<std::string> pg_ctl_promote_argv(const ServerPaths& paths, std::chrono::seconds wait) {
  auto argv = pg_ctl(paths, "promote");
  argv.insert(argv.end(), {"-w", "-t", seconds_arg(wait)});
  return argv;
}

std::vector<std::string> pg_controldata_argv(const ServerPaths& paths) {
  return {paths.bin_directory + "/pg_controldata", "-D", paths.data_directory};
}

ProcessSpec server_program(const ServerPaths& paths, std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.user = paths.os_user;
  spec.env = {{"LC_ALL", "C"}, {"LANG", "C"}};
  spec.working_dir = "/";
  return spec;
}

Result<RunResult> run_server_program(const ServerPaths& paths, std::vector<std::string> argv,
                                     std::chrono::milliseconds timeout) {
  RunOptions options;
  options.timeout = timeout;
  options.output_limit = 16 * 1024;
  return run_process(server_program(paths, std::move(argv)), options);
}

}  // namespace pgw::agent
