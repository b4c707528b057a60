#pragma once
/// initdb is the slowest step of building a cluster, so it runs once per process: every new
/// primary is a copy of one template data directory.

#include <string>

#include "common/process.hpp"
#include "common/result.hpp"

namespace pgw::testbed {

/// The PostgreSQL binaries: `configured` if set, else $PGW_PG_BIN_DIR, else the Debian
/// PostgreSQL 15 directory. Fails when no `postgres` program is found there.
Result<std::string> resolve_bin_dir(const std::string& configured);

/// The data directory of a template cluster for (bin_dir, os_user): initdb with superuser
/// "postgres", UTF8, locale C, whose postgresql.conf ends with include_lines(). Created on
/// first use as `os_user` in /tmp/pgwarden-template-XXXXXX, and removed when the process exits
/// normally. Read-only for callers: copy it. Thread-safe.
Result<std::string> initdb_template(const std::string& bin_dir, const UserInfo& os_user);

}  // namespace pgw::testbed
