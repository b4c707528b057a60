#pragma once
/// The subcommands of the `pgwarden` binary. Each returns the process exit code.

#include <string>

namespace pgw::app {

int run_proxy(const std::string& config_path);
int check_config(const std::string& config_path);
/// `pgwarden agent`: the node agent configured by `config_path` (agent.toml).
int run_agent(const std::string& config_path);
/// Writes (or prints, with an empty file) a SCRAM-SHA-256 secret for `user`; the password is
/// read from the terminal without echo, or as one line from stdin.
int set_password(const std::string& passwords_file, const std::string& user, int iterations);

struct SandboxOptions {
  std::string dir;
  int standbys = 2;
  int port = 0;  ///< proxy port; 0 picks a free one
};
int sandbox_up(const SandboxOptions& options);
int sandbox_down(const SandboxOptions& options);
int sandbox_status(const SandboxOptions& options);

}  // namespace pgw::app
