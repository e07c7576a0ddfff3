// The frame shared by weir's small whole-file formats (IP sets, bags): a fixed
// header whose last 8 bytes are an XXH3-64 of the header's other bytes followed by
// the stored body; the body zstd-compressed when that makes it smaller.
// doc/formats/ipset.md and bag.md give each header's fields.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/codec.h"

namespace weir {

// Compresses raw into stored (zstd, or a copy when that is not smaller).
Compression CompressBody(std::span<const std::byte> raw, std::vector<std::byte>& stored);
// header (without its checksum) + checksum + stored.
std::string SealFile(std::span<const std::byte> header, std::span<const std::byte> stored);
// Verifies a sealed file whose header (checksum included) is header_size bytes and
// returns its body of raw_size bytes. Errors name the file.
Result<std::vector<std::byte>> OpenSealedBody(std::string_view data, size_t header_size,
                                              uint8_t codec, uint64_t raw_size,
                                              const std::string& name);

}  // namespace weir
