#include "agent/pg_ctl.hpp"

#include <gtest/gtest.h>

namespace pgw::agent {
namespace {

using Argv = std::vector<std::string>;

const ServerPaths kPaths{"/pg/bin", "/pg/data", "/pg/log", "postgres"};

TEST(PgCtlArgv, FixedPrograms) {
  using std::chrono::seconds;
  EXPECT_EQ(pg_ctl_status_argv(kPaths), (Argv{"/pg/bin/pg_ctl", "status", "-D", "/pg/data"}));
  EXPECT_EQ(pg_ctl_start_argv(kPaths, seconds(60)),
            (Argv{"/pg/bin/pg_ctl", "start", "-D", "/pg/data", "-w", "-t", "60", "-l", "/pg/log"}));
  EXPECT_EQ(pg_ctl_stop_argv(kPaths, StopMode::kImmediate, seconds(5)),
            (Argv{"/pg/bin/pg_ctl", "stop", "-D", "/pg/data", "-m", "immediate", "-w", "-t", "5"}));
  EXPECT_EQ(pg_ctl_restart_argv(kPaths, StopMode::kFast, seconds(0)),
            (Argv{"/pg/bin/pg_ctl", "restart", "-D", "/pg/data", "-m", "fast", "-w", "-t", "1",
                  "-l", "/pg/log"}));
  EXPECT_EQ(pg_ctl_reload_argv(kPaths), (Argv{"/pg/bin/pg_ctl", "reload", "-D", "/pg/data"}));
  EXPECT_EQ(pg_ctl_promote_argv(kPaths, seconds(30)),
            (Argv{"/pg/bin/pg_ctl", "promote", "-D", "/pg/data", "-w", "-t", "30"}));
  EXPECT_EQ(pg_controldata_argv(kPaths), (Argv{"/pg/bin/pg_controldata", "-D", "/pg/data"}));
}

TEST(PgCtlArgv, SpecRunsAsOsUserInCLocale) {
  const ProcessSpec spec = server_program(kPaths, pg_ctl_status_argv(kPaths));
  EXPECT_EQ(spec.user, "postgres");
  EXPECT_EQ(spec.working_dir, "/");
  bool c_locale = false;
  for (const auto& [name, value] : spec.env)
    c_locale |= name == "LC_ALL" && value == "C";
  EXPECT_TRUE(c_locale);
}

}  // namespace
}  // namespace pgw::agent
