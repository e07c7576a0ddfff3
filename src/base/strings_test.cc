#include "base/strings.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(Strings, SplitKeepsEmptyPieces) {
  auto parts = Split(",a,,", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[1], "a");
}

TEST(Strings, ParseUintBounds) {
  EXPECT_EQ(ParseUint("65535", 65535), 65535u);
  EXPECT_FALSE(ParseUint("65536", 65535));
  EXPECT_FALSE(ParseUint("12x"));
  EXPECT_FALSE(ParseUint(""));
  EXPECT_EQ(ParseUint("18446744073709551615"), UINT64_MAX);
}

TEST(Strings, SilkRanges) {
  auto r = ParseUintRanges("0-1023,8080,1024-", 65535);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].high, 1023u);
  EXPECT_EQ((*r)[1].low, 8080u);
  EXPECT_EQ((*r)[2].high, 65535u);
  EXPECT_FALSE(ParseUintRanges("5-3", 100).ok());
  EXPECT_FALSE(ParseUintRanges("70000", 65535).ok());
  EXPECT_NE(ParseUintRanges("1,,2", 9).status().message().find("''"), std::string::npos);
}

}  // namespace
}  // namespace weir
