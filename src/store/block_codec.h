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
  // column_checksums: write version-2 blocks (kBlockColumnChecksums).
  BlockEncoder(Compression codec, int zstd_level, bool column_checksums = true)
      : codec_(codec), compressor_(zstd_level), column_checksums_(column_checksums) {}
  // Appends header and payload for batch (all columns) to out.
  void Encode(const FlowBatch& batch, std::vector<std::byte>& out);

 private:
  // Dictionary-encodes an address column into raw_; false if a dictionary would not
  // pay (nearly every address distinct and all IPv4). Sets the column's zone map.
  bool EncodeIpDictionary(const std::vector<IpAddress>& column, IpAddress& min, IpAddress& max);

  // Dictionary-encodes values_ (ordered form, n values, all >= min) into raw_ when
  // few values are distinct; false otherwise.
  bool EncodeIntDictionary(size_t n, uint64_t min);

  Compression codec_;
  Compressor compressor_;
  bool column_checksums_;
  // Open-addressing table for value dictionaries; one slot is one cache access.
  struct IntSlot {
    uint64_t key;
    uint32_t count, rank, generation;
  };
  std::vector<IntSlot> int_slots_;
  std::vector<uint32_t> row_slot_;  // each row's slot, so rows are hashed once
  uint32_t int_generation_ = 0;
  std::vector<std::pair<uint32_t, uint64_t>> by_frequency_;  // (count, value)
  std::vector<std::byte> raw_, payload_;
  std::vector<uint64_t> values_;
  // Open-addressing table for the IPv4 dictionary: key, dictionary index, and the
  // generation that last wrote the slot (so the table never needs clearing).
  struct IpSlot {
    uint32_t key, index, generation;
  };
  std::vector<IpSlot> slots_;
  uint32_t generation_ = 0;
  std::vector<uint32_t> distinct_v4_, row_index_;
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

 private:
  // Decodes a kIpDictionary column into column, keeping the dictionary too.
  Status DecodeIpDictionary(const std::byte* raw, size_t raw_size, size_t n,
                            std::vector<IpAddress>& column, AddressDictionary& dictionary);
  // Decodes a kDictionary column into values_.
  Status DecodeIntDictionary(const std::byte* raw, size_t raw_size, size_t n, uint64_t min);

  Decompressor decompressor_;
  std::vector<std::byte> raw_;
  std::vector<uint64_t> values_;
  std::vector<uint64_t> int_dictionary_;
  std::vector<uint32_t> keep_;  // selected rows of a kBlockSelection block
};

}  // namespace weir
