// The address and value dictionaries of the flow file's columns: encoding (hash
// tables that count distinct values) and the address dictionary's decoding.
#include <algorithm>
#include <array>
#include <bit>
#include <numeric>

#include "store/block_codec.h"
#include "store/column_planes.h"

namespace weir {

uint8_t BlockEncoder::IndexWidth(size_t k) const {
  if (packed_indexes_ && k > 1 && k <= 16)
    return static_cast<uint8_t>(kPackedIndex | (k <= 2 ? 1 : k <= 4 ? 2 : 4));
  return BytesFor(k - 1);
}

bool BlockEncoder::EncodeIpDictionary(const Column<IpAddress>& column, IpAddress& min,
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
                                        const std::span<const uint32_t>* rows, bool compact,
                                        Column<IpAddress>& column, AddressDictionary& dictionary) {
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
  if (compact && rows && v6 == 0 && !(index_width & kPackedIndex))
    return LookUpIpv4Rows(p, v4, delta_width, n, index_width, *rows, column);
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
  compact = compact && rows;
  column.resize(compact ? rows->size() : n);
  dictionary.index.resize(n);
  const size_t size = v4 + v6;
  uint32_t* indexes = dictionary.index.data();
  // The addresses of the rows asked for, once every row's index is known; compact,
  // the dictionary then keeps the indexes of those rows only, as the column.
  auto look_up_rows = [&] {
    const IpAddress* from = values.data();
    IpAddress* out = column.data();
    if (compact) {
      for (size_t k = 0; k < rows->size(); ++k) out[k] = from[indexes[(*rows)[k]]];
      for (size_t k = 0; k < rows->size(); ++k) indexes[k] = indexes[(*rows)[k]];
      dictionary.index.resize(rows->size());
    } else {
      for (uint32_t i : *rows) out[i] = from[indexes[i]];
    }
  };
  if (index_width & kPackedIndex) {
    // At most 16 entries: unpack the indexes, then look the addresses up.
    std::array<uint32_t, 16> identity;
    std::iota(identity.begin(), identity.end(), 0u);
    if (!ExpandIndexes(p, n, index_width, identity.data(), size, indexes))
      return bad("index out of range");
    if (rows) {
      look_up_rows();
    } else {
      const IpAddress* from = values.data();
      IpAddress* out = column.data();
      for (size_t i = 0; i < n; ++i) out[i] = from[indexes[i]];
    }
    return Status::Ok();
  }
  bool in_range = true;
  IpAddress* out = column.data();
  if (rows) {
    // Every row's index (the dictionary keeps them), the addresses of the rows asked for.
    ForEachPlaneValue(p, n, index_width, [&](size_t i, uint64_t index) {
      in_range &= index < size;
      indexes[i] = index < size ? static_cast<uint32_t>(index) : 0;
    });
    if (!in_range) return bad("index out of range");
    look_up_rows();
    return Status::Ok();
  }
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

Status BlockDecoder::LookUpIpv4Rows(const uint8_t* p, size_t v4, uint8_t delta_width, size_t n,
                                    uint8_t index_width, std::span<const uint32_t> rows,
                                    Column<IpAddress>& column) {
  // The dictionary as 4-byte words (a quarter of the addresses' memory), then each
  // row's index read from its planes and looked up: the other rows are not touched.
  auto& words = v4_dictionary_;
  words.resize(v4);
  uint32_t running = 0;
  ForEachPlaneValue(p, v4, delta_width, [&](size_t j, uint64_t delta) {
    running += static_cast<uint32_t>(delta);
    words[j] = IpAddress::V4(running).v4_word();
  });
  const uint8_t* indexes = p + v4 * delta_width;
  column.resize(rows.size());
  bool in_range = true;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint64_t index = PlaneValueAt(indexes, n, index_width, rows[k]);
    in_range &= index < v4;
    column[k] = IpAddress::V4FromWord(words[index < v4 ? index : 0]);
  }
  if (!in_range) return Status::Corruption("address dictionary index out of range");
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

}  // namespace weir
