#include "proxy/cancel_registry.hpp"

#include <set>

#include <gtest/gtest.h>

namespace pgw::proxy {
namespace {

TEST(CancelRegistry, FindsTheServerOnlyWithTheRightSecret) {
  CancelRegistry registry(SecureRandom::instance());
  auto key = registry.register_client();
  EXPECT_GT(key.process_id, 0);
  EXPECT_FALSE(registry.find(key.process_id, key.secret_key)) << "no server attached yet";
  registry.set_target(key, CancelTarget{{"pg1", "127.0.0.1", 5432}, 4242, 99});
  auto target = registry.find(key.process_id, key.secret_key);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->process_id, 4242);
  EXPECT_EQ(target->secret_key, 99);
  EXPECT_FALSE(registry.find(key.process_id, key.secret_key ^ 1));
  EXPECT_FALSE(registry.find(key.process_id + 1, key.secret_key));
  registry.unregister_client(key);
  EXPECT_FALSE(registry.find(key.process_id, key.secret_key));
}

TEST(CancelRegistry, KeysAreUnique) {
  CancelRegistry registry(SecureRandom::instance());
  std::set<std::int32_t> pids;
  for (int i = 0; i < 10'000; ++i)
    pids.insert(registry.register_client().process_id);
  EXPECT_EQ(pids.size(), 10'000u);
  EXPECT_EQ(registry.size(), 10'000u);
}

}  // namespace
}  // namespace pgw::proxy
