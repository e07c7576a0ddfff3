// Block codecs for flow file columns: none, zstd, lz4.
//
// Compressor and Decompressor own their library contexts (reused across columns
// and blocks); one of each per thread. Decompress checks the exact raw size, so a
// corrupt column is an error, never an overrun.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace weir {

enum class Compression : uint8_t { kNone = 0, kZstd = 1, kLz4 = 2 };

Result<Compression> ParseCompression(std::string_view name);
std::string_view CompressionName(Compression c);

class Compressor {
 public:
  // level applies to zstd (1-19); lz4 uses its default fast mode.
  explicit Compressor(int zstd_level = 3);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Appends the compressed form of raw to out and returns the codec actually used:
  // kNone when compression would not make the data smaller.
  Compression Compress(Compression codec, std::span<const std::byte> raw, ScratchBytes& out);

 private:
  ZSTD_CCtx_s* zstd_;
  int level_;
};

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Decompresses exactly raw_size bytes into out; fails on any mismatch.
  Status Decompress(Compression codec, std::span<const std::byte> stored, std::byte* out,
                    size_t raw_size);

 private:
  ZSTD_DCtx_s* zstd_;
};

}  // namespace weir
