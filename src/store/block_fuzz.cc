// Fuzz target: one block (header + payload) whose checksums are recomputed before
// decoding, so mutations reach the column decoders instead of stopping at the
// checksum check. Decoding must fail cleanly or succeed; never crash or overrun.
#include <cstring>
#include <vector>

#include "base/bytes.h"
#include "store/block_codec.h"
#include "store/block_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 36) return 0;
  std::vector<std::byte> block(reinterpret_cast<const std::byte*>(data),
                               reinterpret_cast<const std::byte*>(data) + size);
  uint32_t header_size = static_cast<uint32_t>(weir::LoadLe(block.data() + 4, 4));
  if (header_size < 36 || header_size > size) return 0;
  std::memcpy(block.data(), weir::kBlockMagic, 4);
  weir::StoreLe(block.data() + 12, size - header_size, 4);
  auto payload = std::span(block).subspan(header_size);
  weir::StoreLe(block.data() + header_size - 16, weir::Checksum(payload), 8);
  weir::StoreLe(block.data() + header_size - 8,
                weir::Checksum(std::span(block).subspan(0, header_size - 8)), 8);
  weir::BlockHeader header;
  size_t needed = 0;
  if (!weir::ParseBlockHeader(block, header, &needed).ok()) return 0;
  weir::BlockDecoder decoder;
  weir::FlowBatch batch;
  (void)decoder.Decode(header, payload, weir::ColumnSet::All(), batch);
  return 0;
}
