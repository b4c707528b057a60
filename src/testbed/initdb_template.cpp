#include "testbed/initdb_template.hpp"
#include <utility>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include <unistd.h>

#include "testbed/config_text.hpp"
#include "testbed/files.hpp"

namespace pgw::testbed {
namespace {

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";

/// A template directory, removed at process exit by the static map that owns it.
class TemplateDir {
 public:
  explicit TemplateDir(std::string dir) : dir_(std::move(dir)) {}
  TemplateDir(const TemplateDir&) = delete;
  TemplateDir& operator=(const TemplateDir&) = delete;
  ~TemplateDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string data_dir() const { return dir_ + "/data"; }

 private:
  std::string dir_;
};

Result<void> run_initdb(const std::string& bin_dir, const UserInfo& os_user,
                        const std::string& dir) {
  auto run = run_process(
      {.argv = {bin_dir + "/initdb", "-D", dir + "/data", "-U", std::string(kSuperuser),
                "--encoding=UTF8", "--locale=C", "--auth=trust", "--no-sync", "--no-instructions"},
       .user = os_user.name,
       .working_dir = dir},
      {.timeout = std::chrono::minutes(2)});
  if (!run) return fail("initdb: " + run.error().message);
  if (!run->success()) return fail("initdb: " + run->status_text() + ":\n" + run->output);
  return append_file(dir + "/data/postgresql.conf", include_lines());
}

}  // namespace

Result<std::string> resolve_bin_dir(const std::string& configured) {
  std::string dir = configured;
  const char* env = std::getenv("PGW_PG_BIN_DIR");
  if (dir.empty() && env != nullptr) dir = env;
  if (dir.empty()) dir = kDefaultBinDir;
  if (::access((dir + "/postgres").c_str(), X_OK) != 0) {
    return fail("no PostgreSQL server in " + dir + " (set PGW_PG_BIN_DIR)");
  }
  return dir;
}

Result<std::string> initdb_template(const std::string& bin_dir, const UserInfo& os_user) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, std::unique_ptr<TemplateDir>> templates;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(bin_dir, os_user.name);
  if (auto it = templates.find(key); it != templates.end()) return it->second->data_dir();
  auto dir = make_temp_dir("pgwarden-template-", Owner::of(os_user));
  if (!dir) return fail(dir.error().message);
  auto holder = std::make_unique<TemplateDir>(*dir);
  if (auto made = run_initdb(bin_dir, os_user, *dir); !made) return fail(made.error().message);
  auto data_dir = holder->data_dir();
  templates.emplace(key, std::move(holder));
  return data_dir;
}

}  // namespace pgw::testbed
