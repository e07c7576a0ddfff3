// SiLK's twoway flowtypes (packlogic-twoway), in its order: the types the collector
// classifies flows into and the generator produces, looked up by these names in a
// site's class.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace weir {

struct Twoway {
  enum Type : uint8_t {
    kIn,
    kOut,
    kInWeb,
    kOutWeb,
    kInNull,
    kOutNull,
    kInt2Int,
    kExt2Ext,
    kInIcmp,
    kOutIcmp,
    kOther,
    kCount
  };
  static constexpr std::array<std::string_view, kCount> kNames = {
      "in",      "out",     "inweb",  "outweb",  "innull", "outnull",
      "int2int", "ext2ext", "inicmp", "outicmp", "other"};
};

}  // namespace weir
