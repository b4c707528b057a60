#include "sql/routing_patterns.hpp"

#include <stdexcept>

#include <regex.h>

namespace pgw::sql::detail {

namespace {

constexpr int kCompileFlags = REG_EXTENDED | REG_ICASE | REG_NOSUB;

std::string describe_error(const std::string& pattern, int code, const regex_t& re) {
  char message[256];
  regerror(code, &re, message, sizeof message);
  std::string out = "invalid primary routing pattern '";
  out.append(pattern).append("': ").append(message);
  return out;
}

}  // namespace

struct RoutingPatterns::Compiled {
  regex_t re;
  explicit Compiled(const std::string& pattern) {
    const int code = regcomp(&re, pattern.c_str(), kCompileFlags);
    if (code != 0) {
      throw std::invalid_argument(describe_error(pattern, code, re));
    }
  }
  ~Compiled() { regfree(&re); }
  Compiled(const Compiled&) = delete;
  Compiled& operator=(const Compiled&) = delete;
};

RoutingPatterns::RoutingPatterns(const std::vector<std::string>& patterns) {
  compiled_.reserve(patterns.size());
  for (const auto& pattern : patterns) {
    compiled_.push_back(std::make_unique<Compiled>(pattern));
  }
}

RoutingPatterns::~RoutingPatterns() = default;

Result<void> RoutingPatterns::validate(const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    regex_t re;
    const int code = regcomp(&re, pattern.c_str(), kCompileFlags);
    if (code != 0) {
      return fail(describe_error(pattern, code, re));
    }
    regfree(&re);
  }
  return {};
}

bool RoutingPatterns::matches(const std::string& text) const {
  for (const auto& compiled : compiled_) {
    // REG_STARTEND (glibc): the text is pmatch[0]'s range, so it needs no terminating NUL.
    regmatch_t range[1];
    range[0].rm_so = 0;
    range[0].rm_eo = static_cast<regoff_t>(text.size());
    if (regexec(&compiled->re, text.c_str(), 1, range, REG_STARTEND) == 0) return true;
  }
  return false;
}

}  // namespace pgw::sql::detail
