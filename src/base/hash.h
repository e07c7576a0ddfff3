// Hashing helpers shared by hash tables (aggregation, the meter's flow cache) and
// the generator's deterministic streams.
#pragma once

#include <cstdint>

namespace weir {

// The MurmurHash3 64-bit finaliser: every input bit affects every output bit.
inline uint64_t Mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace weir
