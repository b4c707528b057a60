#pragma once
/// The version of pgwarden, shown by --version, SHOW POOL_VERSION and the admin API.

namespace pgw {

inline constexpr const char* kVersion = "0.1.0";
inline constexpr const char* kVersionText = "pgwarden 0.1.0";

}  // namespace pgw
