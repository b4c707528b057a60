#pragma once

#include "common/version.hpp"

namespace pgw::app {

using pgw::kVersion;

}  // namespace pgw::app
