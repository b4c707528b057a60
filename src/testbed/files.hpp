#pragma once
/// File-system helpers for the test bed: everything it creates belongs to the OS user that runs
/// PostgreSQL, also when the test itself runs as root.

#include <cstddef>
#include <string>

#include <sys/types.h>

#include "common/process.hpp"
#include "common/result.hpp"

namespace pgw::testbed {

/// Who owns what the test bed creates. `change` is false when no chown is needed (not root).
struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
  bool change = false;

  static Owner of(const UserInfo& user);
};

/// mkdtemp("/tmp/<prefix>XXXXXX"), then owned by `owner`, mode 0700.
Result<std::string> make_temp_dir(const std::string& prefix, const Owner& owner);

/// Creates `path` (parents too) if missing; then owned by `owner` with `mode`.
Result<void> make_dir(const std::string& path, const Owner& owner, unsigned mode = 0700);

/// Replaces `path` with `text`, owned by `owner`, mode 0600.
Result<void> write_file(const std::string& path, const std::string& text, const Owner& owner);

/// Appends `text` to an existing file.
Result<void> append_file(const std::string& path, const std::string& text);

/// The whole file, or an error.
Result<std::string> read_file(const std::string& path);

/// The last `bytes` bytes of a file; empty when it cannot be read.
std::string read_tail(const std::string& path, std::size_t bytes);

/// Copies the tree `from` to `to` (which must not exist) keeping modes, then gives the copy to
/// `owner`. Symbolic links are copied as links.
Result<void> copy_tree(const std::string& from, const std::string& to, const Owner& owner);

/// lchown -R.
Result<void> chown_tree(const std::string& path, const Owner& owner);

/// Fails with a clear message when `user` cannot create files in `dir` (for instance a parent
/// directory that only root may traverse). A no-op when `user` is the current user.
Result<void> check_writable_by(const std::string& dir, const std::string& user);

}  // namespace pgw::testbed
