// Fuzzes the configuration loader: parse_config must return a Config or a ConfigError for any
// bytes, never throw, crash or hang, and every error must render.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = pgw::config::parse_config(text, "/fuzz/pgwarden.toml");
  if (!result) {
    const auto message = result.error().to_string();
    if (message.empty()) __builtin_trap();
  }
  return 0;
}
