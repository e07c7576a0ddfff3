// Byte planes, packed dictionary indexes and the value dictionary's decoder: the
// pieces of the flow file's column encodings (doc/formats/flowfile.md) that the block
// codec and the dictionary codecs share. Internal to the store.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "store/block_format.h"

namespace weir {

template <typename T>
uint64_t ToOrdered(T v) {
  if constexpr (std::is_signed_v<T>)
    return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  else
    return static_cast<uint64_t>(v);
}

template <typename T>
T FromOrdered(uint64_t v) {
  if constexpr (std::is_signed_v<T>)
    return static_cast<T>(v ^ (uint64_t{1} << 63));
  else
    return static_cast<T>(v);
}

inline uint64_t ZigZag(uint64_t delta) {
  int64_t d = static_cast<int64_t>(delta);
  return (static_cast<uint64_t>(d) << 1) ^ static_cast<uint64_t>(d >> 63);
}
inline uint64_t UnZigZag(uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }

inline uint8_t BytesFor(uint64_t max_value) {
  return static_cast<uint8_t>((64 - std::countl_zero(max_value) + 7) / 8);
}

// What the encoder needs to choose an integer column's encoding: the smallest and
// largest value and the largest zigzagged difference between neighbours.
struct IntRange {
  uint64_t min = 0, max = 0, max_zigzag = 0;
};
IntRange ScanInts(const uint64_t* values, size_t n);

// Cuts n values of `width` bytes into byte planes: plane p holds byte p of every value.
inline void ToPlanes(const uint64_t* values, size_t n, uint8_t width, std::byte* out) {
  for (uint8_t p = 0; p < width; ++p) {
    std::byte* plane = out + size_t{p} * n;
    for (size_t i = 0; i < n; ++i) plane[i] = static_cast<std::byte>(values[i] >> (8 * p));
  }
}

// Value i of the n values stored in `width` byte planes: ForEachPlaneValue's
// values one at a time, for a few rows of many.
inline uint64_t PlaneValueAt(const uint8_t* p, size_t n, uint8_t width, size_t i) {
  uint64_t v = 0;
  for (uint8_t b = 0; b < width; ++b) v |= uint64_t{p[b * n + i]} << (8 * b);
  return v;
}

// Calls emit(i, value) for each of the n values held in `width` byte planes at p,
// with a tight loop per common width so the compiler can vectorise it.
template <typename Emit>
[[gnu::flatten]] inline void ForEachPlaneValue(const uint8_t* p, size_t n, uint8_t width,
                                               Emit&& emit) {
  if (width == 0) {  // nothing stored; p may be null
    for (size_t i = 0; i < n; ++i) emit(i, uint64_t{0});
    return;
  }
  const uint8_t* p1 = p + n;
  const uint8_t* p2 = p + 2 * n;
  const uint8_t* p3 = p + 3 * n;
  switch (width) {
    case 1:
      for (size_t i = 0; i < n; ++i) emit(i, uint64_t{p[i]});
      return;
    case 2:
      for (size_t i = 0; i < n; ++i) emit(i, uint64_t{p[i]} | uint64_t{p1[i]} << 8);
      return;
    case 3:
      for (size_t i = 0; i < n; ++i)
        emit(i, uint64_t{p[i]} | uint64_t{p1[i]} << 8 | uint64_t{p2[i]} << 16);
      return;
    case 4:
      for (size_t i = 0; i < n; ++i)
        emit(i,
             uint64_t{p[i]} | uint64_t{p1[i]} << 8 | uint64_t{p2[i]} << 16 | uint64_t{p3[i]} << 24);
      return;
    default:
      for (size_t i = 0; i < n; ++i) {
        uint64_t v = 0;
        for (uint8_t b = 0; b < width; ++b) v |= uint64_t{p[size_t{b} * n + i]} << (8 * b);
        emit(i, v);
      }
  }
}

// Bytes taken by n dictionary indexes of the given width byte (kPackedIndex or not).
inline size_t IndexBytes(size_t n, uint8_t width) {
  return width & kPackedIndex ? (n * (width & 0x7f) + 7) / 8 : n * width;
}

// Packs n indexes into kBits each, least significant bits first.
template <unsigned kBits>
void PackIndexes(const uint64_t* values, size_t n, std::byte* out) {
  constexpr size_t kPer = 8 / kBits;
  for (size_t b = 0; b * kPer < n; ++b) {
    const size_t count = std::min(kPer, n - b * kPer);
    unsigned packed = 0;
    if (count == kPer) {
      for (size_t k = 0; k < kPer; ++k)
        packed |= static_cast<unsigned>(values[b * kPer + k]) << (k * kBits);
    } else {
      for (size_t k = 0; k < count; ++k)
        packed |= static_cast<unsigned>(values[b * kPer + k]) << (k * kBits);
    }
    out[b] = static_cast<std::byte>(packed);
  }
}

// Writes n indexes of the given width byte at out: packed bits or byte planes.
inline void WriteIndexes(const uint64_t* values, size_t n, uint8_t width, std::byte* out) {
  switch (width) {
    case kPackedIndex | 1:
      return PackIndexes<1>(values, n, out);
    case kPackedIndex | 2:
      return PackIndexes<2>(values, n, out);
    case kPackedIndex | 4:
      return PackIndexes<4>(values, n, out);
  }
  ToPlanes(values, n, width, out);
}

// Expands n indexes packed kBits to a byte into out[i] = dictionary[index]; false if
// an index is not below k. Each stored byte becomes one fixed-size copy from a table
// of every byte's expansion.
template <unsigned kBits, typename T>
bool UnpackIndexes(const uint8_t* p, size_t n, const T* dictionary, size_t k, T* out) {
  constexpr size_t kPer = 8 / kBits;
  constexpr unsigned kMask = (1u << kBits) - 1;
  std::vector<T> table(256 * kPer);
  std::array<bool, 256> bad{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    for (size_t j = 0; j < kPer; ++j) {
      const unsigned index = byte >> (j * kBits) & kMask;
      bad[byte] = bad[byte] || index >= k;
      table[byte * kPer + j] = dictionary[index < k ? index : 0];
    }
  }
  bool in_range = true;
  const size_t full = n / kPer;
  for (size_t b = 0; b < full; ++b) {
    in_range &= !bad[p[b]];
    std::memcpy(out + b * kPer, &table[p[b] * kPer], sizeof(T) * kPer);
  }
  for (size_t i = full * kPer; i < n; ++i) {
    const unsigned index = p[i / kPer] >> ((i % kPer) * kBits) & kMask;
    in_range &= index < k;
    out[i] = dictionary[index < k ? index : 0];
  }
  return in_range;
}

// Expands n dictionary indexes of the given width byte into out[i] = dictionary[index];
// false if an index is not below k.
template <typename T>
bool ExpandIndexes(const uint8_t* p, size_t n, uint8_t width, const T* dictionary, size_t k,
                   T* out) {
  switch (width) {
    case kPackedIndex | 1:
      return UnpackIndexes<1>(p, n, dictionary, k, out);
    case kPackedIndex | 2:
      return UnpackIndexes<2>(p, n, dictionary, k, out);
    case kPackedIndex | 4:
      return UnpackIndexes<4>(p, n, dictionary, k, out);
  }
  bool in_range = true;
  ForEachPlaneValue(p, n, width, [&](size_t i, uint64_t index) {
    in_range &= index < k;
    out[i] = dictionary[index < k ? index : 0];
  });
  return in_range;
}

// A dictionary index width byte a reader accepts: 0-4 bytes, or 1, 2 or 4 packed bits.
inline bool ValidIndexWidth(uint8_t width) {
  return width <= 4 || width == (kPackedIndex | 1) || width == (kPackedIndex | 2) ||
         width == (kPackedIndex | 4);
}

// Decodes a kDictionary column (raw_size bytes of n rows) into out, converting the k
// dictionary values from ordered form to T once each rather than once per row.
template <typename T>
Status DecodeValueDictionary(const std::byte* raw, size_t raw_size, size_t n, uint64_t min,
                             T* out) {
  auto bad = [](std::string_view why) {
    return Status::Corruption("value dictionary " + std::string(why));
  };
  if (raw_size < 8) return bad("is truncated");
  uint64_t k = LoadLe(raw, 4);
  uint8_t value_width = static_cast<uint8_t>(raw[4]), index_width = static_cast<uint8_t>(raw[5]);
  if (k == 0 || k > n || value_width > 8 || !ValidIndexWidth(index_width))
    return bad("has invalid counts or widths");
  if (raw_size != 8 + k * value_width + IndexBytes(n, index_width))
    return bad("has the wrong size");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(raw) + 8;
  std::vector<T> dictionary(k);
  ForEachPlaneValue(p, k, value_width,
                    [&](size_t j, uint64_t v) { dictionary[j] = FromOrdered<T>(v + min); });
  if (!ExpandIndexes(p + k * value_width, n, index_width, dictionary.data(), k, out))
    return bad("index out of range");
  return Status::Ok();
}

}  // namespace weir
