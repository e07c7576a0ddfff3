#include "base/decimal.h"

#include <gtest/gtest.h>

#include <charconv>
#include <random>
#include <string>

namespace weir {
namespace {

std::string Expected(uint64_t v) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string Written(uint64_t v) {
  char buf[24];
  return std::string(buf, PutDecimal(buf, v));
}

TEST(Decimal, EveryPowerOfTenAndItsNeighbours) {
  uint64_t p = 1;
  for (int digits = 1; digits <= 20; ++digits) {
    for (uint64_t v : {p - 1, p, p + 1, p * 9 / 10 * 10 + (p > 1 ? p - 1 : 0)}) {
      EXPECT_EQ(Written(v), Expected(v)) << v;
      EXPECT_EQ(DecimalLength(v), static_cast<int>(Expected(v).size())) << v;
    }
    if (digits < 20) p *= 10;
  }
  EXPECT_EQ(Written(UINT64_MAX), "18446744073709551615");
  EXPECT_EQ(Written(0), "0");
}

TEST(Decimal, MatchesToCharsOnRandomValuesOfEveryLength) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint64_t v = rng() >> (rng() % 64);
    ASSERT_EQ(Written(v), Expected(v)) << v;
  }
  for (uint64_t v = 0; v < 100000; ++v) ASSERT_EQ(Written(v), Expected(v)) << v;
}

}  // namespace
}  // namespace weir
