#include "base/thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <stdexcept>

namespace weir {
namespace {

TEST(StartThread, AnEscapingExceptionIsReportedNotFatal) {
  std::string failure;
  std::thread t = StartThread(
      "weir-test", [] { throw std::bad_alloc(); }, [&](const std::string& f) { failure = f; });
  t.join();
  EXPECT_EQ(failure, "thread weir-test failed: out of memory (std::bad_alloc)");
}

TEST(StartThread, ACleanBodyReportsNothing) {
  bool reported = false, ran = false;
  std::thread t = StartThread(
      "weir-test", [&] { ran = true; }, [&](const std::string&) { reported = true; });
  t.join();
  EXPECT_TRUE(ran);
  EXPECT_FALSE(reported);
}

TEST(WorkerGroup, JoinRethrowsTheFirstFailureAfterEveryWorkerEnded) {
  WorkerGroup group;
  std::atomic<int> finished{0};
  std::atomic<bool> stop{false};
  group.Start([] { throw std::runtime_error("worker broke"); }, [&] { stop = true; });
  for (int i = 0; i < 3; ++i)
    group.Start([&] {
      while (!stop.load()) std::this_thread::yield();
      ++finished;
    });
  try {
    group.Join();
    FAIL() << "Join did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "worker broke");
  }
  EXPECT_EQ(finished.load(), 3);
  EXPECT_NO_THROW(group.Join());  // reported once
}

}  // namespace
}  // namespace weir
