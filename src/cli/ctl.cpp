#include "cli/ctl.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

#include "admin/host_port.hpp"
#include "admin/pool_nodes.hpp"
#include "admin/table_json.hpp"
#include "cli/http_client.hpp"

namespace pgw::cli {
namespace {

using nlohmann::json;

/// What one command asks for and how its JSON answer is printed as text.
struct Command {
  const char* name;
  const char* target;
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

constexpr Command kCommands[] = {
    {"nodes", "/v1/nodes", render_nodes},
    {"version", "/v1/version", render_version},
};

const Command* find_command(const std::string& name) {
  for (const auto& command : kCommands) {
    if (name == command.name) return &command;
  }
  return nullptr;
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

}  // namespace

int run_ctl(const CtlOptions& options, std::ostream& out, std::ostream& err) {
  const Command* command = find_command(options.command);
  if (!command) {
    return fail_with(err, kCtlUsage,
                     "unknown command '" + options.command + "' (expected: nodes, version)");
  }
  const auto address = admin::parse_host_port(options.admin);
  if (!address) return fail_with(err, kCtlUsage, "--admin: " + address.error().message);
  const std::string where = "the admin API at " + address->to_string();
  const auto reply = http_get(*address, command->target, options.timeout);
  if (!reply) {
    return fail_with(err, kCtlFailed,
                     "cannot reach " + where + ": " + reply.error().message +
                         " — is pgwarden running, and is [admin] listen set?");
  }
  if (reply->status != 200) {
    return fail_with(err, kCtlFailed,
                     where + " answered " + std::to_string(reply->status) + " " + reply->reason +
                         ": " + error_text(*reply));
  }
  if (options.json) {
    out << reply->body;
    if (!reply->body.ends_with('\n')) out << "\n";
    return kCtlOk;
  }
  const json body = json::parse(reply->body, nullptr, false);
  if (body.is_discarded()) return fail_with(err, kCtlFailed, where + " answered invalid JSON");
  const auto text = command->render(body);
  if (!text) {
    return fail_with(err, kCtlFailed, where + " answered unexpected JSON: " + text.error().message);
  }
  out << *text;
  return kCtlOk;
}

int run_ctl(const CtlOptions& options) {
  return run_ctl(options, std::cout, std::cerr);
}

}  // namespace pgw::cli
