#include "proxy/session_settings.hpp"

#include <gtest/gtest.h>

namespace pgw::proxy {
namespace {

protocol::StartupMessage startup(std::vector<std::pair<std::string, std::string>> parameters) {
  protocol::StartupMessage message;
  message.parameters = std::move(parameters);
  return message;
}

TEST(SessionSettings, TakesEveryParameterButIdentityAndProtocolOptions) {
  auto settings = settings_from_startup(startup({{"user", "u"},
                                                 {"database", "d"},
                                                 {"application_name", "psql"},
                                                 {"_pq_.something", "x"},
                                                 {"client_encoding", "UTF8"}}));
  ASSERT_TRUE(settings);
  EXPECT_EQ(*settings, (Settings{{"application_name", "psql"}, {"client_encoding", "UTF8"}}));
}

TEST(SessionSettings, ParsesOptionsSwitchesLikePostgres) {
  auto settings = parse_options_switches(
      "-c search_path=a,b -cwork_mem=8MB --statement-timeout=5s -c x.y=with\\ space");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(*settings, (Settings{{"search_path", "a,b"},
                                 {"work_mem", "8MB"},
                                 {"statement_timeout", "5s"},
                                 {"x.y", "with space"}}));
}

TEST(SessionSettings, RefusesOptionsItCannotApply) {
  EXPECT_FALSE(parse_options_switches("-B 100"));
  EXPECT_FALSE(parse_options_switches("-c"));
  EXPECT_FALSE(parse_options_switches("-c noequals"));
  EXPECT_FALSE(parse_options_switches("-c bad;name=1"));
  EXPECT_FALSE(settings_from_startup(startup({{"user", "u"}, {"bad name", "1"}})));
}

TEST(SessionSettings, SetsOnlyWhatDiffersFromTheServer) {
  pool::ParameterSet server;
  server.set("application_name", "");
  server.set("DateStyle", "ISO, MDY");
  Settings wanted = {{"application_name", "app"}, {"datestyle", "ISO, MDY"}, {"work_mem", "1MB"}};
  EXPECT_EQ(build_set_statements(wanted, server),
            "SET application_name TO 'app';SET work_mem TO '1MB';");
  server.set("application_name", "app");
  EXPECT_EQ(build_set_statements({{"application_name", "app"}}, server), "");
}

TEST(SessionSettings, QuotesValues) {
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  EXPECT_EQ(quote_literal(""), "''");
}

}  // namespace
}  // namespace pgw::proxy
