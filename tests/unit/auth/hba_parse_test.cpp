#include <gtest/gtest.h>

#include "auth/hba.hpp"
#include "auth/hba_tokenizer.hpp"

namespace pgw::auth {
namespace {

Expected<HbaRules, FileError> parse(std::string_view text) {
  return HbaRules::parse(text, "pg_hba.conf");
}

HbaRule one_rule(std::string_view line) {
  auto rules = parse(line);
  EXPECT_TRUE(rules) << line << ": " << (rules ? "" : rules.error().to_string());
  if (!rules || rules->rules().size() != 1) return {};
  return rules->rules().front();
}

std::string tokens(std::string_view line) {
  auto fields = detail::tokenize_hba_line(line);
  if (!fields) return "error: " + fields.error();
  std::string out;
  for (const auto& field : *fields) {
    out += "[";
    for (const auto& token : field)
      out += (token.quoted ? "q:" : "") + token.text + ";";
    out += "]";
  }
  return out;
}

TEST(HbaTokenizer, SplitsLikePostgres) {
  EXPECT_EQ(tokens("host all all 10.0.0.0/8 md5"), "[host;][all;][all;][10.0.0.0/8;][md5;]");
  EXPECT_EQ(tokens("  local\tdb1,db2 u   trust  "), "[local;][db1;db2;][u;][trust;]");
  EXPECT_EQ(tokens("local db1, db2 u trust"), "[local;][db1;db2;][u;][trust;]");
  EXPECT_EQ(tokens("local db1 ,db2 u trust"), "[local;][db1;][db2;][u;][trust;]");
  EXPECT_EQ(tokens("local db1,,db2 u"), "[local;][db1;db2;][u;]");
  EXPECT_EQ(tokens("local \"my db\" u"), "[local;][q:my db;][u;]");
  EXPECT_EQ(tokens("local \"a,b\" u"), "[local;][q:a,b;][u;]");
  EXPECT_EQ(tokens("local \"a#b\" u # comment"), "[local;][q:a#b;][u;]");
  EXPECT_EQ(tokens("local a\"b c\"d u"), "[local;][q:ab cd;][u;]");
  EXPECT_EQ(tokens("local \"say \"\"hi\"\"\" u"), "[local;][q:say \"hi\";][u;]");
  EXPECT_EQ(tokens("local \"\" u"), "[local;][q:;][u;]");
  EXPECT_EQ(tokens("local all all trust# comment"), "[local;][all;][all;][trust;]");
  EXPECT_EQ(tokens("# only a comment"), "");
  EXPECT_EQ(tokens("   "), "");
  EXPECT_EQ(tokens("local db\\ u"), "[local;][db\\;][u;]");  // no line continuation
  EXPECT_EQ(tokens("local \"unterminated u"), "error: unterminated quoted string");
}

TEST(HbaParse, EveryConnectionTypeAndMethod) {
  auto rules = parse(
      "# TYPE  DATABASE USER ADDRESS METHOD\n"
      "local   all      all          trust\n"
      "host    all      all  127.0.0.1/32 scram-sha-256\n"
      "hostssl all      all  ::1/128      md5\n"
      "hostnossl all    all  all          password\n"
      "hostssl all      all  0.0.0.0/0    cert\n"
      "host    all      all  10.0.0.0 255.0.0.0 reject\n");
  ASSERT_TRUE(rules) << rules.error().to_string();
  const auto& r = rules->rules();
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].type, ConnectionType::kLocal);
  EXPECT_EQ(r[0].method, AuthMethod::kTrust);
  EXPECT_FALSE(r[0].network);
  EXPECT_EQ(r[0].line, 2);
  EXPECT_EQ(r[0].raw_line, "local   all      all          trust");
  EXPECT_EQ(r[1].type, ConnectionType::kHost);
  EXPECT_EQ(r[1].method, AuthMethod::kScramSha256);
  EXPECT_EQ(r[1].network->to_string(), "127.0.0.1/32");
  EXPECT_EQ(r[2].type, ConnectionType::kHostSsl);
  EXPECT_EQ(r[2].method, AuthMethod::kMd5);
  EXPECT_EQ(r[2].network->to_string(), "::1/128");
  EXPECT_EQ(r[3].type, ConnectionType::kHostNoSsl);
  EXPECT_EQ(r[3].method, AuthMethod::kPassword);
  EXPECT_FALSE(r[3].network);  // all
  EXPECT_EQ(r[4].method, AuthMethod::kCert);
  EXPECT_EQ(r[5].method, AuthMethod::kReject);
  EXPECT_EQ(r[5].network->to_string(), "10.0.0.0/8");
  EXPECT_EQ(r[5].line, 7);
}

TEST(HbaParse, DatabaseAndUserKeywords) {
  auto rule =
      one_rule("local all,sameuser,replication,db1,\"all\",\"sameuser\" all,bob,\"+x\" md5");
  EXPECT_TRUE(rule.all_databases);
  EXPECT_TRUE(rule.sameuser);
  EXPECT_TRUE(rule.replication);
  EXPECT_EQ(rule.databases, (std::vector<std::string>{"db1", "all", "sameuser"}));
  EXPECT_TRUE(rule.all_users);
  EXPECT_EQ(rule.users, (std::vector<std::string>{"bob", "+x"}));

  auto names = one_rule("local \"all\" \"all\" md5");
  EXPECT_FALSE(names.all_databases);
  EXPECT_FALSE(names.all_users);
  EXPECT_EQ(names.databases, std::vector<std::string>{"all"});
  EXPECT_EQ(names.users, std::vector<std::string>{"all"});
}

TEST(HbaParse, OptionsAreStored) {
  auto rule = one_rule("hostssl all all 0.0.0.0/0 cert clientcert=verify-full map=certmap");
  EXPECT_EQ(rule.options, (std::map<std::string, std::string>{{"clientcert", "verify-full"},
                                                              {"map", "certmap"}}));
  EXPECT_EQ(
      one_rule("hostssl all all all scram-sha-256 clientcert=verify-ca").options.at("clientcert"),
      "verify-ca");
}

TEST(HbaParse, CrlfAndCommentsAndBlankLines) {
  auto rules = parse("\r\n# c\r\n  \t\r\nlocal all all trust\r\n# end");
  ASSERT_TRUE(rules);
  ASSERT_EQ(rules->rules().size(), 1u);
  EXPECT_EQ(rules->rules()[0].line, 4);
  EXPECT_EQ(rules->rules()[0].raw_line, "local all all trust");
}

struct BadRule {
  std::string_view text;
  std::string_view message;
};

TEST(HbaParse, ErrorsAreClearAndNameTheLine) {
  const BadRule cases[] = {
      {"hostgssenc all all all md5", "connection type \"hostgssenc\" is not supported by pgwarden"},
      {"hostnogssenc all all all md5", "\"hostnogssenc\" is not supported by pgwarden"},
      {"remote all all all md5", "invalid connection type \"remote\""},
      {"local,host all all md5", "multiple values specified for connection type"},
      {"local", "end-of-line before database specification"},
      {"local all", "end-of-line before role specification"},
      {"local all all", "end-of-line before authentication method specification"},
      {"host all all", "end-of-line before IP address specification"},
      {"host all all 10.0.0.0/8", "end-of-line before authentication method specification"},
      {"local samerole all md5", "\"samerole\" is not supported by pgwarden"},
      {"local samegroup all md5", "\"samegroup\" is not supported by pgwarden"},
      {"local @dbs all md5", "file inclusion (@dbs) is not supported by pgwarden"},
      {"local all @users md5", "file inclusion (@users) is not supported by pgwarden"},
      {"local all +admins md5", "group membership (+name) is not supported by pgwarden: +admins"},
      {"local \"\" all md5", "empty database name"},
      {"local all \"\" md5", "empty user name"},
      {"host all all samehost md5", "\"samehost\" is not supported by pgwarden"},
      {"host all all samenet md5", "\"samenet\" is not supported by pgwarden"},
      {"host all all db.example.com md5", "host names are not supported by pgwarden"},
      {"host all all .example.com md5", "host names are not supported by pgwarden"},
      {"host all all \"all\" md5", "host names are not supported by pgwarden"},
      {"host all all 10.0.0.0/8,::1/128 md5", "multiple values specified for IP address"},
      {"host all all 10.0.0.0/33 md5", "invalid IP address/prefix \"10.0.0.0/33\""},
      {"host all all 10.0.0.1 md5", "invalid IP mask \"md5\""},
      {"host all all 10.0.0.1", "end-of-line before netmask specification"},
      {"host all all 10.0.0.0 ffff:: md5", "IP address and mask do not match"},
      {"host all all 10.0.0.0 255.0.255.0 md5", "non-contiguous IP mask \"255.0.255.0\""},
      {"host all all all md5,trust", "multiple values specified for authentication method"},
      {"host all all all peer", "authentication method \"peer\" is not supported by pgwarden"},
      {"host all all all ident", "authentication method \"ident\" is not supported by pgwarden"},
      {"host all all all gss", "authentication method \"gss\" is not supported by pgwarden"},
      {"host all all all sspi", "authentication method \"sspi\" is not supported by pgwarden"},
      {"host all all all ldap", "authentication method \"ldap\" is not supported by pgwarden"},
      {"host all all all radius", "authentication method \"radius\" is not supported by pgwarden"},
      {"host all all all pam", "authentication method \"pam\" is not supported by pgwarden"},
      {"host all all all bsd", "authentication method \"bsd\" is not supported by pgwarden"},
      {"host all all all krb5", "invalid authentication method \"krb5\""},
      {"host all all all cert", "cert authentication is only supported on hostssl connections"},
      {"local all all cert", "cert authentication is only supported on hostssl connections"},
      {"host all all all md5 clientcert=verify-ca",
       "clientcert can only be configured for \"hostssl\" rows"},
      {"hostssl all all all md5 clientcert=1", "invalid value for clientcert: \"1\""},
      {"hostssl all all all cert clientcert=verify-ca",
       "clientcert only accepts \"verify-full\" when using \"cert\" authentication"},
      {"hostssl all all all md5 map=m", "\"map\" is only valid with cert authentication"},
      {"hostssl all all all cert map=", "missing value for authentication option \"map\""},
      {"hostssl all all all cert clientname=DN",
       "authentication option \"clientname\" is not supported by pgwarden"},
      {"host all all all md5 ldapserver=x", "\"ldapserver\" is not supported by pgwarden"},
      {"host all all all md5 foo=bar", "unrecognized authentication option name: \"foo\""},
      {"host all all all md5 verbose", "authentication option not in name=value format: verbose"},
      {"local \"unterminated all md5", "unterminated quoted string"},
  };
  for (const auto& c : cases) {
    std::string text = "local all postgres trust\n" + std::string(c.text) + "\n";
    auto rules = parse(text);
    ASSERT_FALSE(rules) << c.text;
    EXPECT_EQ(rules.error().line, 2) << c.text;
    EXPECT_NE(rules.error().message.find(c.message), std::string::npos)
        << c.text << " -> " << rules.error().message;
    EXPECT_EQ(rules.error().to_string(), "pg_hba.conf:2: " + rules.error().message);
  }
}

TEST(HbaParse, FileWithoutRulesIsRefused) {
  for (std::string_view text : {"", "# nothing\n\n"}) {
    auto rules = parse(text);
    ASSERT_FALSE(rules);
    EXPECT_EQ(rules.error().to_string(), "pg_hba.conf: the file contains no rules");
  }
}

TEST(HbaParse, ToString) {
  EXPECT_EQ(to_string(AuthMethod::kScramSha256), "scram-sha-256");
  EXPECT_EQ(to_string(AuthMethod::kCert), "cert");
  EXPECT_EQ(to_string(AuthMethod::kPassword), "password");
  EXPECT_EQ(to_string(AuthMethod::kMd5), "md5");
  EXPECT_EQ(to_string(AuthMethod::kTrust), "trust");
  EXPECT_EQ(to_string(AuthMethod::kReject), "reject");
  EXPECT_EQ(to_string(ConnectionType::kHostNoSsl), "hostnossl");
  EXPECT_EQ(to_string(ConnectionType::kLocal), "local");
}

TEST(HbaLoad, ReadsAFileAndReportsAMissingOne) {
  auto rules = HbaRules::load(std::string(PGW_TEST_DATA_DIR) + "/auth/pg_hba.conf");
  ASSERT_TRUE(rules) << rules.error().to_string();
  EXPECT_GE(rules->rules().size(), 3u);
  auto missing = HbaRules::load(std::string(PGW_TEST_DATA_DIR) + "/auth/absent.conf");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace pgw::auth
