#pragma once
/// primary_routing_patterns: POSIX extended regular expressions, case-insensitive, searched
/// anywhere in a statement's raw text (anchor them with ^ and $ to match the whole text).
/// POSIX rather than std::regex because libstdc++'s std::regex recurses per character and
/// overflows the stack on long statements; glibc's regexec does not. Internal to src/sql.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pgw::sql::detail {

class RoutingPatterns {
 public:
  /// Precondition: validate(patterns) succeeds; an invalid pattern throws
  /// std::invalid_argument (start-up only).
  explicit RoutingPatterns(const std::vector<std::string>& patterns);
  ~RoutingPatterns();
  RoutingPatterns(const RoutingPatterns&) = delete;
  RoutingPatterns& operator=(const RoutingPatterns&) = delete;

  /// An error naming the first pattern that does not compile.
  static Result<void> validate(const std::vector<std::string>& patterns);

  bool empty() const { return compiled_.empty(); }
  /// True when one pattern matches somewhere in `text` (which may hold NUL bytes: the whole
  /// size is searched). A std::string because sanitizers' regexec() reads up to a NUL.
  bool matches(const std::string& text) const;

 private:
  struct Compiled;
  std::vector<std::unique_ptr<Compiled>> compiled_;
};

}  // namespace pgw::sql::detail
