// Aggregation by key: the engine behind `weir stats` (rwstats), `weir uniq`
// (rwuniq) and the web UI's group-by charts.
//
// A key is one or more registry fields (sip, dport, protocol, stime binned ...);
// each group accumulates values: records, packets, bytes, earliest start, latest
// end and distinct counts of other fields.
//
// One Aggregator serves every scan worker at once. Add() hashes a batch's keys
// column by column, sorts the rows by partition (the top bits of the hash) and
// inserts each partition's rows under that partition's lock, so workers rarely
// wait and every group is held once. Each partition keeps its groups as words
// (an address is two, any other field one) in a chunked arena, found through an
// open-addressing table of tagged indexes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/arena.h"
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
  ~Aggregator();

  // The stored columns Add() reads.
  ColumnSet columns() const;

  // Per-thread working memory for Add().
  struct Scratch {
    std::vector<uint64_t> keys, hashes, distinct;
    std::vector<uint64_t> sorted_keys, sorted_hashes, sorted_values;  // in partition order
    std::vector<uint32_t> order, starts;
    std::vector<uint64_t> sums;  // per address dictionary entry
  };
  // Adds the given rows of batch. Safe to call from many threads at once, each
  // with its own Scratch; `worker` spreads the threads over the partitions.
  void Add(const FlowBatch& batch, std::span<const uint32_t> rows, Scratch& scratch,
           int worker = 0);
  // Numbers the groups 0 .. groups()-1; call after the last Add().
  void Finish();

  size_t groups() const { return total_groups_; }
  // Bytes held by the arenas, tables and distinct sets (safe to read while
  // other threads Add).
  size_t MemoryBytes() const;

  uint64_t Value(size_t group, size_t value_index) const;
  // Every value of a group, in spec().values order.
  const uint64_t* Values(size_t group) const;
  // A group's key as a FlowRecord (key fields set, others default), for printing
  // with the record formatters.
  FlowRecord KeyRecord(size_t group) const;
  // A group's stored words, for reading many of its fields at once: key k as an
  // unsigned number (as KeyRecord sets it; not for address keys) or as an address
  // (address keys only), and its values (as Values()).
  const uint64_t* GroupEntry(size_t group) const { return Entry(group); }
  uint64_t KeyUnsigned(const uint64_t* entry, size_t k) const;
  IpAddress KeyAddress(const uint64_t* entry, size_t k) const;
  const uint64_t* EntryValues(const uint64_t* entry) const { return entry + key_words_; }
  // Orders two groups by key, field by field (for --sort-output and ties).
  int CompareKeys(size_t a, size_t b) const;

  const AggregateSpec& spec() const { return spec_; }

  struct Partition;

 private:
  const uint64_t* Entry(size_t group) const;
  void Grow(Partition& part);
  void FillKeys(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s);
  void FillPackedKeys(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s);
  // Field f's key value per row (times binned and in unsigned order), every w words.
  void FieldValues(const FlowBatch& b, FieldId f, std::span<const uint32_t> rows, uint64_t* out,
                   size_t w) const;
  // An address as its 33 packed bits, and back.
  uint64_t PackAddress(const IpAddress& a);
  uint64_t InternLocked(const IpAddress& a);  // an IPv6 address's packed bits; intern_mutex_ held
  IpAddress UnpackAddress(uint64_t v) const;
  void FillInputs(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s) const;
  // Adds rows summed per entry of the key's address dictionary, when that applies.
  bool AddByDictionary(const FlowBatch& b, std::span<const uint32_t> rows, Scratch& s, int worker);
  // Inserts n rows given as keys (key_words_ each), hashes and value inputs.
  void Insert(const uint64_t* keys, const uint64_t* hashes, const uint64_t* inputs, size_t n,
              Scratch& s, int worker);

  AggregateSpec spec_;
  size_t key_words_ = 0, entry_words_ = 0;
  std::vector<size_t> key_word_offset_;
  // Packed keys: one word per group holding every key field.
  bool packed_ = false;
  size_t ip_key_ = 0;  // which key is the address
  std::vector<int> pack_shift_;
  std::vector<uint64_t> pack_mask_;
  // IPv6 addresses of packed keys, numbered as they come.
  struct AddressHash {
    size_t operator()(const IpAddress& a) const {
      return a.high64() * 0x9e3779b97f4a7c15ull ^ a.low64();
    }
  };
  std::mutex intern_mutex_;
  std::unordered_map<IpAddress, uint32_t, AddressHash> interned_ids_;
  std::vector<IpAddress> interned_;
  SlabArena arena_;  // the groups' entries (huge pages: few page faults)
  std::vector<std::unique_ptr<Partition>> partitions_;
  std::vector<size_t> partition_start_;  // flat group index of each partition's first
  // The partition holding group b << kBucketBits, for each b.
  static constexpr int kBucketBits = 10;
  std::vector<uint8_t> partition_of_bucket_;
  size_t total_groups_ = 0;
  std::atomic<size_t> memory_{0};
};

}  // namespace weir
