#include "query/aggregate.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"
#include "base/time.h"

namespace weir {

namespace {

constexpr size_t kValueWidth = 8;

size_t KeyWidth(FieldId f) {
  if (GetField(f).type == FieldType::kIp) return 16;
  if (f == FieldId::kStime || f == FieldId::kEtime) return 8;
  uint64_t max = FieldMaxValue(f);
  return max <= 0xff ? 1 : max <= 0xffff ? 2 : max <= 0xffffffff ? 4 : 8;
}

uint64_t Load(const uint8_t* p, size_t width) {
  uint64_t v = 0;
  std::memcpy(&v, p, width);  // little-endian host
  return v;
}

// Where (group, value hash) probes in a distinct set.
uint64_t DistinctProbe(uint32_t group, uint64_t value_hash) {
  return value_hash ^ (uint64_t{group} * 0x9e3779b97f4a7c15ull);
}

template <typename T>
void SetIntegral(T& member, uint64_t v) {
  if constexpr (std::is_integral_v<T>) member = static_cast<T>(v);
}

}  // namespace

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
      v = {ValueKind::kDistinct, *f, "Distinct:" + std::string(GetField(*f).title)};
      if (!GetField(*f).silk_name.empty())
        v.title = "Distinct:" + std::string(GetField(*f).silk_name);
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
    key_offset_.push_back(key_size_);
    key_width_.push_back(KeyWidth(f));
    key_size_ += key_width_.back();
  }
  entry_size_ = key_size_ + kValueWidth * spec_.values.size();
  entry_size_ = (entry_size_ + 7) & ~size_t{7};
  for (const auto& v : spec_.values)
    if (v.kind == ValueKind::kDistinct) distinct_.emplace_back();
  slots_.assign(1024, 0);
}

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

void Aggregator::PackKey(const FlowBatch& b, uint32_t row, uint8_t* out) const {
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    FieldId f = spec_.keys[k];
    uint8_t* p = out + key_offset_[k];
    if (key_width_[k] == 16) {
      std::memcpy(p, b.Ip(f, row).bytes().data(), 16);
      continue;
    }
    uint64_t v = b.Unsigned(f, row);
    if (spec_.bin_ms > 0 && (f == FieldId::kStime || f == FieldId::kEtime))
      v = static_cast<uint64_t>(FloorTo(static_cast<int64_t>(v), spec_.bin_ms));
    std::memcpy(p, &v, key_width_[k]);
  }
}

size_t Aggregator::FindOrInsert(const uint8_t* key, uint64_t hash) {
  size_t mask = slots_.size() - 1;
  uint64_t tag = hash & 0xffffffff00000000ull;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint64_t slot = slots_[i];
    if (slot == 0) {
      size_t group = count_++;
      arena_.resize(count_ * entry_size_);
      uint8_t* e = Entry(group);
      std::memcpy(e, key, key_size_);
      for (size_t v = 0; v < spec_.values.size(); ++v) {
        uint64_t init = 0;
        if (spec_.values[v].kind == ValueKind::kStimeEarliest) init = INT64_MAX;
        if (spec_.values[v].kind == ValueKind::kEtimeLatest)
          init = static_cast<uint64_t>(INT64_MIN);
        std::memcpy(e + key_size_ + v * kValueWidth, &init, kValueWidth);
      }
      slots_[i] = tag | (group + 1);
      if (count_ * 2 > slots_.size()) Grow();
      return group;
    }
    if ((slot & 0xffffffff00000000ull) == tag) {
      size_t group = (slot & 0xffffffff) - 1;
      if (std::memcmp(Entry(group), key, key_size_) == 0) return group;
    }
  }
}

void Aggregator::Grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.size() * 2, 0);
  size_t mask = slots_.size() - 1;
  for (size_t group = 0; group < count_; ++group) {
    uint64_t hash = XXH3_64bits(Entry(group), key_size_);
    size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (hash & 0xffffffff00000000ull) | (group + 1);
  }
}

void Aggregator::AddDistinct(uint32_t group, size_t value_index, uint64_t value_hash) {
  size_t d = 0;
  for (size_t v = 0; v < value_index; ++v)
    if (spec_.values[v].kind == ValueKind::kDistinct) ++d;
  DistinctSet& set = distinct_[d];
  if (set.groups.empty()) {
    set.groups.assign(1024, kNoGroup);
    set.hashes.assign(1024, 0);
  }
  size_t mask = set.groups.size() - 1;
  for (size_t i = DistinctProbe(group, value_hash) & mask;; i = (i + 1) & mask) {
    if (set.groups[i] == group && set.hashes[i] == value_hash) return;
    if (set.groups[i] != kNoGroup) continue;
    set.groups[i] = group;
    set.hashes[i] = value_hash;
    ++set.count;
    uint8_t* counter = Entry(group) + key_size_ + value_index * kValueWidth;
    uint64_t n = Load(counter, 8) + 1;
    std::memcpy(counter, &n, 8);
    if (set.count * 2 > set.groups.size()) {
      std::vector<uint32_t> old_groups = std::move(set.groups);
      std::vector<uint64_t> old_hashes = std::move(set.hashes);
      set.groups.assign(old_groups.size() * 2, kNoGroup);
      set.hashes.assign(old_groups.size() * 2, 0);
      size_t m = set.groups.size() - 1;
      for (size_t k = 0; k < old_groups.size(); ++k) {
        if (old_groups[k] == kNoGroup) continue;
        size_t j = DistinctProbe(old_groups[k], old_hashes[k]) & m;
        while (set.groups[j] != kNoGroup) j = (j + 1) & m;
        set.groups[j] = old_groups[k];
        set.hashes[j] = old_hashes[k];
      }
    }
    return;
  }
}

void Aggregator::Add(const FlowBatch& b, std::span<const uint32_t> rows) {
  std::vector<uint8_t>& key = scratch_keys_;
  key.resize(key_size_ ? key_size_ : 1);
  for (uint32_t row : rows) {
    PackKey(b, row, key.data());
    uint64_t hash = XXH3_64bits(key.data(), key_size_);
    size_t group = FindOrInsert(key.data(), hash);
    uint8_t* values = Entry(group) + key_size_;
    for (size_t v = 0; v < spec_.values.size(); ++v) {
      uint8_t* p = values + v * kValueWidth;
      uint64_t acc = Load(p, 8);
      switch (spec_.values[v].kind) {
        case ValueKind::kRecords:
          acc += 1;
          break;
        case ValueKind::kPackets:
          acc += b.packets[row];
          break;
        case ValueKind::kBytes:
          acc += b.bytes[row];
          break;
        case ValueKind::kStimeEarliest:
          acc = static_cast<uint64_t>(std::min(static_cast<int64_t>(acc), b.stime_ms[row]));
          break;
        case ValueKind::kEtimeLatest:
          acc = static_cast<uint64_t>(std::max(
              static_cast<int64_t>(acc), static_cast<int64_t>(b.Unsigned(FieldId::kEtime, row))));
          break;
        case ValueKind::kDistinct: {
          FieldId f = spec_.values[v].field;
          uint64_t h;
          if (GetField(f).type == FieldType::kIp) {
            h = XXH3_64bits(b.Ip(f, row).bytes().data(), 16);
          } else {
            uint64_t x = b.Unsigned(f, row);
            h = XXH3_64bits(&x, sizeof x);
          }
          AddDistinct(static_cast<uint32_t>(group), v, h);
          continue;  // AddDistinct updated the counter
        }
      }
      std::memcpy(p, &acc, 8);
    }
  }
}

void Aggregator::Merge(Aggregator& other) {
  std::vector<uint32_t> remap(other.count_);
  for (size_t g = 0; g < other.count_; ++g) {
    const uint8_t* key = other.Entry(g);
    uint64_t hash = XXH3_64bits(key, key_size_);
    size_t mine = FindOrInsert(key, hash);
    remap[g] = static_cast<uint32_t>(mine);
    uint8_t* to = Entry(mine) + key_size_;
    const uint8_t* from = other.Entry(g) + key_size_;
    for (size_t v = 0; v < spec_.values.size(); ++v) {
      uint64_t a = Load(to + v * kValueWidth, 8), b = Load(from + v * kValueWidth, 8);
      switch (spec_.values[v].kind) {
        case ValueKind::kStimeEarliest:
          a = static_cast<uint64_t>(std::min(static_cast<int64_t>(a), static_cast<int64_t>(b)));
          break;
        case ValueKind::kEtimeLatest:
          a = static_cast<uint64_t>(std::max(static_cast<int64_t>(a), static_cast<int64_t>(b)));
          break;
        case ValueKind::kDistinct:
          continue;
        default:
          a += b;
      }
      std::memcpy(to + v * kValueWidth, &a, 8);
    }
  }
  // Distinct values: re-add other's (group, value) pairs under this table's groups.
  size_t d = 0;
  for (size_t v = 0; v < spec_.values.size(); ++v) {
    if (spec_.values[v].kind != ValueKind::kDistinct) continue;
    const DistinctSet& set = other.distinct_[d++];
    for (size_t k = 0; k < set.groups.size(); ++k)
      if (set.groups[k] != kNoGroup) AddDistinct(remap[set.groups[k]], v, set.hashes[k]);
  }
  other = Aggregator(other.spec_);
}

size_t Aggregator::MemoryBytes() const {
  size_t total = arena_.capacity() + slots_.capacity() * 8;
  for (const auto& d : distinct_) total += d.groups.capacity() * 4 + d.hashes.capacity() * 8;
  return total;
}

uint64_t Aggregator::Value(size_t group, size_t value_index) const {
  return Load(Entry(group) + key_size_ + value_index * kValueWidth, 8);
}

uint64_t Aggregator::KeyUnsigned(size_t group, size_t key_index) const {
  if (key_width_[key_index] == 16) return 0;
  return Load(Entry(group) + key_offset_[key_index], key_width_[key_index]);
}

IpAddress Aggregator::KeyIp(size_t group, size_t key_index) const {
  if (key_width_[key_index] != 16) return {};
  std::array<uint8_t, 16> bytes;
  std::memcpy(bytes.data(), Entry(group) + key_offset_[key_index], 16);
  return IpAddress::V6(bytes);
}

FlowRecord Aggregator::KeyRecord(size_t group) const {
  FlowRecord r;
  r.sensor = 0;
  r.flowtype = 0;
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    FieldId f = spec_.keys[k];
    if (key_width_[k] == 16) {
      IpAddress a = KeyIp(group, k);
      if (f == FieldId::kSip) r.sip = a;
      if (f == FieldId::kDip) r.dip = a;
      if (f == FieldId::kNhip) r.nhip = a;
      if (f == FieldId::kExporter) r.exporter = a;
      continue;
    }
    uint64_t v = KeyUnsigned(group, k);
    switch (f) {
      case FieldId::kEtime:
        r.stime_ms = static_cast<int64_t>(v);  // printed as etime = stime + 0
        r.duration_ms = 0;
        break;
#define WEIR_KEY_CASE(fid, member, type) \
  case FieldId::fid:                     \
    SetIntegral(r.member, v);            \
    break;
        WEIR_STORED_COLUMNS(WEIR_KEY_CASE)
#undef WEIR_KEY_CASE
      case FieldId::kClass:
      case FieldId::kType:
        r.flowtype = static_cast<uint8_t>(v);
        break;
      case FieldId::kIcmpType:
        r.protocol = kProtoIcmp;
        r.dport = static_cast<uint16_t>((r.dport & 0xff) | v << 8);
        break;
      case FieldId::kIcmpCode:
        r.protocol = kProtoIcmp;
        r.dport = static_cast<uint16_t>((r.dport & 0xff00) | v);
        break;
      case FieldId::kIcmpTypeCode:
        r.protocol = kProtoIcmp;
        r.dport = static_cast<uint16_t>(v);
        break;
      case FieldId::kBytesPerPacket:
        r.bytes = v;
        r.packets = 1;
        break;
      case FieldId::kIpVersion:
        if (v == 6) r.sip = *IpAddress::Parse("::");
        break;
    }
  }
  return r;
}

int Aggregator::CompareKeys(size_t a, size_t b) const {
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    if (key_width_[k] == 16) {
      auto x = KeyIp(a, k), y = KeyIp(b, k);
      if (x != y) return x < y ? -1 : 1;
      continue;
    }
    uint64_t x = KeyUnsigned(a, k), y = KeyUnsigned(b, k);
    if (spec_.keys[k] == FieldId::kStime || spec_.keys[k] == FieldId::kEtime) {
      auto sx = static_cast<int64_t>(x), sy = static_cast<int64_t>(y);
      if (sx != sy) return sx < sy ? -1 : 1;
      continue;
    }
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace weir
