#pragma once
/// User name maps in pg_ident.conf syntax, for the cert method's map= option: which database
/// user a certificate's common name may log in as.
///
///   # MAPNAME   SYSTEM-USERNAME   PG-USERNAME
///   certs       alice.example     alice
///   certs       /^(.*)@corp$      \1
///
/// A system user name starting with '/' is a regular expression (POSIX extended) matched
/// against the whole name; "\1" in the database user name is replaced by its first group.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <regex.h>

#include "auth/file_error.hpp"

namespace pgw::auth {

class IdentMaps {
 public:
  IdentMaps();
  ~IdentMaps();
  IdentMaps(IdentMaps&&) noexcept;
  IdentMaps& operator=(IdentMaps&&) noexcept;

  static Expected<IdentMaps, FileError> parse(std::string_view text,
                                              const std::string& source_name);
  /// An empty path gives empty maps.
  static Expected<IdentMaps, FileError> load(const std::string& path);

  /// Whether map `map` lets system user `system_user` log in as `database_user`.
  bool allows(std::string_view map, std::string_view system_user,
              std::string_view database_user) const;
  std::size_t size() const;

 private:
  struct Entry;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace pgw::auth
