// pgwarden: one binary, several subcommands (DESIGN.md).

#include <chrono>
#include <csignal>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/version.hpp"
#include "cli/ctl.hpp"

int main(int argc, char** argv) {
  using namespace pgw::app;
  // TLS connections write through OpenSSL's socket BIO (write(2), not send with
  // MSG_NOSIGNAL): a peer that vanished must cost an EPIPE, never the process.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"pgwarden: high-availability proxy for PostgreSQL streaming replication"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("pgwarden ") + kVersion);

  std::string config_path = "pgwarden.toml";
  auto* run = cli.add_subcommand("run", "run the proxy");
  run->add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  std::string agent_config_path = "agent.toml";
  auto* agent = cli.add_subcommand("agent", "run the node agent beside a PostgreSQL server");
  agent->add_option("-c,--config", agent_config_path, "agent configuration file")
      ->capture_default_str();

  auto* check = cli.add_subcommand("check-config", "validate a configuration and its files");
  check->add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  std::string passwords_file;
  std::string user;
  int iterations = 4096;
  auto* passwd = cli.add_subcommand(
      "passwd", "write a SCRAM-SHA-256 secret for USER into a passwords file (or print it)");
  passwd->add_option("-f,--file", passwords_file, "passwords file to update; omit to print");
  passwd->add_option("-i,--iterations", iterations, "PBKDF2 iterations")
      ->capture_default_str()
      ->check(CLI::Range(4096, 10'000'000));
  passwd->add_option("user", user, "user name")->required();

  SandboxOptions sandbox;
  sandbox.dir = "/tmp/pgwarden-sandbox";
  auto* sandbox_cmd =
      cli.add_subcommand("sandbox", "a local primary + standby + proxy on loopback");
  sandbox_cmd->require_subcommand(1);
  auto* up = sandbox_cmd->add_subcommand("up", "create and start everything, print how to connect");
  up->add_option("-s,--standbys", sandbox.standbys, "number of standbys")
      ->capture_default_str()
      ->check(CLI::Range(0, 5));
  up->add_option("-p,--port", sandbox.port, "proxy port (default: a free one)");
  auto* down = sandbox_cmd->add_subcommand("down", "stop everything and remove the directory");
  auto* status = sandbox_cmd->add_subcommand("status", "show what runs");
  for (auto* sub : {up, down, status}) {
    sub->add_option("-d,--dir", sandbox.dir, "sandbox directory")->capture_default_str();
  }

  pgw::cli::CtlOptions ctl_options;
  std::string ctl_token_file;
  int ctl_timeout_seconds = 0;
  auto* ctl = cli.add_subcommand("ctl", "ask a running pgwarden, through its admin HTTP API");
  ctl->require_subcommand(1);
  ctl->fallthrough();  // `ctl nodes --json` as well as `ctl --json nodes`
  ctl->add_option("--admin", ctl_options.admin, "admin API address, HOST:PORT ([admin] listen)")
      ->envname("PGWARDEN_ADMIN")
      ->capture_default_str();
  ctl->add_flag("--json", ctl_options.json, "print the API's JSON instead of a table");
  ctl->add_option("--token-file", ctl_token_file,
                  "file holding the admin token (else $PGWARDEN_ADMIN_TOKEN, else the file "
                  "named by $PGWARDEN_ADMIN_TOKEN_FILE)");
  ctl->add_option("--timeout", ctl_timeout_seconds,
                  "seconds to wait for the answer (default: 5, or 180 for a state change)")
      ->check(CLI::Range(1, 3600));
  auto* ctl_nodes = ctl->add_subcommand("nodes", "the backends, like SHOW POOL_NODES");
  auto* ctl_version = ctl->add_subcommand("version", "the daemon's version");
  auto* ctl_events = ctl->add_subcommand("events", "failovers and state changes, oldest first");
  ctl_events->add_option("--after", ctl_options.after, "only the events after this id");
  auto* ctl_detach = ctl->add_subcommand("detach", "take a standby out of service");
  auto* ctl_attach = ctl->add_subcommand("attach", "put a detached node back in service");
  auto* ctl_promote = ctl->add_subcommand("promote", "promote a standby while the primary is down");
  ctl_promote->add_flag("--force", ctl_options.force, "skip the lag and synchronous checks");
  for (auto* sub : {ctl_detach, ctl_attach, ctl_promote}) {
    sub->add_option("node", ctl_options.node, "the node's name or id")->required();
  }
  auto* ctl_switchover =
      ctl->add_subcommand("switchover", "move the primary role to a standby, losing no commit");
  ctl_switchover->add_option("--to", ctl_options.node, "the new primary's name or id")->required();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return cli.exit(e) == 0 ? 0 : 2;
  }

  if (run->parsed()) return run_proxy(config_path);
  if (agent->parsed()) return run_agent(agent_config_path);
  if (check->parsed()) return check_config(config_path);
  if (passwd->parsed()) return set_password(passwords_file, user, iterations);
  if (up->parsed()) return sandbox_up(sandbox);
  if (down->parsed()) return sandbox_down(sandbox);
  if (status->parsed()) return sandbox_status(sandbox);
  for (auto* command :
       {ctl_nodes, ctl_version, ctl_events, ctl_detach, ctl_attach, ctl_promote, ctl_switchover}) {
    if (!command->parsed()) continue;
    ctl_options.command = command->get_name();
    ctl_options.timeout = std::chrono::seconds(ctl_timeout_seconds);
    pgw::cli::choose_token_source(ctl_options, ctl_token_file, std::getenv("PGWARDEN_ADMIN_TOKEN"),
                                  std::getenv("PGWARDEN_ADMIN_TOKEN_FILE"));
    return pgw::cli::run_ctl(ctl_options);
  }
  return 2;
}
