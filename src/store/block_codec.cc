#include "store/block_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "base/bytes.h"

namespace weir {

namespace {

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

// Cuts n values of `width` bytes into byte planes: plane p holds byte p of every value.
void ToPlanes(const uint64_t* values, size_t n, uint8_t width, std::byte* out) {
  for (uint8_t p = 0; p < width; ++p) {
    std::byte* plane = out + size_t{p} * n;
    for (size_t i = 0; i < n; ++i) plane[i] = static_cast<std::byte>(values[i] >> (8 * p));
  }
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
void WriteIndexes(const uint64_t* values, size_t n, uint8_t width, std::byte* out) {
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

}  // namespace

uint8_t BlockEncoder::IndexWidth(size_t k) const {
  if (packed_indexes_ && k > 1 && k <= 16)
    return static_cast<uint8_t>(kPackedIndex | (k <= 2 ? 1 : k <= 4 ? 2 : 4));
  return BytesFor(k - 1);
}

bool BlockEncoder::EncodeIpDictionary(const std::vector<IpAddress>& column, IpAddress& min,
                                      IpAddress& max) {
  const size_t n = column.size();
  // A column of one value (the exporter, often the next hop): no hashing needed.
  if (n > 0) {
    const IpAddress first_value = column[0];
    size_t i = 1;
    while (i < n && column[i] == first_value) ++i;
    if (i == n) {
      distinct_v4_.clear();
      std::vector<IpAddress> distinct_v6;
      if (first_value.is_v4())
        distinct_v4_.push_back(first_value.v4());
      else
        distinct_v6.push_back(first_value);
      row_index_.assign(n, 0);
      min = max = first_value;
      EmitIpDictionary(n, distinct_v6);
      return true;
    }
  }
  // The table is sized for `bound` distinct addresses, a guess that starts small so
  // the table stays in cache, and grows when a block has more. Slots hold each
  // address's number in order of first sight, so growing moves only the addresses.
  size_t bound = std::min(n, std::max<size_t>(1024, n / 16));
  size_t mask = 0;
  int shift = 0;
  auto use_bound = [&] {
    size_t capacity = 16;
    while (capacity < bound * 2) capacity <<= 1;
    if (slots_.size() < capacity) {
      slots_.assign(capacity, IpSlot{0, 0, 0});
      generation_ = 0;
    }
    if (++generation_ == 0) {
      for (auto& slot : slots_) slot.generation = 0;
      generation_ = 1;
    }
    mask = capacity - 1;
    shift = 64 - std::countr_zero(capacity);
  };
  auto find_slot = [&](uint32_t key) {
    // Multiplicative hashing takes the product's high bits, which depend on every key bit.
    size_t slot = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
    while (slots_[slot].generation == generation_ && slots_[slot].key != key)
      slot = (slot + 1) & mask;
    return slot;
  };
  row_index_.resize(n);
  // The table may outgrow the CPU cache: fetch the slot of a row a few rows ahead so
  // the probe finds it loaded.
  constexpr size_t kAhead = 8;
  auto home = [&](size_t i) {
    return static_cast<size_t>((uint64_t{column[i].v4()} * 0x9E3779B97F4A7C15ull) >> shift);
  };
  use_bound();
  distinct_v4_.clear();
  v6_rows_.clear();
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(&slots_[home(i + kAhead)]);
    const IpAddress& a = column[i];
    if (!a.is_v4()) {
      v6_rows_.emplace_back(a, static_cast<uint32_t>(i));
      continue;
    }
    uint32_t key = a.v4();
    size_t slot = find_slot(key);
    if (slots_[slot].generation == generation_) {
      row_index_[i] = slots_[slot].index;
      continue;
    }
    const auto id = static_cast<uint32_t>(distinct_v4_.size());
    slots_[slot] = IpSlot{key, id, generation_};
    distinct_v4_.push_back(key);
    row_index_[i] = id;
    // More distinct addresses than half the rows: the dictionary cannot win.
    if (v6_rows_.empty() && distinct_v4_.size() * 2 > n) return false;
    if (distinct_v4_.size() > bound) {
      bound = std::min(n, bound * 4);
      use_bound();
      for (uint32_t j = 0; j < distinct_v4_.size(); ++j)
        slots_[find_slot(distinct_v4_[j])] = IpSlot{distinct_v4_[j], j, generation_};
    }
  }
  if (v6_rows_.empty() && distinct_v4_.size() * 2 > n) return false;
  // Sort the addresses, keeping each one's number of first sight to renumber rows.
  const size_t d = distinct_v4_.size();
  keyed_.resize(d);
  for (size_t j = 0; j < d; ++j) keyed_[j] = uint64_t{distinct_v4_[j]} << 32 | j;
  std::sort(keyed_.begin(), keyed_.end());
  rank_.resize(d);
  for (size_t j = 0; j < d; ++j) {
    distinct_v4_[j] = static_cast<uint32_t>(keyed_[j] >> 32);
    rank_[static_cast<uint32_t>(keyed_[j])] = static_cast<uint32_t>(j);
  }
  for (size_t i = 0; i < n; ++i)
    if (column[i].is_v4()) row_index_[i] = rank_[row_index_[i]];
  std::sort(v6_rows_.begin(), v6_rows_.end());
  std::vector<IpAddress> distinct_v6;
  for (const auto& [address, row] : v6_rows_) {
    if (distinct_v6.empty() || distinct_v6.back() != address) distinct_v6.push_back(address);
    row_index_[row] = static_cast<uint32_t>(distinct_v4_.size() + distinct_v6.size() - 1);
  }
  bool first = true;
  auto widen = [&](const IpAddress& a) {
    if (first || a < min) min = a;
    if (first || max < a) max = a;
    first = false;
  };
  if (!distinct_v4_.empty())
    widen(IpAddress::V4(distinct_v4_.front())), widen(IpAddress::V4(distinct_v4_.back()));
  if (!distinct_v6.empty()) widen(distinct_v6.front()), widen(distinct_v6.back());
  EmitIpDictionary(n, distinct_v6);
  return true;
}

void BlockEncoder::EmitIpDictionary(size_t n, const std::vector<IpAddress>& distinct_v6) {
  // Layout: v4 count, v6 count, delta width, index width, 2 reserved bytes, the v4
  // dictionary as deltas in byte planes, the v6 dictionary in 16 planes, the indexes.
  size_t v4 = distinct_v4_.size(), v6 = distinct_v6.size();
  uint64_t max_delta = 0;
  for (size_t j = 0; j < v4; ++j) {
    values_[j] = distinct_v4_[j] - (j ? distinct_v4_[j - 1] : 0);
    max_delta = std::max(max_delta, values_[j]);
  }
  uint8_t delta_width = BytesFor(max_delta);
  uint8_t index_width = IndexWidth(v4 + v6);
  raw_.resize(12 + v4 * delta_width + v6 * 16 + IndexBytes(n, index_width));
  StoreLe(raw_.data(), v4, 4);
  StoreLe(raw_.data() + 4, v6, 4);
  raw_[8] = std::byte(delta_width);
  raw_[9] = std::byte(index_width);
  raw_[10] = raw_[11] = std::byte(0);
  std::byte* p = raw_.data() + 12;
  ToPlanes(values_.data(), v4, delta_width, p);
  p += v4 * delta_width;
  for (size_t j = 0; j < v6; ++j)
    for (size_t b = 0; b < 16; ++b) p[b * v6 + j] = std::byte(distinct_v6[j].bytes()[b]);
  p += v6 * 16;
  for (size_t i = 0; i < n; ++i) values_[i] = row_index_[i];
  WriteIndexes(values_.data(), n, index_width, p);
}

Status BlockDecoder::DecodeIpDictionary(const std::byte* raw, size_t raw_size, size_t n,
                                        std::vector<IpAddress>& column,
                                        AddressDictionary& dictionary) {
  auto bad = [](std::string_view why) {
    return Status::Corruption("address dictionary " + std::string(why));
  };
  if (raw_size < 12) return bad("is truncated");
  uint64_t v4 = LoadLe(raw, 4), v6 = LoadLe(raw + 4, 4);
  uint8_t delta_width = static_cast<uint8_t>(raw[8]), index_width = static_cast<uint8_t>(raw[9]);
  if (v4 + v6 > n || v4 + v6 == 0 || delta_width > 4 || !ValidIndexWidth(index_width))
    return bad("has invalid counts or widths");
  if (raw_size != 12 + v4 * delta_width + v6 * 16 + IndexBytes(n, index_width))
    return bad("has the wrong size");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(raw) + 12;
  std::vector<IpAddress>& values = dictionary.values;
  values.resize(v4 + v6);
  uint64_t running = 0;
  ForEachPlaneValue(p, v4, delta_width, [&](size_t j, uint64_t delta) {
    running += delta;
    values[j] = IpAddress::V4(static_cast<uint32_t>(running));
  });
  p += v4 * delta_width;
  std::array<uint8_t, 16> b;
  for (size_t j = 0; j < v6; ++j) {
    for (size_t k = 0; k < 16; ++k) b[k] = p[k * v6 + j];
    values[v4 + j] = IpAddress::V6(b);
  }
  p += v6 * 16;
  column.resize(n);
  dictionary.index.resize(n);
  const size_t size = v4 + v6;
  uint32_t* indexes = dictionary.index.data();
  if (index_width & kPackedIndex) {
    // At most 16 entries: unpack the indexes, then look the addresses up.
    std::array<uint32_t, 16> identity;
    std::iota(identity.begin(), identity.end(), 0u);
    if (!ExpandIndexes(p, n, index_width, identity.data(), size, indexes))
      return bad("index out of range");
    const IpAddress* from = values.data();
    IpAddress* out = column.data();
    for (size_t i = 0; i < n; ++i) out[i] = from[indexes[i]];
    return Status::Ok();
  }
  bool in_range = true;
  IpAddress* out = column.data();
  if (v4 > 0) {
    // Rows with an IPv4 entry look it up in a 4-byte copy of the dictionary, a quarter
    // of the cache footprint of the 16-byte addresses.
    auto& from = v4_dictionary_;
    from.resize(v4);
    for (size_t j = 0; j < v4; ++j) from[j] = values[j].v4_word();
    const IpAddress* from_v6 = values.data();
    ForEachPlaneValue(p, n, index_width, [&](size_t i, uint64_t index) {
      in_range &= index < size;
      const uint32_t k = index < size ? static_cast<uint32_t>(index) : 0;
      indexes[i] = k;
      if (k < v4)
        out[i] = IpAddress::V4FromWord(from[k]);
      else
        out[i] = from_v6[k];
    });
    if (!in_range) return bad("index out of range");
    return Status::Ok();
  }
  const IpAddress* from = values.data();
  ForEachPlaneValue(p, n, index_width, [&](size_t i, uint64_t index) {
    in_range &= index < size;
    const uint32_t k = index < size ? static_cast<uint32_t>(index) : 0;
    indexes[i] = k;
    out[i] = from[k];
  });
  if (!in_range) return bad("index out of range");
  return Status::Ok();
}

bool BlockEncoder::EncodeIntDictionary(size_t n, uint64_t min) {
  // A sample decides cheaply whether a dictionary can pay: at most a quarter of the
  // values may be distinct.
  constexpr size_t kSample = 4096;
  // The table holds `bound` distinct values at most half full; the bound starts from
  // the sample's count, so the table stays in cache, and grows when a block has more.
  size_t capacity = 0, mask = 0, bound = 0;
  int shift = 0;
  auto use_bound = [&](size_t distinct_bound) {
    bound = distinct_bound;
    capacity = 16;
    while (capacity < bound * 2) capacity <<= 1;
    if (int_slots_.size() < capacity) {
      int_slots_.assign(capacity, IntSlot{0, 0, 0, 0});
      int_generation_ = 0;
    }
    mask = capacity - 1;
    shift = 64 - std::countr_zero(capacity);
  };
  auto next_generation = [&] {
    if (++int_generation_ == 0) {
      for (auto& slot : int_slots_) slot.generation = 0;
      int_generation_ = 1;
    }
  };
  auto find_slot = [&](uint64_t key) {
    size_t slot = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
    while (int_slots_[slot].generation == int_generation_ && int_slots_[slot].key != key)
      slot = (slot + 1) & mask;
    return slot;
  };
  size_t distinct = 0;
  enum { kFits, kTooMany, kTableFull };
  auto count_rows = [&](size_t rows, size_t limit) {
    next_generation();
    distinct = 0;
    for (size_t i = 0; i < rows; ++i) {
      size_t slot = find_slot(values_[i]);
      IntSlot& entry = int_slots_[slot];
      if (entry.generation != int_generation_) {
        if (++distinct > limit) return kTooMany;
        if (distinct > bound) return kTableFull;
        entry.generation = int_generation_;
        entry.key = values_[i];
        entry.count = 0;
      }
      ++entry.count;
      row_slot_[i] = static_cast<uint32_t>(slot);
    }
    return kFits;
  };
  row_slot_.resize(n);
  size_t sample = std::min(n, kSample);
  use_bound(sample);
  if (count_rows(sample, sample / 4) != kFits) return false;
  use_bound(std::min(n / 4, std::max<size_t>(256, distinct * 8)));
  for (auto result = count_rows(n, n / 4); result != kFits; result = count_rows(n, n / 4)) {
    if (result == kTooMany) return false;
    use_bound(std::min(n / 4, bound * 4));
  }
  by_frequency_.clear();
  for (size_t slot = 0; slot < capacity; ++slot)
    if (int_slots_[slot].generation == int_generation_)
      by_frequency_.emplace_back(int_slots_[slot].count, int_slots_[slot].key);
  // Most frequent first, so the indexes of common values are small and their byte
  // planes compress to nearly the values' entropy; ties by value, for determinism.
  std::sort(by_frequency_.begin(), by_frequency_.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t j = 0; j < by_frequency_.size(); ++j)
    int_slots_[find_slot(by_frequency_[j].second)].rank = static_cast<uint32_t>(j);
  for (size_t i = 0; i < n; ++i) values_[i] = int_slots_[row_slot_[i]].rank;
  EmitIntDictionary(n, min);
  return true;
}

bool BlockEncoder::EncodeSmallDictionary(size_t n, uint64_t min) {
  if (!packed_indexes_) return false;
  // Four histograms, so runs of one value do not wait on one counter.
  std::array<std::array<uint32_t, 256>, 4> partial{};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (size_t k = 0; k < 4; ++k) ++partial[k][static_cast<uint8_t>(values_[i + k] - min)];
  for (; i < n; ++i) ++partial[0][static_cast<uint8_t>(values_[i] - min)];
  std::array<uint32_t, 256> counts;
  for (size_t v = 0; v < 256; ++v)
    counts[v] = partial[0][v] + partial[1][v] + partial[2][v] + partial[3][v];
  by_frequency_.clear();
  for (uint32_t v = 0; v < 256; ++v) {
    if (counts[v] == 0) continue;
    if (by_frequency_.size() == 16) return false;
    by_frequency_.emplace_back(counts[v], min + v);
  }
  std::sort(by_frequency_.begin(), by_frequency_.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::array<uint8_t, 256> rank{};
  for (size_t j = 0; j < by_frequency_.size(); ++j)
    rank[by_frequency_[j].second - min] = static_cast<uint8_t>(j);
  for (size_t r = 0; r < n; ++r) values_[r] = rank[values_[r] - min];
  EmitIntDictionary(n, min);
  return true;
}

void BlockEncoder::EmitIntDictionary(size_t n, uint64_t min) {
  const size_t k = by_frequency_.size();
  uint64_t max_value = 0;
  for (const auto& entry : by_frequency_) max_value = std::max(max_value, entry.second - min);
  uint8_t value_width = BytesFor(max_value);
  uint8_t index_width = IndexWidth(k);
  // Layout: u32 count, u8 value width, u8 index width, u16 0, the values minus the
  // column minimum in byte planes, the indexes (packed bits or byte planes).
  raw_.resize(8 + k * value_width + IndexBytes(n, index_width));
  StoreLe(raw_.data(), k, 4);
  raw_[4] = std::byte(value_width);
  raw_[5] = std::byte(index_width);
  raw_[6] = raw_[7] = std::byte(0);
  WriteIndexes(values_.data(), n, index_width, raw_.data() + 8 + k * value_width);
  for (size_t j = 0; j < k; ++j) values_[j] = by_frequency_[j].second - min;
  ToPlanes(values_.data(), k, value_width, raw_.data() + 8);
}

namespace {

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

}  // namespace

void BlockEncoder::Encode(const FlowBatch& batch, std::vector<std::byte>& out) {
  const size_t n = batch.size();
  BlockHeader header;
  header.flags = column_checksums_ ? kBlockColumnChecksums : 0;
  header.record_count = static_cast<uint32_t>(n);
  payload_.clear();
  values_.resize(n);

  // Integer values (already in ordered form in values_) -> entry + payload bytes.
  auto emit_ints = [&](ColumnEntry& entry) {
    uint64_t min = UINT64_MAX, max = 0, max_zigzag = 0, prev = n ? values_[0] : 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t v = values_[i];
      min = std::min(min, v);
      max = std::max(max, v);
      max_zigzag = std::max(max_zigzag, ZigZag(v - prev));
      prev = v;
    }
    if (n == 0) min = 0;
    uint8_t for_width = BytesFor(max - min);
    uint8_t delta_width = BytesFor(max_zigzag);
    if (!entry.is_ip) {
      entry.min = min;
      entry.max = max;
    }
    // Not for the flags residual: a dictionary's values count from the entry's min,
    // which the flags column sets to the flags' own zone map.
    if (!entry.is_ip && entry.field != FieldId::kFlags &&
        ((for_width >= 2 && delta_width >= for_width && EncodeIntDictionary(n, min)) ||
         (for_width == 1 && EncodeSmallDictionary(n, min)))) {
      entry.encoding = ColumnEncoding::kDictionary;
      entry.width = static_cast<uint8_t>(raw_[5]);  // the index width, for information
      entry.base = raw_.size();
      return;
    }
    if (delta_width < for_width) {
      entry.encoding = ColumnEncoding::kDelta;
      entry.width = delta_width;
      entry.base = n ? values_[0] : 0;
      uint64_t p = entry.base;
      for (size_t i = 0; i < n; ++i) {
        uint64_t v = values_[i];
        values_[i] = ZigZag(v - p);
        p = v;
      }
    } else {
      entry.encoding = ColumnEncoding::kFrameOfReference;
      entry.width = for_width;
      entry.base = min;
      for (size_t i = 0; i < n; ++i) values_[i] -= min;
    }
    raw_.resize(n * entry.width);
    ToPlanes(values_.data(), n, entry.width, raw_.data());
  };

  auto finish_column = [&](ColumnEntry& entry) {
    size_t before = payload_.size();
    entry.codec = raw_.empty() ? Compression::kNone : compressor_.Compress(codec_, raw_, payload_);
    entry.stored_size = static_cast<uint32_t>(payload_.size() - before);
    entry.checksum = Checksum(std::span(payload_).subspan(before));
    header.columns.push_back(entry);
  };

  auto encode_ip = [&](FieldId id, const std::vector<IpAddress>& column) {
    ColumnEntry entry;
    entry.field = id;
    entry.is_ip = true;
    if (n > 0 && EncodeIpDictionary(column, entry.ip_min, entry.ip_max)) {
      entry.encoding = ColumnEncoding::kIpDictionary;
      entry.width = static_cast<uint8_t>(raw_[9]);  // the index width, for information
      entry.base = raw_.size();
    } else {
      bool all_v4 = true;
      IpAddress lo, hi;
      if (n) lo = hi = column[0];
      for (size_t i = 0; i < n; ++i) {
        const IpAddress& a = column[i];
        all_v4 = all_v4 && a.is_v4();
        if (a < lo) lo = a;
        if (hi < a) hi = a;
      }
      entry.ip_min = lo;
      entry.ip_max = hi;
      if (all_v4) {
        for (size_t i = 0; i < n; ++i) values_[i] = column[i].v4();
        emit_ints(entry);
      } else {
        entry.encoding = ColumnEncoding::kIpv6;
        entry.width = 16;
        raw_.resize(n * 16);
        for (size_t i = 0; i < n; ++i) {
          const auto& b = column[i].bytes();
          for (size_t p = 0; p < 16; ++p) raw_[p * n + i] = std::byte(b[p]);
        }
      }
    }
    finish_column(entry);
  };

  auto encode = [&](FieldId id, const auto& column) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if constexpr (std::is_same_v<T, IpAddress>) {
      encode_ip(id, column);
    } else {
      ColumnEntry entry;
      entry.field = id;
      for (size_t i = 0; i < n; ++i) values_[i] = ToOrdered<T>(column[i]);
      if (id == FieldId::kFlags) {
        // All-packet flags are nearly always initial | session: store the difference.
        uint64_t lo = UINT64_MAX, hi = 0;
        for (size_t i = 0; i < n; ++i) {
          lo = std::min(lo, values_[i]);
          hi = std::max(hi, values_[i]);
          values_[i] ^= batch.initial_flags[i] | batch.session_flags[i];
        }
        emit_ints(entry);
        entry.encoding =
            static_cast<ColumnEncoding>(static_cast<uint8_t>(entry.encoding) | kFlagsResidual);
        entry.min = n ? lo : 0;  // the zone map describes the flags themselves
        entry.max = hi;
      } else {
        emit_ints(entry);
      }
      finish_column(entry);
    }
  };
#define WEIR_ENCODE_COLUMN(id, member, type) encode(FieldId::id, batch.member);
  WEIR_STORED_COLUMNS(WEIR_ENCODE_COLUMN)
#undef WEIR_ENCODE_COLUMN

  header.payload_size = static_cast<uint32_t>(payload_.size());
  header.payload_checksum = Checksum(payload_);
  SerializeBlockHeader(header, out);
  out.insert(out.end(), payload_.begin(), payload_.end());
}

void EncodeSelectedBlock(const BlockHeader& header, std::span<const std::byte> payload,
                         std::span<const uint32_t> rows, std::vector<std::byte>& out) {
  BlockHeader h = header;
  std::vector<std::byte> bitmap((h.record_count + 7) / 8, std::byte{0});
  for (uint32_t r : rows) bitmap[r / 8] |= std::byte(1u << (r % 8));
  ColumnEntry sel;
  sel.field = static_cast<FieldId>(kSelectionColumn);
  sel.encoding = ColumnEncoding::kFrameOfReference;
  sel.codec = Compression::kNone;
  sel.width = 0;
  sel.stored_size = static_cast<uint32_t>(bitmap.size());
  sel.base = rows.size();
  sel.checksum = Checksum(bitmap);
  h.columns.push_back(sel);
  h.flags |= kBlockSelection;
  h.payload_size += sel.stored_size;
  std::vector<std::byte> whole(payload.begin(), payload.end());
  whole.insert(whole.end(), bitmap.begin(), bitmap.end());
  h.payload_checksum = Checksum(whole);
  SerializeBlockHeader(h, out);
  out.insert(out.end(), whole.begin(), whole.end());
}

namespace {

// Keeps the rows of column named by keep (ascending), in place.
template <typename T>
void KeepRows(std::vector<T>& column, const std::vector<uint32_t>& keep) {
  for (size_t k = 0; k < keep.size(); ++k) column[k] = column[keep[k]];
  column.resize(keep.size());
}

}  // namespace

Status BlockDecoder::Decode(const BlockHeader& header, std::span<const std::byte> payload,
                            ColumnSet columns, FlowBatch& batch) {
  static const FlowRecord kDefaults;
  const size_t n = header.record_count;
  // Columns are resized, not cleared: a batch reused block after block keeps its
  // memory and is not zero-filled only to be overwritten.
  ColumnSet present;
  batch.DropDictionaries();
  size_t offset = 0;
  std::vector<const ColumnEntry*> entries(kMaxFieldId + 1, nullptr);
  std::vector<size_t> offsets(kMaxFieldId + 1, 0);
  for (const auto& c : header.columns) {
    size_t id = static_cast<size_t>(c.field);
    if (id <= static_cast<size_t>(kMaxFieldId)) {
      entries[id] = &c;
      offsets[id] = offset;
    }
    offset += c.stored_size;
  }

  // Points `raw` at a column's bytes before compression: in the payload itself when
  // the column is stored uncompressed, else in raw_ after decompressing.
  const std::byte* raw = nullptr;
  auto load_raw = [&](const ColumnEntry& c, size_t at, size_t raw_size) -> Status {
    if (c.codec == Compression::kNone) {
      if (c.stored_size != raw_size) return Status::Corruption("stored size mismatch");
      raw = payload.data() + at;
      return Status::Ok();
    }
    raw_.resize(raw_size);
    raw = raw_.data();
    return decompressor_.Decompress(c.codec, payload.subspan(at, c.stored_size), raw_.data(),
                                    raw_size);
  };
  bool residual = false;
  auto load_ints = [&](const ColumnEntry& entry, size_t at) -> Status {
    ColumnEntry c = entry;
    if (c.field == FieldId::kFlags && (static_cast<uint8_t>(c.encoding) & kFlagsResidual)) {
      residual = true;
      c.encoding = static_cast<ColumnEncoding>(static_cast<uint8_t>(c.encoding) & ~kFlagsResidual);
    }
    if (c.encoding == ColumnEncoding::kDictionary) {
      if (c.base > n * 12 + 8) return Status::Corruption("value dictionary is too large");
      WEIR_RETURN_IF_ERROR(load_raw(c, at, c.base));
      values_.resize(n);
      return DecodeValueDictionary<uint64_t>(raw, c.base, n, c.min, values_.data());
    }
    if (c.width > 8 ||
        (c.encoding != ColumnEncoding::kFrameOfReference && c.encoding != ColumnEncoding::kDelta))
      return Status::Corruption("column " + std::string(GetField(c.field).name) +
                                " has an invalid encoding");
    WEIR_RETURN_IF_ERROR(load_raw(c, at, n * c.width));
    values_.resize(n);
    uint64_t* out = values_.data();
    const uint8_t* planes = reinterpret_cast<const uint8_t*>(raw);
    if (c.encoding == ColumnEncoding::kFrameOfReference) {
      const uint64_t base = c.base;
      ForEachPlaneValue(planes, n, c.width, [&](size_t i, uint64_t v) { out[i] = base + v; });
    } else {
      uint64_t p = c.base;
      ForEachPlaneValue(planes, n, c.width,
                        [&](size_t i, uint64_t v) { out[i] = p += UnZigZag(v); });
    }
    return Status::Ok();
  };

  auto decode = [&](FieldId id, auto& column, const auto& default_value) -> Status {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if (!columns.Has(id)) return Status::Ok();
    residual = false;
    const ColumnEntry* c = entries[static_cast<size_t>(id)];
    size_t at = offsets[static_cast<size_t>(id)];
    column.resize(n);
    present.Add(id);
    if (!c) {
      // A column this file does not have keeps its default value.
      std::fill(column.begin(), column.end(), default_value);
      return Status::Ok();
    }
    if constexpr (std::is_same_v<T, IpAddress>) {
      if (c->encoding == ColumnEncoding::kIpDictionary) {
        if (c->base > n * 40 + 12) return Status::Corruption("address dictionary is too large");
        WEIR_RETURN_IF_ERROR(load_raw(*c, at, c->base));
        return DecodeIpDictionary(raw, c->base, n, column, batch.SetDictionary(id));
      }
      if (c->encoding == ColumnEncoding::kIpv6) {
        if (c->width != 16) return Status::Corruption("IPv6 column has an invalid width");
        WEIR_RETURN_IF_ERROR(load_raw(*c, at, n * 16));
        std::array<uint8_t, 16> b;
        for (size_t i = 0; i < n; ++i) {
          for (size_t p = 0; p < 16; ++p) b[p] = static_cast<uint8_t>(raw[p * n + i]);
          column[i] = IpAddress::V6(b);
        }
        return Status::Ok();
      }
      WEIR_RETURN_IF_ERROR(load_ints(*c, at));
      for (size_t i = 0; i < n; ++i) column[i] = IpAddress::V4(static_cast<uint32_t>(values_[i]));
    } else if (const ColumnEncoding encoding =
                   static_cast<ColumnEncoding>(static_cast<uint8_t>(c->encoding) & ~kFlagsResidual);
               encoding == ColumnEncoding::kDictionary) {
      // Values straight into the column, without 64-bit staging.
      residual = c->field == FieldId::kFlags && encoding != c->encoding;
      if (c->base > n * 12 + 8) return Status::Corruption("value dictionary is too large");
      WEIR_RETURN_IF_ERROR(load_raw(*c, at, c->base));
      return DecodeValueDictionary(raw, c->base, n, c->min, column.data());
    } else if (c->encoding == ColumnEncoding::kFrameOfReference && c->width <= 8 &&
               !std::is_signed_v<T>) {
      // Frame of reference straight into the column, without 64-bit staging.
      WEIR_RETURN_IF_ERROR(load_raw(*c, at, n * c->width));
      const uint64_t base = c->base;
      T* out = column.data();
      ForEachPlaneValue(reinterpret_cast<const uint8_t*>(raw), n, c->width,
                        [&](size_t i, uint64_t v) { out[i] = static_cast<T>(base + v); });
    } else {
      WEIR_RETURN_IF_ERROR(load_ints(*c, at));
      for (size_t i = 0; i < n; ++i) column[i] = FromOrdered<T>(values_[i]);
    }
    return Status::Ok();
  };
  // Flags stored as a residual need both TCP flag columns to be rebuilt.
  if (columns.Has(FieldId::kFlags)) {
    columns.Add(FieldId::kInitialFlags);
    columns.Add(FieldId::kSessionFlags);
  }
  bool flags_residual = false;
#define WEIR_DECODE_COLUMN(id, member, type)                                     \
  if (Status s = decode(FieldId::id, batch.member, kDefaults.member); !s.ok()) { \
    batch.DropDictionaries();                                                    \
    return s.WithPrefix("column " + std::string(GetField(FieldId::id).name));    \
  }                                                                              \
  if (FieldId::id == FieldId::kFlags) flags_residual = residual;
  WEIR_STORED_COLUMNS(WEIR_DECODE_COLUMN)
#undef WEIR_DECODE_COLUMN
  if (flags_residual && present.Has(FieldId::kFlags)) {
    if (!present.Has(FieldId::kInitialFlags) || !present.Has(FieldId::kSessionFlags))
      return Status::Corruption("flags are stored relative to columns the block lacks");
    for (size_t i = 0; i < n; ++i)
      batch.flags[i] ^= batch.initial_flags[i] | batch.session_flags[i];
  }
  if (header.flags & kBlockSelection) {
    // Keep only the selected rows.
    size_t at = 0;
    const ColumnEntry* sel = nullptr;
    for (const auto& c : header.columns) {
      if (static_cast<uint8_t>(c.field) == kSelectionColumn) {
        sel = &c;
        break;
      }
      at += c.stored_size;
    }
    if (!sel || sel->codec != Compression::kNone || sel->stored_size != (n + 7) / 8)
      return Status::Corruption("block selection is malformed");
    const auto* bits = reinterpret_cast<const uint8_t*>(payload.data() + at);
    keep_.clear();
    for (uint32_t i = 0; i < n; ++i)
      if (bits[i / 8] >> (i % 8) & 1) keep_.push_back(i);
    if (keep_.size() != sel->base) return Status::Corruption("block selection count mismatch");
#define WEIR_KEEP_COLUMN(id, member, type) \
  if (present.Has(FieldId::id)) KeepRows(batch.member, keep_);
    WEIR_STORED_COLUMNS(WEIR_KEEP_COLUMN)
#undef WEIR_KEEP_COLUMN
    for (FieldId id : {FieldId::kSip, FieldId::kDip, FieldId::kNhip, FieldId::kExporter})
      if (batch.Dictionary(id)) KeepRows(batch.SetDictionary(id).index, keep_);
    batch.SetDecoded(keep_.size(), present);
    return Status::Ok();
  }
  batch.SetDecoded(n, present);
  return Status::Ok();
}

}  // namespace weir
