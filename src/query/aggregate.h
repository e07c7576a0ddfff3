// Aggregation by key: the engine behind `weir stats` (rwstats), `weir uniq`
// (rwuniq) and the web UI's group-by charts.
//
// A key is one or more registry fields (sip, dport, protocol, stime binned ...);
// each group accumulates values: records, packets, bytes, earliest start, latest
// end and distinct counts of other fields. Each scan worker fills its own
// Aggregator; Merge() combines them. Keys are packed into fixed-width bytes (16
// for addresses, the field's width otherwise) in one flat arena, found through an
// open-addressing table of hashes, so memory stays near the bytes the groups need.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "record/fields.h"
#include "store/flow_batch.h"

namespace weir {

enum class ValueKind {
  kRecords,
  kPackets,
  kBytes,
  kStimeEarliest,
  kEtimeLatest,
  kDistinct,  // count of distinct values of `field` per group
};

struct ValueSpec {
  ValueKind kind = ValueKind::kRecords;
  FieldId field = FieldId::kSip;  // kDistinct only
  std::string title;              // column title: "Records", "sIP-Distinct" ...
};

// Parses rwstats/rwuniq --values: "records,bytes,sip-distinct,distinct:dport,
// stime-earliest,etime-latest" (case-insensitive; "flows" = records).
Result<std::vector<ValueSpec>> ParseValues(std::string_view text);

struct AggregateSpec {
  std::vector<FieldId> keys;
  std::vector<ValueSpec> values;
  int64_t bin_ms = 0;  // > 0: stime/etime keys are floored to bins of this size
};

class Aggregator {
 public:
  explicit Aggregator(const AggregateSpec& spec);

  // The stored columns Add() reads.
  ColumnSet columns() const;
  // Adds the given rows of batch.
  void Add(const FlowBatch& batch, std::span<const uint32_t> rows);
  // Folds other (built from the same spec) into this one.
  void Merge(Aggregator& other);

  size_t groups() const { return count_; }
  // Bytes held by the table, arena and distinct sets.
  size_t MemoryBytes() const;

  // Group i (0 .. groups()-1) in insertion order.
  uint64_t Value(size_t group, size_t value_index) const;
  // A key field of group i as a number (for IP fields, see KeyIp).
  uint64_t KeyUnsigned(size_t group, size_t key_index) const;
  IpAddress KeyIp(size_t group, size_t key_index) const;
  // A group's key as a FlowRecord (key fields set, others default), for printing
  // with the record formatters.
  FlowRecord KeyRecord(size_t group) const;
  // Compares two groups' keys field by field (for --sort-output).
  int CompareKeys(size_t a, size_t b) const;

  const AggregateSpec& spec() const { return spec_; }

 private:
  size_t FindOrInsert(const uint8_t* key, uint64_t hash);
  void Grow();
  void PackKey(const FlowBatch& b, uint32_t row, uint8_t* out) const;
  uint8_t* Entry(size_t group) { return arena_.data() + group * entry_size_; }
  const uint8_t* Entry(size_t group) const { return arena_.data() + group * entry_size_; }
  void AddDistinct(uint32_t group, size_t value_index, uint64_t value_hash);

  AggregateSpec spec_;
  std::vector<size_t> key_offset_, key_width_;
  size_t key_size_ = 0, entry_size_ = 0;
  std::vector<uint8_t> arena_;
  size_t count_ = 0;
  // Open addressing: slot = (hash high 32 bits << 32) | (group + 1); 0 = empty.
  std::vector<uint64_t> slots_;
  // Distinct values: one open-addressing set of (group, value hash) pairs per
  // distinct value column; a new pair bumps the group's counter.
  static constexpr uint32_t kNoGroup = UINT32_MAX;
  struct DistinctSet {
    std::vector<uint32_t> groups;  // kNoGroup = empty slot
    std::vector<uint64_t> hashes;
    size_t count = 0;
  };
  std::vector<DistinctSet> distinct_;   // one per kDistinct value
  std::vector<uint64_t> scratch_hash_;  // per-row key hashes of the current batch
  std::vector<uint8_t> scratch_keys_;
};

}  // namespace weir
