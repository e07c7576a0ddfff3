#include "store/codec.h"

#include <lz4.h>
#include <zstd.h>

#include <cstring>
#include <string>

namespace weir {

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "zstd") return Compression::kZstd;
  if (name == "lz4") return Compression::kLz4;
  if (name == "none") return Compression::kNone;
  return Status::Invalid("unknown compression method '" + std::string(name) +
                         "' (zstd, lz4, none)");
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kZstd:
      return "zstd";
    case Compression::kLz4:
      return "lz4";
  }
  return "unknown";
}

Compressor::Compressor(int zstd_level) : zstd_(ZSTD_createCCtx()), level_(zstd_level) {}
Compressor::~Compressor() { ZSTD_freeCCtx(zstd_); }

Compression Compressor::Compress(Compression codec, std::span<const std::byte> raw,
                                 ScratchBytes& out) {
  size_t start = out.size();
  if (codec == Compression::kZstd && raw.size() > 0) {
    out.resize(start + ZSTD_compressBound(raw.size()));
    size_t n = ZSTD_compressCCtx(zstd_, out.data() + start, out.size() - start, raw.data(),
                                 raw.size(), level_);
    if (!ZSTD_isError(n) && n < raw.size()) {
      out.resize(start + n);
      return Compression::kZstd;
    }
  } else if (codec == Compression::kLz4 && raw.size() > 0 && raw.size() < LZ4_MAX_INPUT_SIZE) {
    int bound = LZ4_compressBound(static_cast<int>(raw.size()));
    out.resize(start + static_cast<size_t>(bound));
    int n = LZ4_compress_default(reinterpret_cast<const char*>(raw.data()),
                                 reinterpret_cast<char*>(out.data() + start),
                                 static_cast<int>(raw.size()), bound);
    if (n > 0 && static_cast<size_t>(n) < raw.size()) {
      out.resize(start + static_cast<size_t>(n));
      return Compression::kLz4;
    }
  }
  out.resize(start);
  out.insert(out.end(), raw.begin(), raw.end());
  return Compression::kNone;
}

// The zstd context is made on first use: readers that only hand raw blocks to
// other threads never need one, and a scan opens a reader per file.
Decompressor::Decompressor() : zstd_(nullptr) {}
Decompressor::~Decompressor() {
  if (zstd_) ZSTD_freeDCtx(zstd_);
}

Status Decompressor::Decompress(Compression codec, std::span<const std::byte> stored,
                                std::byte* out, size_t raw_size) {
  switch (codec) {
    case Compression::kNone:
      if (stored.size() != raw_size) return Status::Corruption("stored size mismatch");
      if (raw_size) std::memcpy(out, stored.data(), raw_size);
      return Status::Ok();
    case Compression::kZstd: {
      if (!zstd_ && !(zstd_ = ZSTD_createDCtx())) return Status::IoError("zstd: out of memory");
      size_t n = ZSTD_decompressDCtx(zstd_, out, raw_size, stored.data(), stored.size());
      if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
      if (n != raw_size) return Status::Corruption("zstd: decompressed size mismatch");
      return Status::Ok();
    }
    case Compression::kLz4: {
      if (raw_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE) ||
          stored.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE))
        return Status::Corruption("lz4: column too large");
      int n = LZ4_decompress_safe(reinterpret_cast<const char*>(stored.data()),
                                  reinterpret_cast<char*>(out), static_cast<int>(stored.size()),
                                  static_cast<int>(raw_size));
      if (n < 0 || static_cast<size_t>(n) != raw_size)
        return Status::Corruption("lz4: corrupt or wrong size");
      return Status::Ok();
    }
  }
  return Status::Corruption("unknown codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace weir
