#include "query/aggregate.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include "base/hash.h"
#include "base/strings.h"
#include "base/time.h"

namespace weir {

namespace {

// 16 partitions: few enough that a big group-by's slot tables pass 2 MiB and
// get huge pages (ZeroedArray), enough that workers rarely wait for a lock.
constexpr int kPartitionBits = 4;
constexpr size_t kPartitions = size_t{1} << kPartitionBits;
constexpr size_t kChunkEntries = size_t{1} << 12;  // small: each partition wastes at most one
constexpr uint32_t kNoGroup = UINT32_MAX;
constexpr uint64_t kHashSeed = 0x2545f4914f6cdd1dull;

inline uint64_t Combine(uint64_t h, uint64_t word) {
  return Mix64(h ^ (word + 0x9e3779b97f4a7c15ull));
}

bool IsSignedTime(FieldId f) { return f == FieldId::kStime || f == FieldId::kEtime; }

template <typename T>
void CopyColumn(const Column<T>& column, std::span<const uint32_t> rows, uint64_t* out,
                size_t stride) {
  if constexpr (std::is_integral_v<T>) {
    const T* data = column.data();
    for (size_t k = 0; k < rows.size(); ++k) out[k * stride] = static_cast<uint64_t>(data[rows[k]]);
  }
}

}  // namespace

// (group, value hash) pairs seen, for distinct counts; open addressing.
struct DistinctSet {
  std::vector<uint32_t> groups;  // kNoGroup = empty slot
  std::vector<uint64_t> hashes;
  size_t count = 0;
};

// Adds (group, hash) to set; true when it was not there yet.
bool AddDistinct(DistinctSet& set, uint32_t group, uint64_t hash, std::atomic<size_t>& memory);

struct Aggregator::Partition {
  std::mutex mutex;
  std::vector<uint64_t*> chunks;  // from the aggregator's arena
  size_t count = 0;
  // slot = (tag << 32) | (group + 1); 0 = empty.
  ZeroedArray<uint64_t> slots = ZeroedArray<uint64_t>(256);
  // Distinct values: per distinct column, a set of (group, value hash) pairs.
  std::vector<DistinctSet> distinct;

  uint64_t* Entry(size_t group, size_t words) {
    return chunks[group / kChunkEntries] + (group % kChunkEntries) * words;
  }
  const uint64_t* Entry(size_t group, size_t words) const {
    return chunks[group / kChunkEntries] + (group % kChunkEntries) * words;
  }
};

Result<std::vector<ValueSpec>> ParseValues(std::string_view text) {
  std::vector<ValueSpec> out;
  for (auto piece : Split(text, ',')) {
    piece = Trim(piece);
    ValueSpec v;
    std::string lower = ToLower(piece);
    if (lower == "records" || lower == "flows") {
      v = {ValueKind::kRecords, FieldId::kSip, "Records"};
    } else if (lower == "packets" || lower == "pkts") {
      v = {ValueKind::kPackets, FieldId::kSip, "Packets"};
    } else if (lower == "bytes") {
      v = {ValueKind::kBytes, FieldId::kSip, "Bytes"};
    } else if (lower == "stime-earliest") {
      v = {ValueKind::kStimeEarliest, FieldId::kStime, "sTime-Earliest"};
    } else if (lower == "etime-latest") {
      v = {ValueKind::kEtimeLatest, FieldId::kEtime, "eTime-Latest"};
    } else if (lower == "sip-distinct" || lower == "dip-distinct") {
      FieldId f = lower[0] == 's' ? FieldId::kSip : FieldId::kDip;
      v = {ValueKind::kDistinct, f, std::string(lower[0] == 's' ? "sIP" : "dIP") + "-Distinct"};
    } else if (lower.starts_with("distinct:")) {
      auto f = FindField(piece.substr(9));
      if (!f.ok()) return f.status();
      const FieldInfo& info = GetField(*f);
      v = {ValueKind::kDistinct, *f,
           "Distinct:" + std::string(info.silk_name.empty() ? info.title : info.silk_name)};
    } else {
      return Status::Invalid("unknown value '" + std::string(piece) +
                             "' (records, packets, bytes, sip-distinct, dip-distinct, "
                             "distinct:FIELD, stime-earliest, etime-latest)");
    }
    out.push_back(std::move(v));
  }
  if (out.empty()) return Status::Invalid("no values given");
  return out;
}

Aggregator::Aggregator(const AggregateSpec& spec) : spec_(spec) {
  for (FieldId f : spec_.keys) {
    key_word_offset_.push_back(key_words_);
    key_words_ += GetField(f).type == FieldType::kIp ? 2 : 1;
  }
  // One address and small fields fit one packed word: the address as 33 bits
  // (an IPv4 address, or a flag bit and an IPv6 address's interned number), each
  // other field in the bits its largest value needs, first key field highest.
  int ips = 0, bits = 0;
  for (FieldId f : spec_.keys) {
    if (GetField(f).type == FieldType::kIp) {
      ++ips;
      bits += 33;
    } else if (!IsSignedTime(f) && FieldMaxValue(f) < (uint64_t{1} << 31)) {
      bits += std::bit_width(FieldMaxValue(f));
    } else {
      bits = 65;
    }
  }
  if (ips == 1 && bits <= 64) {
    packed_ = true;
    key_words_ = 1;
    for (size_t k = 0; k < spec_.keys.size(); ++k)
      if (GetField(spec_.keys[k]).type == FieldType::kIp) ip_key_ = k;
    int shift = bits;
    for (FieldId f : spec_.keys) {
      const int width = GetField(f).type == FieldType::kIp ? 33 : std::bit_width(FieldMaxValue(f));
      shift -= width;
      pack_shift_.push_back(shift);
      pack_mask_.push_back((uint64_t{1} << width) - 1);
    }
  }
  entry_words_ = key_words_ + spec_.values.size();
  size_t distinct_columns = 0;
  for (const auto& v : spec_.values) distinct_columns += v.kind == ValueKind::kDistinct;
  for (size_t p = 0; p < kPartitions; ++p) {
    partitions_.push_back(std::make_unique<Partition>());
    memory_ += partitions_.back()->slots.size() * 8;
    partitions_.back()->distinct.resize(distinct_columns);
  }
}

Aggregator::~Aggregator() = default;

ColumnSet Aggregator::columns() const {
  std::vector<FieldId> fields = spec_.keys;
  for (const auto& v : spec_.values) {
    switch (v.kind) {
      case ValueKind::kRecords:
        break;
      case ValueKind::kPackets:
        fields.push_back(FieldId::kPackets);
        break;
      case ValueKind::kBytes:
        fields.push_back(FieldId::kBytes);
        break;
      default:
        fields.push_back(v.field);
    }
  }
  return ColumnSet::Of(fields);
}

uint64_t Aggregator::PackAddress(const IpAddress& a) {
  if (a.is_v4()) return a.v4();
  std::lock_guard lock(intern_mutex_);
  return InternLocked(a);
}

uint64_t Aggregator::InternLocked(const IpAddress& a) {
  auto [it, added] = interned_ids_.try_emplace(a, static_cast<uint32_t>(interned_.size()));
  if (added) {
    interned_.push_back(a);
    memory_.fetch_add(64, std::memory_order_relaxed);
  }
  return uint64_t{1} << 32 | it->second;
}

IpAddress Aggregator::UnpackAddress(uint64_t v) const {
  return v >> 32 ? interned_[static_cast<uint32_t>(v)] : IpAddress::V4(static_cast<uint32_t>(v));
}

void Aggregator::FillPackedKeys(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s) {
  const size_t n = rows.size();
  s.keys.assign(n, 0);
  uint64_t* out = s.keys.data();
  std::vector<uint64_t>& values = s.sorted_keys;  // free until Insert()
  values.resize(n);
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    const FieldId f = spec_.keys[k];
    const int shift = pack_shift_[k];
    if (GetField(f).type == FieldType::kIp) {
      // IPv4 rows first; the IPv6 ones, if any, under one lock.
      bool v6 = false;
      for (size_t r = 0; r < n; ++r) {
        const IpAddress& a = b.Ip(f, rows[r]);
        if (a.is_v4())
          out[r] |= uint64_t{a.v4()} << shift;
        else
          v6 = true;
      }
      if (v6) {
        std::lock_guard lock(intern_mutex_);
        for (size_t r = 0; r < n; ++r) {
          const IpAddress& a = b.Ip(f, rows[r]);
          if (!a.is_v4()) out[r] |= InternLocked(a) << shift;
        }
      }
      continue;
    }
    FieldValues(b, f, rows, values.data(), 1);
    const uint64_t mask = pack_mask_[k];
    for (size_t r = 0; r < n; ++r) out[r] |= (values[r] & mask) << shift;
  }
  s.hashes.resize(n);
  for (size_t r = 0; r < n; ++r) s.hashes[r] = Combine(kHashSeed, out[r]);
}

void Aggregator::FieldValues(const FlowBatch& b, FieldId f, std::span<const uint32_t> rows,
                             uint64_t* out, size_t w) const {
  const size_t n = rows.size();
  bool done = false;
  switch (f) {
#define WEIR_COPY_CASE(fid, member, type)     \
  case FieldId::fid:                          \
    if constexpr (std::is_integral_v<type>) { \
      CopyColumn(b.member, rows, out, w);     \
      done = true;                            \
    }                                         \
    break;
    WEIR_STORED_COLUMNS(WEIR_COPY_CASE)
#undef WEIR_COPY_CASE
    default:
      break;
  }
  if (!done)
    for (size_t r = 0; r < n; ++r) out[r * w] = b.Unsigned(f, rows[r]);
  if (IsSignedTime(f)) {
    for (size_t r = 0; r < n; ++r) {
      int64_t t = static_cast<int64_t>(out[r * w]);
      if (spec_.bin_ms > 0) t = FloorTo(t, spec_.bin_ms);
      out[r * w] = static_cast<uint64_t>(t) ^ (uint64_t{1} << 63);  // unsigned order
    }
  }
}

void Aggregator::FillKeys(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s) {
  if (packed_) return FillPackedKeys(b, rows, s);
  size_t n = rows.size(), w = key_words_;
  s.keys.resize(n * w);
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    FieldId f = spec_.keys[k];
    uint64_t* out = s.keys.data() + key_word_offset_[k];
    if (GetField(f).type == FieldType::kIp) {
      for (size_t r = 0; r < n; ++r) {
        const IpAddress& a = b.Ip(f, rows[r]);
        out[r * w] = a.high64();
        out[r * w + 1] = a.low64();
      }
      continue;
    }
    FieldValues(b, f, rows, out, w);
  }
  s.hashes.assign(n, kHashSeed);
  for (size_t word = 0; word < w; ++word)
    for (size_t r = 0; r < n; ++r) s.hashes[r] = Combine(s.hashes[r], s.keys[r * w + word]);
}

// A slice at a time: the partition sort in Insert() scatters keys, hashes and
// values into 64 streams, which stays in L2 for a slice (~0.5 MiB) and would miss
// it for a whole block (262,144 rows: ~8 MiB).
constexpr size_t kSlice = 16384;

void Aggregator::Add(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s, int worker) {
  if (AddByDictionary(b, rows, s, worker)) return;
  for (size_t at = 0; at < rows.size(); at += kSlice) {
    const auto slice = rows.subspan(at, std::min(kSlice, rows.size() - at));
    FillKeys(b, slice, s);
    FillInputs(b, slice, s);
    Insert(s.keys.data(), s.hashes.data(), s.distinct.data(), slice.size(), s, worker);
  }
}

void Aggregator::FillInputs(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s) const {
  // Each value's input word per row (a distinct value's input is its hash).
  const size_t n = rows.size(), nv = spec_.values.size();
  std::vector<uint64_t>& inputs = s.distinct;
  inputs.resize(n * nv);
  for (size_t v = 0; v < nv; ++v) {
    const ValueSpec& spec = spec_.values[v];
    uint64_t* out = inputs.data() + v;
    switch (spec.kind) {
      case ValueKind::kRecords:
        for (size_t r = 0; r < n; ++r) out[r * nv] = 1;
        break;
      case ValueKind::kPackets:
        for (size_t r = 0; r < n; ++r) out[r * nv] = b.packets[rows[r]];
        break;
      case ValueKind::kBytes:
        for (size_t r = 0; r < n; ++r) out[r * nv] = b.bytes[rows[r]];
        break;
      case ValueKind::kStimeEarliest:
        for (size_t r = 0; r < n; ++r) out[r * nv] = static_cast<uint64_t>(b.stime_ms[rows[r]]);
        break;
      case ValueKind::kEtimeLatest:
        for (size_t r = 0; r < n; ++r) out[r * nv] = b.Unsigned(FieldId::kEtime, rows[r]);
        break;
      case ValueKind::kDistinct:
        if (GetField(spec.field).type == FieldType::kIp) {
          for (size_t r = 0; r < n; ++r) {
            const IpAddress& a = b.Ip(spec.field, rows[r]);
            out[r * nv] = Combine(Mix64(a.high64()), a.low64());
          }
        } else {
          for (size_t r = 0; r < n; ++r) out[r * nv] = Mix64(b.Unsigned(spec.field, rows[r]) + 1);
        }
        break;
    }
  }
}

bool Aggregator::AddByDictionary(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s,
                                 int worker) {
  // One address key whose block stored a dictionary, values that combine (no
  // distinct counts): sum the rows per dictionary entry first, then insert each
  // entry the rows used once, as if it were one row holding the sums. Blocks
  // repeat addresses many times over (a 262,144-row block of 10 M generated flows
  // holds ~40,000 destinations), so most hash probes become array increments.
  if (spec_.keys.size() != 1 || !packed_ || rows.size() < 1024) return false;
  const AddressDictionary* d = b.Dictionary(spec_.keys[0]);
  if (!d || d->values.size() * 4 > rows.size()) return false;
  const size_t nv = spec_.values.size();
  for (const ValueSpec& v : spec_.values)
    if (v.kind == ValueKind::kDistinct) return false;
  const size_t entries = d->values.size();
  const uint32_t* index = d->index.data();
  // Per entry: nv accumulators, the first of them records (0 = unused).
  const size_t stride = nv + 1;
  std::vector<uint64_t>& sums = s.sums;
  sums.assign(entries * stride, 0);
  for (size_t v = 0; v < nv; ++v) {
    const ValueKind kind = spec_.values[v].kind;
    if (kind == ValueKind::kStimeEarliest)
      for (size_t e = 0; e < entries; ++e) sums[e * stride + 1 + v] = INT64_MAX;
    if (kind == ValueKind::kEtimeLatest)
      for (size_t e = 0; e < entries; ++e)
        sums[e * stride + 1 + v] = static_cast<uint64_t>(INT64_MIN);
  }
  uint64_t* acc = sums.data();
  for (uint32_t r : rows) ++acc[index[r] * stride];
  for (size_t v = 0; v < nv; ++v) {
    uint64_t* col = acc + 1 + v;
    switch (spec_.values[v].kind) {
      case ValueKind::kRecords:
        for (uint32_t r : rows) ++col[index[r] * stride];
        break;
      case ValueKind::kPackets:
        for (uint32_t r : rows) col[index[r] * stride] += b.packets[r];
        break;
      case ValueKind::kBytes:
        for (uint32_t r : rows) col[index[r] * stride] += b.bytes[r];
        break;
      case ValueKind::kStimeEarliest:
        for (uint32_t r : rows) {
          uint64_t& m = col[index[r] * stride];
          m = static_cast<uint64_t>(std::min(static_cast<int64_t>(m), b.stime_ms[r]));
        }
        break;
      case ValueKind::kEtimeLatest:
        for (uint32_t r : rows) {
          uint64_t& m = col[index[r] * stride];
          m = static_cast<uint64_t>(
              std::max(static_cast<int64_t>(m), b.stime_ms[r] + int64_t{b.duration_ms[r]}));
        }
        break;
      case ValueKind::kDistinct:
        break;
    }
  }
  // The used entries as rows: keys, hashes and inputs, inserted a slice at a time.
  std::vector<uint64_t>&keys = s.keys, &hashes = s.hashes, &inputs = s.distinct;
  keys.clear();
  hashes.clear();
  inputs.clear();
  for (size_t e = 0; e < entries; ++e) {
    const uint64_t* sum = acc + e * stride;
    if (sum[0] == 0) continue;
    const uint64_t key = PackAddress(d->values[e]) << pack_shift_[0];
    keys.push_back(key);
    hashes.push_back(Combine(kHashSeed, key));
    inputs.insert(inputs.end(), sum + 1, sum + stride);
  }
  const size_t n = hashes.size();
  for (size_t at = 0; at < n; at += kSlice)
    Insert(keys.data() + at, hashes.data() + at, inputs.data() + at * nv, std::min(kSlice, n - at),
           s, worker);
  return true;
}

void Aggregator::Insert(const uint64_t* in_keys, const uint64_t* in_hashes, const uint64_t* inputs,
                        size_t n, Scratch& s, int worker) {
  const size_t w = key_words_, ew = entry_words_, nv = spec_.values.size();
  // Counting sort by partition; keys, hashes and inputs are moved into partition
  // order so that the insert loop below reads them sequentially.
  s.starts.assign(kPartitions + 1, 0);
  for (size_t r = 0; r < n; ++r) ++s.starts[(in_hashes[r] >> (64 - kPartitionBits)) + 1];
  for (size_t p = 0; p < kPartitions; ++p) s.starts[p + 1] += s.starts[p];
  s.order.assign(s.starts.begin(), s.starts.end() - 1);
  std::vector<uint64_t>& keys = s.sorted_keys;
  std::vector<uint64_t>& hashes = s.sorted_hashes;
  std::vector<uint64_t>& values = s.sorted_values;
  keys.resize(n * w);
  hashes.resize(n);
  values.resize(n * nv);
  for (size_t r = 0; r < n; ++r) {
    size_t to = s.order[in_hashes[r] >> (64 - kPartitionBits)]++;
    hashes[to] = in_hashes[r];
    for (size_t x = 0; x < w; ++x) keys[to * w + x] = in_keys[r * w + x];
    for (size_t v = 0; v < nv; ++v) values[to * nv + v] = inputs[r * nv + v];
  }

  size_t first = (static_cast<size_t>(worker) * 17) % kPartitions;
  for (size_t step = 0; step < kPartitions; ++step) {
    size_t p = (first + step) % kPartitions;
    size_t begin = s.starts[p], end = s.starts[p + 1];
    if (begin == end) continue;
    Partition& part = *partitions_[p];
    std::lock_guard lock(part.mutex);
    for (size_t i = begin; i < end; ++i) {
      // Prefetch the slot 16 rows ahead, and the entry its slot names 8 rows ahead.
      size_t mask = part.slots.size() - 1;
      if (i + 16 < end) __builtin_prefetch(&part.slots[hashes[i + 16] & mask]);
      if (i + 8 < end) {
        uint64_t slot = part.slots[hashes[i + 8] & mask];
        if (slot != 0) __builtin_prefetch(part.Entry((slot & 0xffffffff) - 1, ew));
      }
      uint64_t hash = hashes[i];
      const uint64_t* key = keys.data() + i * w;
      uint64_t tag = hash & 0xffffffff00000000ull;
      uint64_t* entry = nullptr;
      size_t group = 0;
      for (size_t j = hash & mask;; j = (j + 1) & mask) {
        uint64_t slot = part.slots[j];
        if (slot == 0) {
          group = part.count++;
          if (group % kChunkEntries == 0) {
            part.chunks.push_back(
                static_cast<uint64_t*>(arena_.Allocate(kChunkEntries * ew * sizeof(uint64_t))));
            memory_.fetch_add(kChunkEntries * ew * 8, std::memory_order_relaxed);
          }
          entry = part.Entry(group, ew);
          std::memcpy(entry, key, w * 8);
          for (size_t v = 0; v < nv; ++v) {
            uint64_t init = 0;
            if (spec_.values[v].kind == ValueKind::kStimeEarliest) init = INT64_MAX;
            if (spec_.values[v].kind == ValueKind::kEtimeLatest)
              init = static_cast<uint64_t>(INT64_MIN);
            entry[w + v] = init;
          }
          part.slots[j] = tag | (group + 1);
          if (part.count * 2 > part.slots.size()) Grow(part);
          break;
        }
        if ((slot & 0xffffffff00000000ull) == tag) {
          size_t g = (slot & 0xffffffff) - 1;
          uint64_t* e = part.Entry(g, ew);
          bool same = true;
          for (size_t x = 0; x < w; ++x) same &= e[x] == key[x];
          if (same) {
            entry = e;
            group = g;
            break;
          }
        }
      }
      uint64_t* acc = entry + w;
      const uint64_t* in = values.data() + i * nv;
      size_t d = 0;
      for (size_t v = 0; v < nv; ++v) {
        switch (spec_.values[v].kind) {
          case ValueKind::kRecords:
          case ValueKind::kPackets:
          case ValueKind::kBytes:
            acc[v] += in[v];
            break;
          case ValueKind::kStimeEarliest:
            acc[v] = static_cast<uint64_t>(
                std::min(static_cast<int64_t>(acc[v]), static_cast<int64_t>(in[v])));
            break;
          case ValueKind::kEtimeLatest:
            acc[v] = static_cast<uint64_t>(
                std::max(static_cast<int64_t>(acc[v]), static_cast<int64_t>(in[v])));
            break;
          case ValueKind::kDistinct:
            if (AddDistinct(part.distinct[d++], static_cast<uint32_t>(group), in[v], memory_))
              ++acc[v];
            break;
        }
      }
    }
  }
}

void Aggregator::Grow(Partition& part) {
  memory_.fetch_add(part.slots.size() * 8, std::memory_order_relaxed);  // the table doubles
  ZeroedArray<uint64_t> slots(part.slots.size() * 2);
  size_t m = slots.size() - 1;
  for (size_t g = 0; g < part.count; ++g) {
    const uint64_t* e = part.Entry(g, entry_words_);
    uint64_t h = kHashSeed;
    for (size_t x = 0; x < key_words_; ++x) h = Combine(h, e[x]);
    size_t at = h & m;
    while (slots[at] != 0) at = (at + 1) & m;
    slots[at] = (h & 0xffffffff00000000ull) | (g + 1);
  }
  part.slots = std::move(slots);
}

bool AddDistinct(DistinctSet& set, uint32_t group, uint64_t hash, std::atomic<size_t>& memory) {
  if (set.groups.empty()) {
    set.groups.assign(256, kNoGroup);
    set.hashes.assign(256, 0);
  }
  size_t m = set.groups.size() - 1;
  size_t at = Mix64(hash ^ group) & m;
  while (set.groups[at] != kNoGroup) {
    if (set.groups[at] == group && set.hashes[at] == hash) return false;
    at = (at + 1) & m;
  }
  set.groups[at] = group;
  set.hashes[at] = hash;
  if (++set.count * 2 > set.groups.size()) {
    memory.fetch_add(set.groups.size() * 12, std::memory_order_relaxed);
    std::vector<uint32_t> groups(set.groups.size() * 2, kNoGroup);
    std::vector<uint64_t> hashes(set.groups.size() * 2, 0);
    size_t mm = groups.size() - 1;
    for (size_t k = 0; k < set.groups.size(); ++k) {
      if (set.groups[k] == kNoGroup) continue;
      size_t to = Mix64(set.hashes[k] ^ set.groups[k]) & mm;
      while (groups[to] != kNoGroup) to = (to + 1) & mm;
      groups[to] = set.groups[k];
      hashes[to] = set.hashes[k];
    }
    set.groups = std::move(groups);
    set.hashes = std::move(hashes);
  }
  return true;
}

void Aggregator::Finish() {
  partition_start_.clear();
  total_groups_ = 0;
  for (const auto& p : partitions_) {
    partition_start_.push_back(total_groups_);
    total_groups_ += p->count;
  }
  partition_start_.push_back(SIZE_MAX);  // past the last: ends Entry()'s search
  partition_of_bucket_.assign((total_groups_ >> kBucketBits) + 1, 0);
  size_t p = 0;
  for (size_t b = 0; b < partition_of_bucket_.size(); ++b) {
    while (partition_start_[p + 1] <= b << kBucketBits) ++p;
    partition_of_bucket_[b] = static_cast<uint8_t>(p);
  }
}

size_t Aggregator::MemoryBytes() const { return memory_.load(std::memory_order_relaxed); }

const uint64_t* Aggregator::Entry(size_t group) const {
  // The partition holding `group` is at or after the one holding its coarse
  // bucket's first group; partitions hold far more groups than a bucket, so this
  // is usually found at once (a binary search per group cost as much as the rest
  // of printing it).
  size_t p = partition_of_bucket_[group >> kBucketBits];
  while (partition_start_[p + 1] <= group) ++p;
  return partitions_[p]->Entry(group - partition_start_[p], entry_words_);
}

const uint64_t* Aggregator::Values(size_t group) const { return Entry(group) + key_words_; }

uint64_t Aggregator::Value(size_t group, size_t value_index) const {
  return Entry(group)[key_words_ + value_index];
}

uint64_t Aggregator::KeyUnsigned(const uint64_t* e, size_t k) const {
  if (packed_) return e[0] >> pack_shift_[k] & pack_mask_[k];
  const uint64_t word = e[key_word_offset_[k]];
  return IsSignedTime(spec_.keys[k]) ? word ^ (uint64_t{1} << 63) : word;
}

IpAddress Aggregator::KeyAddress(const uint64_t* e, size_t k) const {
  if (packed_) return UnpackAddress(e[0] >> pack_shift_[k] & pack_mask_[k]);
  const uint64_t* word = e + key_word_offset_[k];
  return IpAddress::FromHalves(word[0], word[1]);
}

FlowRecord Aggregator::KeyRecord(size_t group) const {
  const uint64_t* e = Entry(group);
  FlowRecord r;
  r.sensor = 0;
  r.flowtype = 0;
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    FieldId f = spec_.keys[k];
    if (GetField(f).type == FieldType::kIp)
      SetIp(r, f, KeyAddress(e, k));
    else
      SetUnsigned(r, f, KeyUnsigned(e, k));
  }
  return r;
}

int Aggregator::CompareKeys(size_t a, size_t b) const {
  const uint64_t* x = Entry(a);
  const uint64_t* y = Entry(b);
  if (packed_ && ((x[0] | y[0]) & uint64_t{1} << 32 << pack_shift_[ip_key_])) {
    // An interned IPv6 number does not order: compare field by field.
    for (size_t k = 0; k < spec_.keys.size(); ++k) {
      const uint64_t u = x[0] >> pack_shift_[k] & pack_mask_[k];
      const uint64_t v = y[0] >> pack_shift_[k] & pack_mask_[k];
      if (u == v) continue;
      if (k != ip_key_) return u < v ? -1 : 1;
      return UnpackAddress(u) < UnpackAddress(v) ? -1 : 1;
    }
    return 0;
  }
  for (size_t i = 0; i < key_words_; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

}  // namespace weir
