// Encoding of a FlowBatch into one block (header + payload) and back.
//
// Each stored column is encoded on its own: integers as frame-of-reference or delta
// values cut into byte planes (which general-purpose compressors squeeze well),
// IPv4-only address columns as integers, IPv6 as 16 byte planes; then compressed
// with the block's codec. Decoding touches only the columns asked for.
#pragma once

#include <span>
#include <vector>

#include "base/status.h"
#include "store/block_format.h"
#include "store/codec.h"
#include "store/flow_batch.h"

namespace weir {

class BlockEncoder {
 public:
  // version: the flow file version whose blocks to write; 2 adds column checksums
  // (kBlockColumnChecksums), 3 packed dictionary indexes (kPackedIndex).
  BlockEncoder(Compression codec, int zstd_level, uint16_t version = kFlowFileVersion)
      : codec_(codec),
        compressor_(zstd_level),
        column_checksums_(version >= 2),
        packed_indexes_(version >= 3) {}
  // Appends header and payload for batch (all columns) to out.
  void Encode(const FlowBatch& batch, std::vector<std::byte>& out);
  // After an address column's dictionary did not pay (more distinct addresses than
  // half the rows), its next 1, 3, 7, then 15 blocks store the addresses plainly
  // without trying again: traffic that many addresses take part in stays so for a
  // while, and trying costs a hash probe per row. A block's encoding then depends
  // on the blocks encoded before it, so only writers that encode in order use it.
  void SkipFailingDictionaries(bool on) { skip_failing_dictionaries_ = on; }

 private:
  // Dictionary-encodes an address column into raw_; false if a dictionary would not
  // pay (nearly every address distinct and all IPv4). Sets the column's zone map.
  bool EncodeIpDictionary(const Column<IpAddress>& column, IpAddress& min, IpAddress& max);

  // Dictionary-encodes values_ (ordered form, n values, all >= min) into raw_ when
  // few values are distinct; false otherwise.
  bool EncodeIntDictionary(size_t n, uint64_t min);
  // The same for a column of one-byte differences from min, by counting them; only
  // when at most 16 are distinct, so the indexes pack into 4 bits or fewer.
  bool EncodeSmallDictionary(size_t n, uint64_t min);
  // Writes the dictionary by_frequency_ and each row's index (values_) into raw_.
  void EmitIntDictionary(size_t n, uint64_t min);
  // A dictionary index width for k entries: packed bits when allowed and k <= 16.
  uint8_t IndexWidth(size_t k) const;

  Compression codec_;
  Compressor compressor_;
  bool skip_failing_dictionaries_ = false;
  // Per address column (sip, dip, nhip, exporter): the dictionary's failures in a
  // row (up to 4), and the blocks still to skip.
  std::array<uint8_t, 4> dictionary_misses_{}, dictionary_skips_{};
  bool column_checksums_;
  bool packed_indexes_;
  // Open-addressing table for value dictionaries; one slot is one cache access.
  struct IntSlot {
    uint64_t key;
    uint32_t count, rank, generation;
  };
  std::vector<IntSlot> int_slots_;
  std::vector<uint32_t> row_slot_;  // each row's slot, so rows are hashed once
  uint32_t int_generation_ = 0;
  std::vector<std::pair<uint32_t, uint64_t>> by_frequency_;  // (count, value)
  ScratchBytes raw_, payload_;
  std::vector<uint64_t> values_;
  // Open-addressing table for the IPv4 dictionary: key, the address's number in order
  // of first sight, and the generation that last wrote the slot (so the table never
  // needs clearing).
  struct IpSlot {
    uint32_t key, index, generation;
  };
  std::vector<IpSlot> slots_;
  uint32_t generation_ = 0;
  std::vector<uint32_t> distinct_v4_, row_index_, rank_;
  std::vector<uint64_t> keyed_;  // (address << 32 | number of first sight), to sort
  std::vector<std::pair<IpAddress, uint32_t>> v6_rows_;
  // Writes the dictionary (distinct_v4_, distinct_v6) and row_index_ into raw_.
  void EmitIpDictionary(size_t n, const std::vector<IpAddress>& distinct_v6);
};

// Serialises a stored block (header and payload as read) that keeps only `rows`
// of its rows, by adding a selection column (kBlockSelection): the columns are
// copied unchanged, nothing is re-encoded. The block must not have a selection.
void EncodeSelectedBlock(const BlockHeader& header, std::span<const std::byte> payload,
                         std::span<const uint32_t> rows, std::vector<std::byte>& out);

class BlockDecoder {
 public:
  // Decodes the columns in `columns` (others are left empty) from a payload whose
  // checksum the caller has verified.
  Status Decode(const BlockHeader& header, std::span<const std::byte> payload, ColumnSet columns,
                FlowBatch& batch);
  // Adds columns to the batch that Decode just filled from the same block, with
  // values at the given rows only (ascending indexes into the batch); the other rows
  // of these columns hold unspecified values. A scan decodes its filter's columns
  // whole, then the rest only where the filter passed: decompression stays, but the
  // per-row work on the rows that failed goes; with no rows, so does decompression
  // (and the added address columns then have no dictionary). Columns the batch has
  // stay as they are.
  Status DecodeRows(const BlockHeader& header, std::span<const std::byte> payload,
                    ColumnSet columns, std::span<const uint32_t> rows, FlowBatch& batch);
  // The same, then the batch keeps the given rows only, in order: afterwards it has
  // rows.size() rows, row k being the block's row rows[k], in every column (those it
  // had and those added) and address dictionary index. A consumer that reads a few
  // rows of every column then touches a few rows' memory, not the whole block's.
  // Address columns added for at most half the rows keep no dictionary: their rows
  // are looked up alone (compact batches are printed, not grouped).
  Status DecodeCompact(const BlockHeader& header, std::span<const std::byte> payload,
                       ColumnSet columns, std::span<const uint32_t> rows, FlowBatch& batch);

 private:
  // Decodes the columns of `columns` not yet in `present` into batch, every stored
  // row or, with rows, only those (at their own index, or with compact at their
  // position in rows); adds them to present.
  Status DecodeColumns(const BlockHeader& header, std::span<const std::byte> payload,
                       ColumnSet columns, const std::span<const uint32_t>* rows, bool compact,
                       FlowBatch& batch, ColumnSet& present);
  // Keeps the rows of keep (ascending) in the columns of `columns` and their
  // address dictionaries' indexes.
  static void KeepRowsOf(ColumnSet columns, std::span<const uint32_t> keep, FlowBatch& batch);
  // Keeps the rows a kBlockSelection block selects, in the columns of `columns`;
  // keep_ then holds them.
  Status KeepSelected(const BlockHeader& header, std::span<const std::byte> payload,
                      ColumnSet columns, FlowBatch& batch);
  // Decodes a kIpDictionary column into column (every row, or with rows only those,
  // compact or not as DecodeColumns), keeping the dictionary, with the index of
  // every row (compact: of the rows asked for) too. Compact decodes keep no
  // dictionary (their consumers print rows): they look up only the rows asked for.
  Status DecodeIpDictionary(const std::byte* raw, size_t raw_size, size_t n,
                            const std::span<const uint32_t>* rows, bool compact,
                            Column<IpAddress>& column, AddressDictionary& dictionary);
  // The compact case of an all-IPv4 dictionary with byte-plane indexes, from the
  // dictionary's deltas at p.
  Status LookUpIpv4Rows(const uint8_t* p, size_t v4, uint8_t delta_width, size_t n,
                        uint8_t index_width, std::span<const uint32_t> rows,
                        Column<IpAddress>& column);

  Decompressor decompressor_;
  ScratchBytes raw_;
  std::vector<uint64_t, DefaultInitAllocator<uint64_t>> values_;
  std::vector<uint32_t, DefaultInitAllocator<uint32_t>>
      v4_dictionary_;           // an all-IPv4 address dictionary, as integers
  std::vector<uint32_t> keep_;  // selected rows of a kBlockSelection block
  AddressDictionary unkept_;    // a compact decode's dictionary, when it needs one
};

}  // namespace weir
