#include "store/sealed_file.h"

#include "base/bytes.h"
#include "store/block_format.h"

namespace weir {

Compression CompressBody(std::span<const std::byte> raw, std::vector<std::byte>& stored) {
  Compressor compressor(3);
  ScratchBytes compressed;
  Compression codec = compressor.Compress(Compression::kZstd, raw, compressed);
  stored.assign(compressed.begin(), compressed.end());
  return codec;
}

std::string SealFile(std::span<const std::byte> header, std::span<const std::byte> stored) {
  std::vector<std::byte> checked(header.begin(), header.end());
  checked.insert(checked.end(), stored.begin(), stored.end());
  std::vector<std::byte> sum;
  ByteWriter(&sum).U64Le(Checksum(checked));
  std::string out(reinterpret_cast<const char*>(header.data()), header.size());
  out.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  out.append(reinterpret_cast<const char*>(stored.data()), stored.size());
  return out;
}

Result<std::vector<std::byte>> OpenSealedBody(std::string_view data, size_t header_size,
                                              uint8_t codec, uint64_t raw_size,
                                              const std::string& name) {
  auto bad = [&](const std::string& why) { return Status::Corruption(name + ": " + why); };
  if (data.size() < header_size) return bad("truncated header");
  auto bytes = std::as_bytes(std::span(data.data(), data.size()));
  std::vector<std::byte> checked(bytes.begin(), bytes.begin() + header_size - 8);
  checked.insert(checked.end(), bytes.begin() + header_size, bytes.end());
  if (Checksum(checked) != LoadLe(bytes.data() + header_size - 8, 8))
    return bad("checksum mismatch");
  if (codec > static_cast<uint8_t>(Compression::kLz4)) return bad("unknown compression");
  std::vector<std::byte> raw(raw_size);
  Decompressor decompressor;
  Status s = decompressor.Decompress(static_cast<Compression>(codec), bytes.subspan(header_size),
                                     raw.data(), raw_size);
  if (!s.ok()) return bad(s.message());
  return raw;
}

}  // namespace weir
