// Decimal text of unsigned integers for formatters that write straight into
// memory (JSON, text columns): inline, two digits per step, with the length known
// up front, so the digits are written once, right to left. Most values a flow
// record prints are short (ports, protocols, packet counts), and for them this is
// several times cheaper than a call to std::to_chars.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace weir {

namespace decimal_internal {
inline constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
inline constexpr uint64_t kPowers[] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
}  // namespace decimal_internal

// Digits in v's decimal form (1 for 0).
inline int DecimalLength(uint64_t v) {
  // log10 from the bit length (1233/4096 ~ log10(2)), then one comparison.
  // v | 1 gives 0 its one digit and never reaches a power of ten v is below
  // (from 10 up they are even).
  const uint64_t x = v | 1;
  const int t = std::bit_width(x) * 1233 >> 12;
  return t + (x >= decimal_internal::kPowers[t]);
}

// Writes v in decimal at p (at most 20 bytes); returns the end.
inline char* PutDecimal(char* p, uint64_t v) {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  char* const end = p + DecimalLength(v);
  char* q = end;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, decimal_internal::kPairs + (v % 100) * 2, 2);
    v /= 100;
  }
  if (v >= 10)
    std::memcpy(q - 2, decimal_internal::kPairs + v * 2, 2);
  else
    q[-1] = static_cast<char>('0' + v);
  return end;
}

}  // namespace weir
