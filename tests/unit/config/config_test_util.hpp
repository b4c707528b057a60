#pragma once
// Helpers shared by the config tests.

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <stdlib.h>

#include "config/config.hpp"

namespace pgw::config::testing {

/// The name the tests give their in-memory files; relative paths resolve against /etc/pgwarden.
inline const std::string kFile = "/etc/pgwarden/pgwarden.toml";

/// The smallest valid file: the required [auth] keys and one backend (7 lines).
inline constexpr std::string_view kMinimal = R"([auth]
hba_file = "pg_hba.conf"
passwords_file = "passwords"

[[backends]]
name = "pg1"
host = "127.0.0.1"
)";

/// The error text for `text`, or "no error" when it parses.
inline std::string error_of(std::string_view text) {
  auto result = parse_config(text, kFile);
  return result ? std::string("no error") : result.error().to_string();
}

/// `snippet` followed by kMinimal: the snippet's lines keep their numbers from 1.
inline std::string with_minimal(std::string_view snippet) {
  return std::string(snippet) + std::string(kMinimal);
}

/// A fresh empty directory under the system's temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pgw_config_XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, std::string_view text) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace pgw::config::testing
