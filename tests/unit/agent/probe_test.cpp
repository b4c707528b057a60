#include "agent/probe.hpp"

#include <gtest/gtest.h>

namespace pgw::agent {
namespace {

const NodeState kStopped{false, std::nullopt};
const NodeState kPrimary{true, false};
const NodeState kReplica{true, true};
const NodeState kUnknownRole{true, std::nullopt};

struct Case {
  Probe probe;
  NodeState state;
  int status;
};

TEST(ProbeStatus, FollowsPatroni) {
  const Case cases[] = {
      {Probe::kPrimary, kPrimary, 200},
      {Probe::kPrimary, kReplica, 503},
      {Probe::kPrimary, kStopped, 503},
      {Probe::kPrimary, kUnknownRole, 503},
      {Probe::kReplica, kPrimary, 503},
      {Probe::kReplica, kReplica, 200},
      {Probe::kReplica, kStopped, 503},
      {Probe::kReplica, kUnknownRole, 503},
      {Probe::kReadOnly, kPrimary, 200},
      {Probe::kReadOnly, kReplica, 200},
      {Probe::kReadOnly, kStopped, 503},
      {Probe::kReadOnly, kUnknownRole, 503},
      {Probe::kHealth, kPrimary, 200},
      {Probe::kHealth, kReplica, 200},
      {Probe::kHealth, kStopped, 503},
      {Probe::kHealth, kUnknownRole, 200},
      // A stale role with running false never counts.
      {Probe::kPrimary, {false, false}, 503},
      {Probe::kReplica, {false, true}, 503},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(probe_status(c.probe, c.state), c.status)
        << "probe " << static_cast<int>(c.probe) << " running " << c.state.running;
  }
}

TEST(ProbeForPath, KnowsPatroniPaths) {
  EXPECT_EQ(probe_for_path("/primary"), Probe::kPrimary);
  EXPECT_EQ(probe_for_path("/read-write"), Probe::kPrimary);
  EXPECT_EQ(probe_for_path("/master"), Probe::kPrimary);
  EXPECT_EQ(probe_for_path("/leader"), Probe::kPrimary);
  EXPECT_EQ(probe_for_path("/replica"), Probe::kReplica);
  EXPECT_EQ(probe_for_path("/read-only"), Probe::kReadOnly);
  EXPECT_EQ(probe_for_path("/health"), Probe::kHealth);
  EXPECT_EQ(probe_for_path("/"), Probe::kPrimary);
  EXPECT_EQ(probe_for_path(""), std::nullopt);
  EXPECT_EQ(probe_for_path("/v1/status"), std::nullopt);
  EXPECT_EQ(probe_for_path("/primary/"), std::nullopt);
}

TEST(ProbeBody, SaysStateAndRoleOnly) {
  EXPECT_EQ(probe_body(kPrimary), R"({"role":"primary","state":"running"})");
  EXPECT_EQ(probe_body(kReplica), R"({"role":"replica","state":"running"})");
  EXPECT_EQ(probe_body(kStopped), R"({"role":"unknown","state":"stopped"})");
  EXPECT_EQ(probe_body(kUnknownRole), R"({"role":"unknown","state":"running"})");
}

}  // namespace
}  // namespace pgw::agent
