#include "cli/ctl.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "admin/admin_access.hpp"
#include "admin/events_json.hpp"
#include "admin/host_port.hpp"
#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"
#include "cli/http_client.hpp"

namespace pgw::cli {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kViewTimeout{5'000};
constexpr std::chrono::milliseconds kChangeTimeout{180'000};
constexpr const char* kCommandNames = "nodes, version, events, detach, attach, promote, switchover";

/// What one command asks for and how its JSON answer is printed as text.
struct Command {
  const char* name;
  bool changes_state;  ///< POST, needs the token and a node
  Result<std::string> (*render)(const json& body);
};

Result<std::string> render_nodes(const json& body) {
  auto table = admin::table_from_json(body, admin::pool_nodes_columns());
  if (!table) return unexpected(table.error());
  return admin::format_table(*table);
}

Result<std::string> render_version(const json& body) {
  const auto found = body.is_object() ? body.find("version") : body.end();
  if (!body.is_object() || found == body.end() || !found->is_string()) {
    return fail("expected {\"version\": \"...\"}");
  }
  return found->get<std::string>() + "\n";
}

Result<std::string> render_events(const json& body) {
  auto table = admin::events_table_from_json(body);
  if (!table) return unexpected(table.error());
  return admin::format_table(*table);
}

Result<std::string> render_message(const json& body) {
  const auto found = body.is_object() ? body.find("message") : body.end();
  if (!body.is_object() || found == body.end() || !found->is_string()) {
    return fail("expected {\"ok\": true, \"message\": \"...\"}");
  }
  return found->get<std::string>() + "\n";
}

constexpr Command kCommands[] = {
    {"nodes", false, render_nodes},       {"version", false, render_version},
    {"events", false, render_events},     {"detach", true, render_message},
    {"attach", true, render_message},     {"promote", true, render_message},
    {"switchover", true, render_message},
};

const Command* find_command(const std::string& name) {
  for (const auto& command : kCommands) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

/// `text` as one path segment: every byte but RFC 3986's unreserved ones as %XX.
std::string encode_segment(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

HttpCall call_for(const Command& command, const CtlOptions& options) {
  HttpCall call;
  const std::string name = command.name;
  if (!command.changes_state) {
    call.target = "/v1/" + name;
    if (name == "events" && options.after > 0) {
      call.target += "?after=" + std::to_string(options.after);
    }
    return call;
  }
  call.method = "POST";
  if (name == "switchover") {
    call.target = "/v1/switchover";
    call.body = json{{"to", options.node}}.dump();
  } else {
    call.target = "/v1/nodes/" + encode_segment(options.node) + "/" + name;
    if (options.force) call.body = R"({"force":true})";
  }
  return call;
}

/// The token to send: options.token, else the content of options.token_file, else none.
Result<std::string> read_token(const CtlOptions& options) {
  if (!options.token.empty() || options.token_file.empty()) return options.token;
  const std::string where = options.token_file_origin + " " + options.token_file;
  std::ifstream file(options.token_file, std::ios::binary);
  if (!file) return fail(where + ": cannot open: " + std::strerror(errno));
  std::ostringstream content;
  content << file.rdbuf();
  auto token = admin::parse_token(content.str());
  if (!token) return fail(where + ": " + token.error().message);
  return token;
}

/// The error text of a non-200 answer: its {"error": ...} if it has one, else the body.
std::string error_text(const HttpReply& reply) {
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return body["error"].get<std::string>();
  }
  return reply.body.empty() ? "(no details)" : reply.body;
}

int fail_with(std::ostream& err, int code, const std::string& message) {
  err << "pgwarden ctl: " << message << "\n";
  return code;
}

/// An error answer as one line; always kCtlRefused.
int report_error(std::ostream& err, const Command& command, const std::string& where,
                 const HttpReply& reply, bool sent_token) {
  if (reply.status == 401 && sent_token) {
    return fail_with(err, kCtlRefused, "the admin API refused the token: " + error_text(reply));
  }
  if (reply.status == 401) {
    return fail_with(err, kCtlRefused,
                     where + " needs the admin token (" + error_text(reply) +
                         "): pass --token-file FILE, or set PGWARDEN_ADMIN_TOKEN or "
                         "PGWARDEN_ADMIN_TOKEN_FILE");
  }
  if (reply.status == 409) {
    return fail_with(err, kCtlRefused,
                     std::string(command.name) + " refused: " + error_text(reply));
  }
  return fail_with(err, kCtlRefused,
                   where + " answered " + std::to_string(reply.status) + " " + reply.reason + ": " +
                       error_text(reply));
}

}  // namespace

void choose_token_source(CtlOptions& options, const std::string& token_file_flag,
                         const char* token_env, const char* token_file_env) {
  if (!token_file_flag.empty()) {
    options.token_file = token_file_flag;
    options.token_file_origin = "--token-file";
  } else if (token_env != nullptr && *token_env != '\0') {
    std::string_view token = token_env;
    constexpr std::string_view kSpace = " \t\r\n";
    token.remove_prefix(std::min(token.find_first_not_of(kSpace), token.size()));
    token = token.substr(0, token.find_last_not_of(kSpace) + 1);
    options.token = std::string(token);
  } else if (token_file_env != nullptr && *token_file_env != '\0') {
    options.token_file = token_file_env;
    options.token_file_origin = "PGWARDEN_ADMIN_TOKEN_FILE";
  }
}

int run_ctl(const CtlOptions& options, std::ostream& out, std::ostream& err) {
  const Command* command = find_command(options.command);
  if (!command) {
    return fail_with(err, kCtlUsage,
                     "unknown command '" + options.command + "' (expected: " + kCommandNames + ")");
  }
  if (command->changes_state && options.node.empty()) {
    return fail_with(err, kCtlUsage,
                     options.command + " needs a node: its name or id (see `pgwarden ctl nodes`)");
  }
  const auto address = admin::parse_host_port(options.admin);
  if (!address) return fail_with(err, kCtlUsage, "--admin: " + address.error().message);
  auto call = call_for(*command, options);
  auto token = read_token(options);
  if (!token) return fail_with(err, kCtlUsage, token.error().message);
  call.token = std::move(*token);
  const std::string where = "the admin API at " + address->to_string();
  const auto timeout = options.timeout.count() > 0
                           ? options.timeout
                           : (command->changes_state ? kChangeTimeout : kViewTimeout);
  const auto reply = http_call(*address, call, timeout);
  if (!reply && reply.error().message.starts_with("timed out") && command->changes_state) {
    // The request may have arrived: the daemon does not cancel a role change it started.
    return fail_with(err, kCtlRefused,
                     "no answer from " + where + ": " + reply.error().message + " — the " +
                         options.command + " may still be under way; see `pgwarden ctl events`");
  }
  if (!reply) {
    return fail_with(err, kCtlUsage,
                     "cannot reach " + where + ": " + reply.error().message +
                         " — is pgwarden running, and is [admin] listen set?");
  }
  if (reply->status != 200) return report_error(err, *command, where, *reply, !call.token.empty());
  if (options.json) {
    out << reply->body;
    if (!reply->body.ends_with('\n')) out << "\n";
    return kCtlOk;
  }
  const json body = json::parse(reply->body, nullptr, false);
  if (body.is_discarded()) return fail_with(err, kCtlRefused, where + " answered invalid JSON");
  const auto text = command->render(body);
  if (!text) {
    return fail_with(err, kCtlRefused,
                     where + " answered unexpected JSON: " + text.error().message);
  }
  out << *text;
  return kCtlOk;
}

int run_ctl(const CtlOptions& options) {
  return run_ctl(options, std::cout, std::cerr);
}

}  // namespace pgw::cli
