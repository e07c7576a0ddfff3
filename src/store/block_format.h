// The flow file's on-disk structures: file header and block header, with their
// serialisation. doc/formats/flowfile.md is the specification; keep them in step.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/ip_address.h"
#include "record/fields.h"
#include "store/codec.h"

namespace weir {

inline constexpr char kFileMagic[8] = {'W', 'E', 'I', 'R', 'F', 'L', 'O', 'W'};
inline constexpr char kBlockMagic[4] = {'W', 'B', 'L', 'K'};
inline constexpr uint16_t kFlowFileVersion = 3;
inline constexpr uint32_t kMaxBlockHeaderSize = 64 * 1024;
inline constexpr uint32_t kMaxBlockRecords = 1u << 20;  // bounds a reader's memory
inline constexpr uint32_t kMaxBlockPayload = 1u << 30;
inline constexpr uint32_t kMaxFileHeaderSize = 1u << 20;

struct FileHeader {
  uint16_t version = kFlowFileVersion;
  Compression compression = Compression::kZstd;
  // Free-form key/value annotations: "created-by", "sensor", "flowtype", "hour" ...
  std::vector<std::pair<std::string, std::string>> annotations;
  uint32_t size = 0;  // bytes on disk, set by Parse/Serialize

  std::string Annotation(std::string_view key) const;
};

std::vector<std::byte> SerializeFileHeader(FileHeader& header);
// Parses a header at the start of data. Needs the whole header; returns kCorruption
// for a bad magic or checksum, kUnsupported for a newer version. When data is too
// short, returns a Status with code kNotFound and sets *needed to the size required.
Status ParseFileHeader(std::span<const std::byte> data, FileHeader& header, size_t* needed);

enum class ColumnEncoding : uint8_t {
  kFrameOfReference = 0,  // value - base, byte planes of `width` bytes
  kDelta = 1,             // zigzag(value - previous), previous starts at base
  kIpv6 = 2,              // 16-byte addresses as 16 byte planes
  kIpDictionary = 3,      // sorted distinct addresses + per-row index (flowfile.md)
  kDictionary = 4,        // distinct values by frequency + per-row index (flowfile.md)
};

// A dictionary's index width byte with bit 7 set: the row indexes are packed into
// (width & 0x7f) bits each (1, 2 or 4), least significant bits first (version 3).
// Otherwise it is a byte count and the indexes are byte planes.
inline constexpr uint8_t kPackedIndex = 0x80;

// Bit 7 of the flags column's encoding byte: the stored values are
// flags XOR (initial_flags OR session_flags).
inline constexpr uint8_t kFlagsResidual = 0x80;

// A signed column's zone-map bound back from ordered form (sign bit flipped).
inline int64_t SignedFromOrdered(uint64_t ordered) {
  return static_cast<int64_t>(ordered ^ (uint64_t{1} << 63));
}

// Block header flag: every column entry carries a checksum of its stored bytes
// (version 2), so a reader may read and verify only the columns it needs.
inline constexpr uint16_t kBlockColumnChecksums = 1;
// Block header flag: the block keeps only some of its stored rows, named by a
// selection column (id kSelectionColumn: a bitmap, one bit per stored row, least
// significant bit first; the entry's base is the number of rows kept). Filters
// write such blocks on pipes, copying the block as stored instead of re-encoding
// the rows that pass. Zone maps describe every stored row.
inline constexpr uint16_t kBlockSelection = 2;
inline constexpr uint8_t kSelectionColumn = 63;

struct ColumnEntry {
  FieldId field = FieldId::kSip;
  ColumnEncoding encoding = ColumnEncoding::kFrameOfReference;
  Compression codec = Compression::kNone;
  uint8_t width = 0;         // bytes per value before compression (0: all equal base)
  uint32_t stored_size = 0;  // bytes in the payload
  uint64_t base = 0;
  // Zone map. Integer columns: min/max in ordered form (int64 with its sign bit
  // flipped). IP columns: ip_min/ip_max.
  uint64_t min = 0, max = 0;
  IpAddress ip_min, ip_max;
  bool is_ip = false;
  uint64_t checksum = 0;  // of the stored bytes, when the block has kBlockColumnChecksums
};

struct BlockHeader {
  uint32_t size = 0;  // header bytes including checksums
  uint32_t record_count = 0;
  uint32_t payload_size = 0;
  uint64_t payload_checksum = 0;
  uint16_t flags = kBlockColumnChecksums;
  std::vector<ColumnEntry> columns;

  const ColumnEntry* Find(FieldId id) const;
  // Rows a reader gets: record_count, or the selection's count.
  uint32_t kept_records() const;
};

void SerializeBlockHeader(BlockHeader& header, std::vector<std::byte>& out);
// Parses a block header at the start of data; like ParseFileHeader for short data.
Status ParseBlockHeader(std::span<const std::byte> data, BlockHeader& header, size_t* needed);

uint64_t Checksum(std::span<const std::byte> data);

}  // namespace weir
