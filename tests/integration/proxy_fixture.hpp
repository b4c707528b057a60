#pragma once
// A PostgreSQL primary shared by the tests of a suite, and a fresh pgwarden per test.

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "pg_client.hpp"
#include "testbed/local_cluster.hpp"
#include "testbed/proxy_instance.hpp"

namespace pgw::testing {

/// The binary under test; $PGWARDEN_BINARY overrides it (e.g. a wrapper running valgrind).
inline std::string pgwarden_binary() {
  if (const char* path = std::getenv("PGWARDEN_BINARY"); path != nullptr && *path != '\0') {
    return path;
  }
  return std::string(PGW_BINARY_DIR) + "/bin/pgwarden";
}
inline std::string pg_bin(const std::string& program) {
  return "/usr/lib/postgresql/15/bin/" + program;
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class ProxyFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { create_cluster(0); }
  static void create_cluster(int standbys) {
    testbed::ClusterOptions options;
    options.standbys = standbys;
    auto created = testbed::LocalCluster::create(options);
    ASSERT_TRUE(created) << created.error().message;
    cluster_ = std::move(*created).release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void TearDown() override {
    // A failed test shows what pgwarden logged.
    if (HasFailure() && proxy_) std::cerr << "--- pgwarden log ---\n" << proxy_->log_text();
  }

  /// Starts a proxy in front of the primary with `settings` (binary filled in).
  void start_proxy(testbed::ProxySettings settings = {}) {
    settings.binary = pgwarden_binary();
    auto started = testbed::ProxyInstance::start(*cluster_, std::move(settings));
    ASSERT_TRUE(started) << started.error().message;
    proxy_ = std::move(*started);
  }

  std::string app_conninfo(const std::string& extra = "") const {
    return proxy_->conninfo(cluster_->app_user(), cluster_->app_password(),
                            cluster_->app_database(), extra);
  }
  std::string direct_conninfo() const {
    return cluster_->primary().conninfo(cluster_->app_user(), cluster_->app_password(),
                                        cluster_->app_database());
  }
  /// Environment for pgbench/psql through the proxy.
  std::vector<std::pair<std::string, std::string>> client_env() const {
    return {{"PGPASSWORD", cluster_->app_password()}, {"PGCONNECT_TIMEOUT", "10"}};
  }

  static testbed::LocalCluster* cluster_;
  std::unique_ptr<testbed::ProxyInstance> proxy_;
};

inline testbed::LocalCluster* ProxyFixture::cluster_ = nullptr;

}  // namespace pgw::testing
