// HbaRules::parse: one pg_hba.conf line into an HbaRule, with PostgreSQL 15's error messages
// where they apply (hba.c parse_hba_line) and a clear refusal for what pgwarden cannot honour.

#include <algorithm>
#include <array>

#include "auth/hba.hpp"
#include "auth/hba_tokenizer.hpp"

namespace pgw::auth {
namespace {

using detail::HbaField;
using detail::HbaToken;

constexpr std::array<std::string_view, 8> kUnsupportedMethods = {"gss", "sspi", "ident",  "peer",
                                                                 "pam", "ldap", "radius", "bsd"};
constexpr std::array<std::string_view, 7> kUnsupportedOptions = {
    "clientname",   "include_realm", "krb_realm",       "compat_realm",
    "upn_username", "pamservice",    "pam_use_hostname"};

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

class RuleParser {
 public:
  RuleParser(const std::vector<HbaField>& fields, HbaRule& rule) : fields_(fields), rule_(rule) {}

  Result<void> run() {
    for (auto step :
         {&RuleParser::parse_type, &RuleParser::parse_databases, &RuleParser::parse_users,
          &RuleParser::parse_address, &RuleParser::parse_method, &RuleParser::parse_options}) {
      if (auto ok = (this->*step)(); !ok) return ok;
    }
    return {};
  }

 private:
  const HbaField* next_field() { return next_ < fields_.size() ? &fields_[next_++] : nullptr; }

  // The next field, which must hold exactly one token.
  Expected<const HbaToken*, Error> single(std::string_view what) {
    const HbaField* field = next_field();
    if (field == nullptr) return fail("end-of-line before " + std::string(what) + " specification");
    if (field->size() != 1) return fail("multiple values specified for " + std::string(what));
    return &field->front();
  }

  Result<void> parse_type() {
    auto token = single("connection type");
    if (!token) return unexpected(token.error());
    const std::string& t = (*token)->text;
    if (t == "local") {
      rule_.type = ConnectionType::kLocal;
    } else if (t == "host") {
      rule_.type = ConnectionType::kHost;
    } else if (t == "hostssl") {
      rule_.type = ConnectionType::kHostSsl;
    } else if (t == "hostnossl") {
      rule_.type = ConnectionType::kHostNoSsl;
    } else if (t == "hostgssenc" || t == "hostnogssenc") {
      return fail("connection type " + quoted(t) +
                  " is not supported by pgwarden (no GSSAPI encryption); use host, hostssl or "
                  "hostnossl");
    } else {
      return fail("invalid connection type " + quoted(t));
    }
    return {};
  }

  static Result<void> refuse_file_inclusion(const HbaToken& token) {
    if (!token.quoted && token.text.size() > 1 && token.text[0] == '@') {
      return fail("file inclusion (" + token.text + ") is not supported by pgwarden");
    }
    return {};
  }

  Result<void> parse_databases() {
    const HbaField* field = next_field();
    if (field == nullptr) return fail("end-of-line before database specification");
    for (const HbaToken& token : *field) {
      if (auto ok = refuse_file_inclusion(token); !ok) return ok;
      if (token.is_keyword("all")) {
        rule_.all_databases = true;
      } else if (token.is_keyword("sameuser")) {
        rule_.sameuser = true;
      } else if (token.is_keyword("samerole") || token.is_keyword("samegroup")) {
        return fail(quoted(token.text) +
                    " is not supported by pgwarden (role membership is not known to the proxy)");
      } else if (token.is_keyword("replication")) {
        rule_.replication = true;
      } else if (token.text.empty()) {
        return fail("empty database name");
      } else {
        rule_.databases.push_back(token.text);
      }
    }
    return {};
  }

  Result<void> parse_users() {
    const HbaField* field = next_field();
    if (field == nullptr) return fail("end-of-line before role specification");
    for (const HbaToken& token : *field) {
      if (auto ok = refuse_file_inclusion(token); !ok) return ok;
      if (token.is_keyword("all")) {
        rule_.all_users = true;
      } else if (!token.quoted && !token.text.empty() && token.text[0] == '+') {
        return fail("group membership (+name) is not supported by pgwarden: " + token.text);
      } else if (token.text.empty()) {
        return fail("empty user name");
      } else {
        rule_.users.push_back(token.text);
      }
    }
    return {};
  }

  Result<void> parse_address() {
    if (rule_.type == ConnectionType::kLocal) return {};
    auto token = single("IP address");
    if (!token) return unexpected(token.error());
    const HbaToken& t = **token;
    if (t.is_keyword("all")) return {};
    if (t.is_keyword("samehost") || t.is_keyword("samenet")) {
      return fail(quoted(t.text) +
                  " is not supported by pgwarden; write the addresses as address/prefix");
    }
    if (t.text.find('/') != std::string::npos) {
      rule_.network = IpNetwork::parse(t.text);
      if (!rule_.network) return fail("invalid IP address/prefix " + quoted(t.text));
      return {};
    }
    auto address = IpAddress::parse(t.text);
    if (!address) {
      return fail("host names are not supported by pgwarden in the address field: " +
                  quoted(t.text) + " (use an IP address with a /prefix, or all)");
    }
    return parse_mask(*address, t.text);
  }

  Result<void> parse_mask(const IpAddress& address, const std::string& text) {
    auto token = single("netmask");
    if (!token) return unexpected(token.error());
    const std::string& m = (*token)->text;
    auto mask = IpAddress::parse(m);
    if (!mask) {
      return fail("invalid IP mask " + quoted(m) + " (an address without /prefix, " + text +
                  ", must be followed by a netmask)");
    }
    if (mask->family != address.family) return fail("IP address and mask do not match");
    rule_.network = IpNetwork::from_address_and_mask(text, m);
    if (!rule_.network) return fail("non-contiguous IP mask " + quoted(m) + " is not supported");
    return {};
  }

  Result<void> parse_method() {
    auto token = single("authentication method");
    if (!token) return unexpected(token.error());
    const std::string& m = (*token)->text;
    static constexpr std::array<std::pair<std::string_view, AuthMethod>, 6> kMethods = {{
        {"trust", AuthMethod::kTrust},
        {"reject", AuthMethod::kReject},
        {"md5", AuthMethod::kMd5},
        {"scram-sha-256", AuthMethod::kScramSha256},
        {"password", AuthMethod::kPassword},
        {"cert", AuthMethod::kCert},
    }};
    for (const auto& [name, method] : kMethods) {
      if (m != name) continue;
      rule_.method = method;
      if (method == AuthMethod::kCert && rule_.type != ConnectionType::kHostSsl) {
        return fail("cert authentication is only supported on hostssl connections");
      }
      return {};
    }
    for (auto name : kUnsupportedMethods) {
      if (m == name)
        return fail("authentication method " + quoted(m) + " is not supported by pgwarden");
    }
    return fail("invalid authentication method " + quoted(m));
  }

  Result<void> parse_options() {
    for (const HbaField* field = next_field(); field != nullptr; field = next_field()) {
      for (const HbaToken& token : *field) {
        if (auto ok = parse_option(token.text); !ok) return ok;
      }
    }
    return {};
  }

  Result<void> parse_option(const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos) {
      return fail("authentication option not in name=value format: " + text);
    }
    std::string name = text.substr(0, eq);
    std::string value = text.substr(eq + 1);
    if (value.empty()) return fail("missing value for authentication option " + quoted(name));
    if (name == "clientcert") {
      if (rule_.type != ConnectionType::kHostSsl) {
        return fail("clientcert can only be configured for \"hostssl\" rows");
      }
      if (value != "verify-ca" && value != "verify-full") {
        return fail("invalid value for clientcert: " + quoted(value));
      }
      if (rule_.method == AuthMethod::kCert && value != "verify-full") {
        return fail("clientcert only accepts \"verify-full\" when using \"cert\" authentication");
      }
    } else if (name == "map") {
      if (rule_.method != AuthMethod::kCert) {
        return fail("authentication option \"map\" is only valid with cert authentication");
      }
    } else if (std::find(kUnsupportedOptions.begin(), kUnsupportedOptions.end(), name) !=
                   kUnsupportedOptions.end() ||
               name.starts_with("ldap") || name.starts_with("radius")) {
      return fail("authentication option " + quoted(name) + " is not supported by pgwarden");
    } else {
      return fail("unrecognized authentication option name: " + quoted(name));
    }
    rule_.options[name] = value;
    return {};
  }

  const std::vector<HbaField>& fields_;
  std::size_t next_ = 0;
  HbaRule& rule_;
};

}  // namespace

Expected<HbaRules, FileError> HbaRules::parse(std::string_view text,
                                              const std::string& source_name) {
  HbaRules rules;
  int line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    auto fields = detail::tokenize_hba_line(line);
    if (!fields) return unexpected(FileError{source_name, line_no, fields.error()});
    if (fields->empty()) continue;
    HbaRule rule;
    rule.line = line_no;
    rule.raw_line = std::string(line.ends_with('\r') ? line.substr(0, line.size() - 1) : line);
    if (auto ok = RuleParser(*fields, rule).run(); !ok) {
      return unexpected(FileError{source_name, line_no, ok.error().message});
    }
    rules.rules_.push_back(std::move(rule));
  }
  if (rules.rules_.empty()) {
    return unexpected(FileError{source_name, 0, "the file contains no rules"});
  }
  return rules;
}

Expected<HbaRules, FileError> HbaRules::load(const std::string& path) {
  auto text = read_config_file(path, /*require_private=*/false);
  if (!text) return unexpected(text.error());
  return parse(*text, path);
}

}  // namespace pgw::auth
