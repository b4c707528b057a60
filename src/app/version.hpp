#pragma once

namespace pgw::app {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace pgw::app
