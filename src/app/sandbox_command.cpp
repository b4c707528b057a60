#include <iostream>

#include "app/commands.hpp"

namespace pgw::app {

int sandbox_up(const SandboxOptions&) {
  std::cerr << "sandbox: not yet\n";
  return 1;
}
int sandbox_down(const SandboxOptions&) { return 0; }
int sandbox_status(const SandboxOptions&) { return 0; }

}  // namespace pgw::app
