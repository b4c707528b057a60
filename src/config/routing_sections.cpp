// [monitor], [routing] and [admin]: what the replication monitor, the router and the admin API
// read.

#include <cstdlib>
#include <optional>
#include <regex>

#include <regex.h>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace pgw::config::detail {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kZero{0};
constexpr milliseconds kTenMs{10};

enum class Syntax { kEcmaScript, kPosixExtended };

/// Why `pattern` does not compile in `syntax`, or "" when it does.
std::string regex_problem(const std::string& pattern, Syntax syntax) {
  if (syntax == Syntax::kPosixExtended) {
    regex_t compiled;
    int code = ::regcomp(&compiled, pattern.c_str(), REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (code == 0) {
      ::regfree(&compiled);
      return "";
    }
    char text[256];
    ::regerror(code, &compiled, text, sizeof text);
    return text;
  }
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return e.what();
  }
  return "";
}

/// Checks that every entry compiles as a regular expression of `syntax`.
void check_patterns(TableReader& table, std::string_view key,
                    const std::vector<std::string>& patterns, Syntax syntax) {
  const toml::node* node = table.find(key);
  if (node == nullptr) return;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    auto problem = regex_problem(patterns[i], syntax);
    if (problem.empty()) continue;
    const toml::node& item = *node->as_array()->get(i);
    table.error(item, std::string(key) + "[" + std::to_string(i) + "]",
                std::string(syntax == Syntax::kPosixExtended ? "not a valid POSIX extended"
                                                             : "not a valid") +
                    " regular expression: " + problem);
  }
}

/// "pattern:target" or "pattern:target(ratio)", target = primary | standby | <backend name>.
/// The pattern is everything before the last ':' so that patterns may contain colons.
std::optional<RedirectRule> parse_redirect(const std::string& text, std::string* why) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    *why =
        "expected \"pattern:primary\", \"pattern:standby\" or \"pattern:<backend>\", with an "
        "optional \"(ratio)\" after the target";
    return std::nullopt;
  }
  RedirectRule rule;
  rule.pattern = text.substr(0, colon);
  std::string target = text.substr(colon + 1);
  if (auto open = target.find('('); open != std::string::npos) {
    if (target.back() != ')') {
      *why = "an unclosed \"(ratio)\"";
      return std::nullopt;
    }
    std::string ratio = target.substr(open + 1, target.size() - open - 2);
    char* end = nullptr;
    rule.ratio = std::strtod(ratio.c_str(), &end);
    if (ratio.empty() || end != ratio.c_str() + ratio.size() || rule.ratio < 0 || rule.ratio > 1) {
      *why = "the ratio must be a number from 0 to 1, got \"" + ratio + "\"";
      return std::nullopt;
    }
    target = target.substr(0, open);
  }
  if (target == "primary") {
    rule.target = RedirectRule::Target::kPrimary;
  } else if (target == "standby") {
    rule.target = RedirectRule::Target::kStandby;
  } else if (is_backend_name(target)) {
    rule.target = RedirectRule::Target::kNode;
    rule.node = target;
  } else {
    *why = "unknown target \"" + target + "\": primary, standby or a backend name";
    return std::nullopt;
  }
  try {
    std::regex compiled(rule.pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    *why = "\"" + rule.pattern + "\" is not a valid regular expression: " + e.what();
    return std::nullopt;
  }
  return rule;
}

void read_redirects(TableReader& table, std::string_view key, std::vector<RedirectRule>& out) {
  std::vector<std::string> texts;
  table.read_string_array(key, texts);
  const toml::node* node = table.find(key);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string why;
    if (auto rule = parse_redirect(texts[i], &why)) {
      out.push_back(std::move(*rule));
    } else {
      table.error(*node->as_array()->get(i), std::string(key) + "[" + std::to_string(i) + "]", why);
    }
  }
}

}  // namespace

void read_monitor(TableReader& table, MonitorConfig& out) {
  table.check_keys({"user", "password", "database", "period", "connect_timeout", "query_timeout"});
  table.read_string("user", out.user);
  table.read_string("password", out.password);
  table.read_string("database", out.database);
  table.read_duration("period", kTenMs, kMaxDuration, out.period);
  table.read_duration("connect_timeout", kTenMs, kMaxDuration, out.connect_timeout);
  table.read_duration("query_timeout", kTenMs, kMaxDuration, out.query_timeout);
}

void read_routing(TableReader& table, RoutingConfig& out) {
  table.check_keys({"load_balance", "statement_level", "delay_threshold", "delay_threshold_time",
                    "read_your_writes", "write_functions", "read_only_functions",
                    "primary_routing_patterns", "database_redirect", "application_redirect",
                    "user_redirect"});
  table.read_bool("load_balance", out.load_balance);
  table.read_bool("statement_level", out.statement_level);
  table.read_size("delay_threshold", 0, std::uint64_t{1} << 50, out.delay_threshold_bytes);
  table.read_duration("delay_threshold_time", kZero, kMaxDuration, out.delay_threshold_time);
  table.read_bool("read_your_writes", out.read_your_writes);
  table.read_string_array("write_functions", out.write_functions);
  check_patterns(table, "write_functions", out.write_functions, Syntax::kEcmaScript);
  table.read_string_array("read_only_functions", out.read_only_functions);
  check_patterns(table, "read_only_functions", out.read_only_functions, Syntax::kEcmaScript);
  table.read_string_array("primary_routing_patterns", out.primary_routing_patterns);
  check_patterns(table, "primary_routing_patterns", out.primary_routing_patterns,
                 Syntax::kPosixExtended);
  read_redirects(table, "database_redirect", out.database_redirect);
  read_redirects(table, "application_redirect", out.application_redirect);
  read_redirects(table, "user_redirect", out.user_redirect);
}

void read_health_check(TableReader& table, HealthCheckConfig& out) {
  table.check_keys({"period", "connect_timeout", "query_timeout", "retries", "retry_delay"});
  table.read_duration("period", kTenMs, kMaxDuration, out.period);
  table.read_duration("connect_timeout", kTenMs, kMaxDuration, out.connect_timeout);
  table.read_duration("query_timeout", kTenMs, kMaxDuration, out.query_timeout);
  table.read_int("retries", 0, 100, out.retries);
  table.read_duration("retry_delay", kZero, kMaxDuration, out.retry_delay);
}

void read_failover(TableReader& table, FailoverConfig& out) {
  table.check_keys({"enabled", "superuser", "password", "database", "maximum_lag",
                    "synchronous_mode", "promote_timeout", "client_wait", "flap_threshold",
                    "flap_window", "hook_command"});
  table.read_bool("enabled", out.enabled);
  table.read_string("superuser", out.superuser);
  table.read_string("password", out.password);
  table.read_string("database", out.database);
  table.read_size("maximum_lag", 0, std::uint64_t{1} << 50, out.maximum_lag);
  table.read_bool("synchronous_mode", out.synchronous_mode);
  table.read_duration("promote_timeout", kTenMs, kMaxDuration, out.promote_timeout);
  table.read_duration("client_wait", kZero, kMaxDuration, out.client_wait);
  table.read_int("flap_threshold", 2, 1000, out.flap_threshold);
  table.read_duration("flap_window", kTenMs, kMaxDuration, out.flap_window);
  table.read_string("hook_command", out.hook_command);
}

void read_admin(TableReader& table, const std::filesystem::path& base_dir, AdminConfig& out) {
  table.check_keys({"listen", "token_file", "allow_remote_reads"});
  table.read_string("token_file", out.token_file);
  out.token_file = resolve_path(base_dir, out.token_file);
  table.read_bool("allow_remote_reads", out.allow_remote_reads);
  table.read_string("listen", out.listen);
  const toml::node* node = table.find("listen");
  if (node != nullptr && !out.listen.empty() && !is_host_and_port(out.listen)) {
    table.error(*node, "listen",
                "expected \"address:port\" (\"[address]:port\" for IPv6), got " + describe(*node));
  }
}

void check_redirect_nodes(const Config& config, ErrorSink& errors) {
  auto check = [&](const std::vector<RedirectRule>& rules, const char* key) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (rules[i].target != RedirectRule::Target::kNode) continue;
      bool known = false;
      for (const auto& b : config.backends)
        known |= b.name == rules[i].node;
      if (!known) {
        errors.add_unpositioned(std::string("routing.") + key + "[" + std::to_string(i) + "]",
                                "no backend is named \"" + rules[i].node + "\"");
      }
    }
  };
  check(config.routing.database_redirect, "database_redirect");
  check(config.routing.application_redirect, "application_redirect");
  check(config.routing.user_redirect, "user_redirect");
}

}  // namespace pgw::config::detail
