// FlowBatch: flow records held column by column, the in-memory form of one block.
//
// Readers decode into a batch, writers encode from one, and the query engine scans
// its columns directly. A reader that decodes only some columns leaves the others
// empty: has(id) says which are present. Not thread-safe; a plain value type.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "record/fields.h"
#include "record/flow_record.h"

namespace weir {

// A set of columns, as a bit mask over FieldId numbers.
class ColumnSet {
 public:
  static ColumnSet All();
  static ColumnSet None() { return ColumnSet(); }
  static ColumnSet Of(const std::vector<FieldId>& fields);  // derived fields map to their sources
  void Add(FieldId id) { bits_ |= uint64_t{1} << static_cast<int>(id); }
  bool Has(FieldId id) const { return bits_ >> static_cast<int>(id) & 1; }
  bool empty() const { return bits_ == 0; }
  ColumnSet With(ColumnSet other) const { return FromBits(bits_ | other.bits_); }
  ColumnSet Without(ColumnSet other) const { return FromBits(bits_ & ~other.bits_); }
  // True when every column of other is in this set.
  bool Covers(ColumnSet other) const { return (bits_ & other.bits_) == other.bits_; }

 private:
  static ColumnSet FromBits(uint64_t bits) {
    ColumnSet s;
    s.bits_ = bits;
    return s;
  }
  uint64_t bits_ = 0;
};

// The distinct addresses of an address column that its block stored as a
// dictionary (ascending, IPv4 before IPv6) and each row's index into them.
// Decoders keep it beside the expanded column so that consumers can work once
// per distinct address (a hash probe, a name) instead of once per row.
// A column of a batch. Growing it leaves the new rows unwritten: whoever grows a
// column fills it (a decoder, SetRow), and batches reused block after block are
// not zeroed on every larger block.
template <typename T>
using Column = std::vector<T, DefaultInitAllocator<T>>;

struct AddressDictionary {
  std::vector<IpAddress> values;
  Column<uint32_t> index;  // one per row (a compact decode shrinks it; regrowing writes no zeros)
};

struct FlowBatch {
#define WEIR_DECLARE_COLUMN(id, member, type) Column<type> member;
  WEIR_STORED_COLUMNS(WEIR_DECLARE_COLUMN)
#undef WEIR_DECLARE_COLUMN

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ColumnSet columns() const { return present_; }
  bool has(FieldId id) const { return present_.Has(id); }

  // Appends a whole record; the batch then holds every column.
  void Append(const FlowRecord& r);
  // Appends the given rows of src (which must hold every column).
  void AppendRows(const FlowBatch& src, std::span<const uint32_t> rows);
  // Appends records[rows[k]] for every k, column by column (much faster than a
  // record at a time, which writes every column per record).
  void AppendRecords(std::span<const FlowRecord> records, std::span<const uint32_t> rows);
  // Sizes every column to n rows (all present), for filling with SetRow.
  void Resize(size_t n);
  void SetRow(size_t i, const FlowRecord& r) {
    dictionaries_valid_ = 0;
#define WEIR_SET_COLUMN(id, member, type) member[i] = r.member;
    WEIR_STORED_COLUMNS(WEIR_SET_COLUMN)
#undef WEIR_SET_COLUMN
  }
  // Fills r from row i; absent columns leave r's fields at their defaults.
  void GetRow(size_t i, FlowRecord& r) const;
  // Fills out[k] from row begin + k for k < count, column by column: for many rows
  // this reads each column's memory in order instead of every column per row.
  // Absent columns get FlowRecord's defaults.
  void GetRange(size_t begin, size_t count, FlowRecord* out) const;
  // Calls f(at, records) for the rows of the batch in order, a chunk at a time:
  // records[c] is row at + c, filled through GetRange (a record at a time would
  // miss the cache in every column). scratch holds a chunk.
  template <typename F>
  void ForEachChunk(std::vector<FlowRecord>& scratch, F&& f) const {
    constexpr size_t kChunk = 256;
    scratch.resize(std::min(kChunk, size()));
    for (size_t at = 0; at < size(); at += kChunk) {
      const size_t count = std::min(kChunk, size() - at);
      GetRange(at, count, scratch.data());
      f(at, std::span<const FlowRecord>(scratch.data(), count));
    }
  }
  // Calls f(i, record) for every row i of the batch, in order (as ForEachChunk).
  template <typename F>
  void ForEachRecord(std::vector<FlowRecord>& scratch, F&& f) const {
    ForEachChunk(scratch, [&](size_t at, std::span<const FlowRecord> records) {
      for (size_t c = 0; c < records.size(); ++c) f(at + c, records[c]);
    });
  }
  FlowRecord Row(size_t i) const {
    FlowRecord r;
    GetRow(i, r);
    return r;
  }
  void Clear();
  void Reserve(size_t n);

  // Row i's value of any numeric field, stored or derived, as GetUnsigned()
  // computes it from a record (the columns it needs must be present).
  uint64_t Unsigned(FieldId id, size_t i) const;
  // Row i's address for an IP field (sip, dip, nhip, exporter).
  const IpAddress& Ip(FieldId id, size_t i) const;

  // The slot of address column id among the four (sip, dip, nhip, exporter: 0-3),
  // -1 for any other column; for state kept per address column.
  static int DictionarySlot(FieldId id) {
    switch (id) {
      case FieldId::kSip:
        return 0;
      case FieldId::kDip:
        return 1;
      case FieldId::kNhip:
        return 2;
      case FieldId::kExporter:
        return 3;
      default:
        return -1;
    }
  }
  // The dictionary of address column id (sip, dip, nhip, exporter) as decoded
  // from the block; null when the block did not store one or when anything has
  // changed the batch since (every mutating member drops them).
  const AddressDictionary* Dictionary(FieldId id) const {
    int k = DictionarySlot(id);
    return k >= 0 && (dictionaries_valid_ >> k & 1) ? &dictionaries_[k] : nullptr;
  }
  // For decoders: the dictionary of address column id to fill, marked valid;
  // DropDictionaries() forgets them all.
  AddressDictionary& SetDictionary(FieldId id) {
    int k = DictionarySlot(id);
    dictionaries_valid_ |= uint8_t(1u << k);
    return dictionaries_[k];
  }
  void DropDictionaries() { dictionaries_valid_ = 0; }

  // For decoders: set the row count and which columns were filled.
  void SetDecoded(size_t size, ColumnSet present) {
    size_ = size;
    present_ = present;
  }

 private:
  size_t size_ = 0;
  ColumnSet present_ = ColumnSet::All();
  AddressDictionary dictionaries_[4];
  uint8_t dictionaries_valid_ = 0;
};

}  // namespace weir
