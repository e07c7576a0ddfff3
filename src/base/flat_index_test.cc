#include "base/flat_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "base/hash.h"

namespace weir {
namespace {

struct BadHash {  // everything collides in a few runs: exercises the backward shift
  size_t operator()(uint64_t k) const { return k % 7; }
};
struct GoodHash {
  size_t operator()(uint64_t k) const { return Mix64(k); }
};

template <typename Hash>
void AgreesWithUnorderedMap() {
  FlatIndex<uint64_t, Hash> index;
  std::unordered_map<uint64_t, uint32_t> model;
  std::mt19937_64 rng(3);
  for (int step = 0; step < 20000; ++step) {
    const uint64_t key = rng() % 500;
    if (rng() % 3 == 0) {
      index.Erase(key);
      model.erase(key);
    } else if (!model.count(key)) {
      const auto slot = static_cast<uint32_t>(step);
      index.Insert(key, slot);
      model[key] = slot;
    }
    ASSERT_EQ(index.size(), model.size());
    const uint64_t probe = rng() % 500;
    auto it = model.find(probe);
    const uint32_t want = it == model.end() ? FlatIndex<uint64_t, Hash>::kMissing : it->second;
    ASSERT_EQ(index.Find(probe), want);
  }
  for (const auto& [key, slot] : model) EXPECT_EQ(index.Find(key), slot);
}

TEST(FlatIndex, AgreesWithUnorderedMap) { AgreesWithUnorderedMap<GoodHash>(); }
TEST(FlatIndex, AgreesWithUnorderedMapUnderCollisions) { AgreesWithUnorderedMap<BadHash>(); }

}  // namespace
}  // namespace weir
