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
  BlockEncoder(Compression codec, int zstd_level) : codec_(codec), compressor_(zstd_level) {}
  // Appends header and payload for batch (all columns) to out.
  void Encode(const FlowBatch& batch, std::vector<std::byte>& out);

 private:
  Compression codec_;
  Compressor compressor_;
  std::vector<std::byte> raw_, payload_;
  std::vector<uint64_t> values_;
};

class BlockDecoder {
 public:
  // Decodes the columns in `columns` (others are left empty) from a payload whose
  // checksum the caller has verified.
  Status Decode(const BlockHeader& header, std::span<const std::byte> payload,
                ColumnSet columns, FlowBatch& batch);

 private:
  Decompressor decompressor_;
  std::vector<std::byte> raw_;
  std::vector<uint64_t> values_;
};

}  // namespace weir
