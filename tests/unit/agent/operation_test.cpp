#include "agent/operation.hpp"

#include <gtest/gtest.h>

namespace pgw::agent {
namespace {

TEST(OperationForPath, FixedSet) {
  EXPECT_EQ(operation_for_path("/v1/start"), Operation::kStart);
  EXPECT_EQ(operation_for_path("/v1/stop"), Operation::kStop);
  EXPECT_EQ(operation_for_path("/v1/restart"), Operation::kRestart);
  EXPECT_EQ(operation_for_path("/v1/reload"), Operation::kReload);
  EXPECT_EQ(operation_for_path("/v1/promote"), Operation::kPromote);
  EXPECT_EQ(operation_for_path("/v1/status"), std::nullopt);
  EXPECT_EQ(operation_for_path("/v1/rm"), std::nullopt);
  EXPECT_EQ(operation_for_path("/start"), std::nullopt);
  EXPECT_EQ(operation_name(Operation::kPromote), "promote");
}

TEST(OperationRequest, ModeDefaultsToFast) {
  auto request = parse_operation_request(Operation::kStop, "/v1/stop", "");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->mode, StopMode::kFast);
  EXPECT_EQ(request->operation, Operation::kStop);
}

TEST(OperationRequest, ModeFromQueryOrBody) {
  auto query = parse_operation_request(Operation::kStop, "/v1/stop?mode=immediate", "");
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->mode, StopMode::kImmediate);
  auto body =
      parse_operation_request(Operation::kRestart, "/v1/restart", R"({"mode":"immediate"})");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->mode, StopMode::kImmediate);
  auto both =
      parse_operation_request(Operation::kStop, "/v1/stop?mode=fast", R"({"mode":"immediate"})");
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->mode, StopMode::kFast);
  EXPECT_TRUE(parse_operation_request(Operation::kStart, "/v1/start", "{}"));
  EXPECT_TRUE(parse_operation_request(Operation::kPromote, "/v1/promote", " \n"));
}

TEST(OperationRequest, RefusesBadParameters) {
  auto expect_error = [](Operation op, std::string_view target, std::string_view body,
                         std::string_view words) {
    auto request = parse_operation_request(op, target, body);
    ASSERT_FALSE(request) << target << " " << body;
    EXPECT_NE(request.error().message.find(words), std::string::npos) << request.error().message;
  };
  expect_error(Operation::kStop, "/v1/stop?mode=smart", "", "expected \"fast\" or \"immediate\"");
  expect_error(Operation::kStop, "/v1/stop", R"({"mode":3})", "expected a string");
  expect_error(Operation::kStop, "/v1/stop", R"({"force":true})", "no parameter \"force\"");
  expect_error(Operation::kStart, "/v1/start?mode=fast", "", "start takes no parameter");
  expect_error(Operation::kPromote, "/v1/promote", R"({"mode":"fast"})", "no parameter");
  expect_error(Operation::kStop, "/v1/stop", "[1]", "JSON object");
  expect_error(Operation::kStop, "/v1/stop", "{", "JSON object");
}

}  // namespace
}  // namespace pgw::agent
