#include "cluster/state_changes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cluster/apply_observations.hpp"
#include "cluster_test_util.hpp"

namespace pgw::cluster {
namespace {

using namespace testing;
using ::testing::HasSubstr;

std::vector<std::string> texts(const std::vector<ChangeNote>& notes) {
  std::vector<std::string> result;
  for (const auto& note : notes)
    result.push_back((note.warning ? "W " : "I ") + note.text);
  return result;
}

struct Step {
  std::vector<NodeObservation> observations;
  std::vector<std::string> notes;
};

TEST(StateChanges, DescribesEachChangeOnce) {
  auto state = state_with(3);
  std::vector<Step> steps = {
      {{standby(0x10, 0x10), primary(0x10), unreachable("connection refused")},
       {"I primary: node node1 (10.0.0.2:5433)", "I node node0 (10.0.0.1:5432) is up (standby)",
        "I node node1 (10.0.0.2:5433) is up (primary)",
        "W node node2 (10.0.0.3:5434) is down: connection refused"}},
      {{standby(0x10, 0x10), primary(0x10), unreachable("still refused")}, {}},
      {{standby(0x10, 0x10), primary(0x10), standby(0x10, 0x10)},
       {"I node node2 (10.0.0.3:5434) is up (standby)"}},
      {{primary(0x20, {}, 2), primary(0x10), standby(0x10, 0x10)},
       {"W node node0 (10.0.0.1:5432) is now a primary (was a standby)",
        "W node node0 (10.0.0.1:5432) is out of recovery while node node1 (10.0.0.2:5433) is the "
        "primary: a false primary, it gets no traffic"}},
      {{primary(0x20, {}, 2), primary(0x10), standby(0x10, 0x10)}, {}},
      // The primary misses a probe: it keeps the role (only failover moves it), and the hand-
      // promoted node stays a false primary.
      {{primary(0x20, {}, 2), unreachable("timeout"), standby(0x10, 0x10)},
       {"W node node1 (10.0.0.2:5433) is down: timeout"}},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto next = apply_observations(state, steps[i].observations, kStart, kSteadyStart);
    EXPECT_EQ(texts(describe_changes(state, next, steps[i].observations)), steps[i].notes)
        << "step " << i;
    state = next;
  }
}

}  // namespace
}  // namespace pgw::cluster
