#pragma once
/// Client authentication rules in pg_hba.conf syntax (PostgreSQL 15), the subset a proxy can
/// honour. One rule per line:
///   local      DATABASE USER                METHOD [OPTIONS]
///   host       DATABASE USER ADDRESS        METHOD [OPTIONS]
///   hostssl    DATABASE USER ADDRESS        METHOD [OPTIONS]
///   hostnossl  DATABASE USER ADDRESS        METHOD [OPTIONS]
///   host...    DATABASE USER IP-ADDRESS IP-MASK METHOD [OPTIONS]
/// Tokenizing follows PostgreSQL (see hba_tokenizer.hpp: blanks, '#' comments, double quotes,
/// comma lists). What is accepted:
///  - DATABASE: all, sameuser, replication, names; a quoted keyword is a name.
///  - USER: all, names.
///  - ADDRESS: address/prefix (IPv4 or IPv6), address + netmask fields, or all.
///  - METHOD: trust, reject, md5, scram-sha-256, password, cert (cert on hostssl only).
///  - OPTIONS: name=value; clientcert=verify-ca|verify-full (hostssl only; verify-full with
///    cert) and map=NAME (cert only) are stored in HbaRule::options.
/// Refused at parse time, each with a message saying why: hostgssenc/hostnogssenc,
/// samerole/samegroup, +group, @file, samehost/samenet, host names, the methods pgwarden does
/// not implement (gss, sspi, ident, peer, pam, ldap, radius, bsd), and unknown options. A file
/// without any rule is an error too (PostgreSQL refuses it).
/// The `replication` keyword is accepted so that a copy of a server's pg_hba.conf loads, but it
/// never matches: pgwarden does not proxy replication connections.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/address.hpp"
#include "auth/file_error.hpp"
#include "common/result.hpp"

namespace pgw::auth {

enum class ConnectionType { kLocal, kHost, kHostSsl, kHostNoSsl };
enum class AuthMethod { kTrust, kReject, kMd5, kScramSha256, kPassword, kCert };

/// The keyword as written in pg_hba.conf ("scram-sha-256", "hostssl", ...).
std::string_view to_string(AuthMethod method);
std::string_view to_string(ConnectionType type);

struct HbaRule {
  int line = 0;  ///< 1-based line number in the file
  ConnectionType type = ConnectionType::kLocal;
  std::vector<std::string> databases;  ///< names (keywords excluded)
  bool all_databases = false;
  bool sameuser = false;
  bool replication = false;        ///< `replication` keyword present (never matches, see above)
  std::vector<std::string> users;  ///< names (keywords excluded)
  bool all_users = false;
  std::optional<IpNetwork> network;  ///< nullopt: a local rule, or address `all`
  AuthMethod method = AuthMethod::kReject;
  std::map<std::string, std::string> options;
  std::string raw_line;  ///< the line as written, for messages and SHOW commands
};

struct ClientInfo {
  bool is_unix_socket = false;
  bool is_ssl = false;
  std::optional<IpAddress> address;  ///< the peer address; nullopt on a Unix socket
  std::string_view database;
  std::string_view user;
};

/// An immutable, ordered rule list. Thread-safe to read.
class HbaRules {
 public:
  /// Parses `text`; errors carry `source_name` and the line number.
  static Expected<HbaRules, FileError> parse(std::string_view text, const std::string& source_name);
  static Expected<HbaRules, FileError> load(const std::string& path);

  /// The first rule matching `client`, or nullptr when none does; the caller then answers 28000
  /// like PostgreSQL: no pg_hba.conf entry for host "...", user "...", database "...", no
  /// encryption. Matching: the connection type (local: Unix socket; host: TCP; hostssl: TCP with
  /// TLS; hostnossl: TCP without), the database (all; sameuser: database equals user; a listed
  /// name, exact and case-sensitive), the user (all or a listed name), and for TCP rules the
  /// address (all, or the network contains the peer address; IPv4-mapped addresses compare as
  /// IPv4).
  const HbaRule* match(const ClientInfo& client) const;

  const std::vector<HbaRule>& rules() const { return rules_; }

 private:
  std::vector<HbaRule> rules_;
};

}  // namespace pgw::auth
