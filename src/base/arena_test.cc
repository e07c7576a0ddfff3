#include "base/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace weir {
namespace {

TEST(SlabArena, AllocationsAreAlignedDisjointAndWritable) {
  SlabArena arena(size_t{4} << 20);
  std::vector<std::pair<uint8_t*, size_t>> blocks;
  for (size_t i = 0; i < 200; ++i) {
    size_t n = 1 + (i * 7919) % 100000;
    auto* p = static_cast<uint8_t*>(arena.Allocate(n));
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    std::memset(p, static_cast<int>(i), n);
    blocks.emplace_back(p, n);
  }
  // Every block still holds its own fill: no two overlap.
  for (size_t i = 0; i < blocks.size(); ++i)
    for (size_t k = 0; k < blocks[i].second; k += 997)
      ASSERT_EQ(blocks[i].first[k], static_cast<uint8_t>(i)) << "block " << i;
  EXPECT_GE(arena.mapped(), size_t{4} << 20);
}

TEST(SlabArena, AllocationLargerThanASlabGetsItsOwn) {
  SlabArena arena(size_t{2} << 20);
  auto* big = static_cast<uint8_t*>(arena.Allocate(size_t{9} << 20));
  big[0] = 1;
  big[(size_t{9} << 20) - 1] = 2;
  auto* small = static_cast<uint8_t*>(arena.Allocate(100));
  small[0] = 3;
  EXPECT_EQ(big[0], 1);
  EXPECT_EQ(big[(size_t{9} << 20) - 1], 2);
  EXPECT_GE(arena.mapped(), size_t{9} << 20);
}

TEST(SlabArena, ThreadsGetDisjointMemory) {
  SlabArena arena(size_t{2} << 20);
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<uint32_t*>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto* p = static_cast<uint32_t*>(arena.Allocate(256));
        for (int k = 0; k < 64; ++k) p[k] = static_cast<uint32_t>(t * kEach + i);
        got[t].push_back(p);
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kEach; ++i)
      for (int k = 0; k < 64; k += 21)
        ASSERT_EQ(got[t][i][k], static_cast<uint32_t>(t * kEach + i));
}

}  // namespace
}  // namespace weir
