#include "testbed/port_allocator.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pgw::testbed {
namespace {

constexpr int kAttempts = 100;

Result<int> probe_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return fail(std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace

PortAllocator& PortAllocator::instance() {
  static PortAllocator allocator;
  return allocator;
}

Result<int> PortAllocator::allocate() {
  std::lock_guard lock(mutex_);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto port = probe_free_port();
    if (!port) return port;
    if (handed_out_.insert(*port).second) return port;
  }
  return fail("no unused loopback port after " + std::to_string(kAttempts) + " attempts");
}

}  // namespace pgw::testbed
