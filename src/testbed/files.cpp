#include "testbed/files.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

namespace pgw::testbed {
namespace fs = std::filesystem;

namespace {

Result<void> give(const std::string& path, const Owner& owner) {
  if (owner.change && ::lchown(path.c_str(), owner.uid, owner.gid) != 0) {
    return fail("chown " + path + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Owner Owner::of(const UserInfo& user) {
  return {user.uid, user.gid, ::geteuid() == 0 && user.uid != ::geteuid()};
}

Result<std::string> make_temp_dir(const std::string& prefix, const Owner& owner) {
  std::string pattern = "/tmp/" + prefix + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  if (auto given = give(pattern, owner); !given) {
    fs::remove(pattern);
    return fail(given.error().message);
  }
  return pattern;
}

Result<void> make_dir(const std::string& path, const Owner& owner, unsigned mode) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail("mkdir " + path + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0) return fail("chmod " + path + ": " + std::strerror(errno));
  return give(path, owner);
}

Result<void> write_file(const std::string& path, const std::string& text, const Owner& owner) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return fail("cannot write " + path);
  }
  if (::chmod(path.c_str(), 0600) != 0) return fail("chmod " + path + ": " + std::strerror(errno));
  return give(path, owner);
}

Result<void> append_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
  if (!out.flush()) return fail("cannot append to " + path);
  return {};
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_tail(const std::string& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t start = size > bytes ? size - bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

Result<void> copy_tree(const std::string& from, const std::string& to, const Owner& owner) {
  std::error_code ec;
  if (fs::exists(to, ec)) return fail("copy " + from + ": " + to + " already exists");
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return fail("copy " + from + " to " + to + ": " + ec.message());
  // create_directory(to, from) inside fs::copy copies the source's mode, so PGDATA stays 0700.
  return chown_tree(to, owner);
}

Result<void> chown_tree(const std::string& path, const Owner& owner) {
  if (!owner.change) return {};
  if (auto given = give(path, owner); !given) return given;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (auto given = give(it->path().string(), owner); !given) return given;
  }
  if (ec) return fail("walk " + path + ": " + ec.message());
  return {};
}

Result<void> check_writable_by(const std::string& dir, const std::string& user) {
  auto info = lookup_user(user);
  if (!info) return fail(info.error().message);
  if (info->uid == ::geteuid()) return {};
  auto run = run_process({.argv = {"test", "-w", dir, "-a", "-x", dir}, .user = user});
  if (!run) return fail(run.error().message);
  if (!run->success()) {
    return fail("OS user " + user + " cannot write to " + dir +
                " (is every parent directory traversable by that user?)");
  }
  return {};
}

}  // namespace pgw::testbed
