// Small string helpers shared by every parser of user text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir {

std::string_view Trim(std::string_view s);
// Splits on `sep`; empty pieces are kept (",a,," gives 4 pieces).
std::vector<std::string_view> Split(std::string_view s, char sep);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);

// Parses a whole decimal unsigned number no larger than max.
std::optional<uint64_t> ParseUint(std::string_view s, uint64_t max = UINT64_MAX);

// A closed range of unsigned values, as in SiLK's list syntax.
struct UintRange {
  uint64_t low = 0, high = 0;
};

// Parses SiLK's list-and-range syntax: "0-1023,8080", "1024-" (open upper end goes to
// max). Fails with a message naming the bad piece.
Result<std::vector<UintRange>> ParseUintRanges(std::string_view text, uint64_t max);

}  // namespace weir
