#include "auth/hba.hpp"

#include <algorithm>

namespace pgw::auth {
namespace {

bool type_matches(ConnectionType type, const ClientInfo& client) {
  switch (type) {
    case ConnectionType::kLocal:
      return client.is_unix_socket;
    case ConnectionType::kHost:
      return !client.is_unix_socket;
    case ConnectionType::kHostSsl:
      return !client.is_unix_socket && client.is_ssl;
    case ConnectionType::kHostNoSsl:
      return !client.is_unix_socket && !client.is_ssl;
  }
  return false;
}

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool database_matches(const HbaRule& rule, const ClientInfo& client) {
  if (rule.all_databases) return true;
  if (rule.sameuser && client.database == client.user) return true;
  return listed(rule.databases, client.database);
}

bool address_matches(const HbaRule& rule, const ClientInfo& client) {
  if (rule.type == ConnectionType::kLocal || !rule.network) return true;
  return client.address && rule.network->contains(*client.address);
}

}  // namespace

std::string_view to_string(AuthMethod method) {
  switch (method) {
    case AuthMethod::kTrust:
      return "trust";
    case AuthMethod::kReject:
      return "reject";
    case AuthMethod::kMd5:
      return "md5";
    case AuthMethod::kScramSha256:
      return "scram-sha-256";
    case AuthMethod::kPassword:
      return "password";
    case AuthMethod::kCert:
      return "cert";
  }
  return "?";
}

std::string_view to_string(ConnectionType type) {
  switch (type) {
    case ConnectionType::kLocal:
      return "local";
    case ConnectionType::kHost:
      return "host";
    case ConnectionType::kHostSsl:
      return "hostssl";
    case ConnectionType::kHostNoSsl:
      return "hostnossl";
  }
  return "?";
}

const HbaRule* HbaRules::match(const ClientInfo& client) const {
  for (const auto& rule : rules_) {
    if (type_matches(rule.type, client) && database_matches(rule, client) &&
        (rule.all_users || listed(rule.users, client.user)) && address_matches(rule, client)) {
      return &rule;
    }
  }
  return nullptr;
}

}  // namespace pgw::auth
