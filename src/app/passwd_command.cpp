#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "app/commands.hpp"
#include "auth/passwords.hpp"
#include "auth/scram.hpp"
#include "common/random.hpp"

namespace pgw::app {
namespace {

/// A line from the terminal with echo off, or from stdin when it is not a terminal.
bool read_secret_line(const std::string& prompt, std::string* out) {
  bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  bool ok = static_cast<bool>(std::getline(std::cin, *out));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  return ok;
}

}  // namespace

int set_password(const std::string& passwords_file, const std::string& user, int iterations) {
  std::string password;
  if (!read_secret_line("Password for " + user + ": ", &password) || password.empty()) {
    std::cerr << "pgwarden passwd: no password given\n";
    return 1;
  }
  if (::isatty(STDIN_FILENO) != 0) {
    std::string again;
    if (!read_secret_line("Again: ", &again) || again != password) {
      std::cerr << "pgwarden passwd: passwords do not match\n";
      return 1;
    }
  }
  auto secret = auth::ScramSecret::generate(password, SecureRandom::instance(),
                                            static_cast<std::uint32_t>(iterations))
                    .to_string();
  if (passwords_file.empty()) {
    std::cout << secret << "\n";
    return 0;
  }
  std::string text;
  if (std::ifstream in(passwords_file); in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  std::string updated = auth::upsert_password_entry(text, user, secret);
  // Written owner-only: pgwarden refuses a passwords file others can read.
  int fd = ::open(passwords_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0 ||
      ::write(fd, updated.data(), updated.size()) != static_cast<ssize_t>(updated.size())) {
    std::cerr << "pgwarden passwd: cannot write " << passwords_file << ": " << std::strerror(errno)
              << "\n";
    if (fd >= 0) ::close(fd);
    return 1;
  }
  ::close(fd);
  std::cout << "pgwarden passwd: stored a SCRAM-SHA-256 secret for \"" << user << "\" in "
            << passwords_file << "\n";
  return 0;
}

}  // namespace pgw::app
