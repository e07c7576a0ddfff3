#include "store/block_format.h"

#include <xxhash.h>

#include <cstring>

#include "base/bytes.h"

namespace weir {

uint64_t Checksum(std::span<const std::byte> data) { return XXH3_64bits(data.data(), data.size()); }

std::string FileHeader::Annotation(std::string_view key) const {
  for (const auto& [k, v] : annotations)
    if (k == key) return v;
  return {};
}

// File header: magic(8) version(2) flags(2) size(4) compression(1) reserved(1)
// annotation_count(2) { key_len(2) key value_len(4) value }* checksum(8)
std::vector<std::byte> SerializeFileHeader(FileHeader& header) {
  std::vector<std::byte> out;
  ByteWriter w(&out);
  w.String({kFileMagic, 8});
  w.U16Le(header.version);
  w.U16Le(0);
  w.U32Le(0);  // size, patched below
  w.U8(static_cast<uint8_t>(header.compression));
  w.U8(0);
  w.U16Le(static_cast<uint16_t>(header.annotations.size()));
  for (const auto& [k, v] : header.annotations) {
    w.U16Le(static_cast<uint16_t>(k.size()));
    w.String(k);
    w.U32Le(static_cast<uint32_t>(v.size()));
    w.String(v);
  }
  uint32_t size = static_cast<uint32_t>(out.size() + 8);
  StoreLe(out.data() + 12, size, 4);
  w.U64Le(Checksum(out));
  header.size = size;
  return out;
}

Status ParseFileHeader(std::span<const std::byte> data, FileHeader& header, size_t* needed) {
  if (data.size() < 16) {
    if (data.size() >= 1 &&
        std::memcmp(data.data(), kFileMagic, std::min<size_t>(8, data.size())) != 0)
      return Status::Corruption("not a weir flow file (bad magic)");
    *needed = 16;
    return Status::NotFound("short");
  }
  if (std::memcmp(data.data(), kFileMagic, 8) != 0)
    return Status::Corruption("not a weir flow file (bad magic)");
  ByteReader r(data);
  r.Skip(8);
  uint16_t version = r.U16Le();
  r.U16Le();
  uint32_t size = r.U32Le();
  if (version > kFlowFileVersion || version == 0)
    return Status::Unsupported("flow file version " + std::to_string(version) +
                               " is not supported (this weir reads versions 1 to 3)");
  if (size < 28 || size > kMaxFileHeaderSize)
    return Status::Corruption("file header size " + std::to_string(size) + " is invalid");
  if (data.size() < size) {
    *needed = size;
    return Status::NotFound("short");
  }
  uint64_t stored = LoadLe(data.data() + size - 8, 8);
  if (Checksum(data.subspan(0, size - 8)) != stored)
    return Status::Corruption("file header checksum mismatch");
  header = FileHeader();
  header.version = version;
  header.size = size;
  header.compression = static_cast<Compression>(r.U8());
  r.U8();
  uint16_t count = r.U16Le();
  ByteReader body(data.subspan(0, size - 8));
  body.Skip(r.offset());
  for (uint16_t i = 0; i < count; ++i) {
    std::string key(body.String(body.U16Le()));
    std::string value(body.String(body.U32Le()));
    if (!body.ok()) return Status::Corruption("file header annotations are truncated");
    header.annotations.emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

const ColumnEntry* BlockHeader::Find(FieldId id) const {
  for (const auto& c : columns)
    if (c.field == id) return &c;
  return nullptr;
}

// Block header: magic(4) size(4) records(4) payload_size(4) column_count(2) flags(2)
// { entry_size(1) field(1) encoding(1) codec(1) width(1) stored_size(4) base(8)
//   min max (8+8, or 16+16 for IP columns) }* payload_checksum(8) header_checksum(8)
void SerializeBlockHeader(BlockHeader& header, std::vector<std::byte>& out) {
  size_t start = out.size();
  ByteWriter w(&out);
  w.String({kBlockMagic, 4});
  w.U32Le(0);
  w.U32Le(header.record_count);
  w.U32Le(header.payload_size);
  w.U16Le(static_cast<uint16_t>(header.columns.size()));
  w.U16Le(header.flags);
  bool checksums = header.flags & kBlockColumnChecksums;
  for (const auto& c : header.columns) {
    w.U8(static_cast<uint8_t>((c.is_ip ? 49 : 33) + (checksums ? 8 : 0)));
    w.U8(static_cast<uint8_t>(c.field));
    w.U8(static_cast<uint8_t>(c.encoding));
    w.U8(static_cast<uint8_t>(c.codec));
    w.U8(c.width);
    w.U32Le(c.stored_size);
    w.U64Le(c.base);
    if (checksums) w.U64Le(c.checksum);
    if (c.is_ip) {
      w.Bytes(std::as_bytes(std::span(c.ip_min.bytes())));
      w.Bytes(std::as_bytes(std::span(c.ip_max.bytes())));
    } else {
      w.U64Le(c.min);
      w.U64Le(c.max);
    }
  }
  w.U64Le(header.payload_checksum);
  header.size = static_cast<uint32_t>(out.size() - start + 8);
  StoreLe(out.data() + start + 4, header.size, 4);
  w.U64Le(Checksum(std::span(out).subspan(start)));
}

Status ParseBlockHeader(std::span<const std::byte> data, BlockHeader& header, size_t* needed) {
  if (data.size() < 20) {
    *needed = 20;
    return Status::NotFound("short");
  }
  if (std::memcmp(data.data(), kBlockMagic, 4) != 0) return Status::Corruption("bad block magic");
  ByteReader r(data);
  r.Skip(4);
  uint32_t size = r.U32Le();
  if (size < 36 || size > kMaxBlockHeaderSize)
    return Status::Corruption("block header size " + std::to_string(size) + " is invalid");
  if (data.size() < size) {
    *needed = size;
    return Status::NotFound("short");
  }
  uint64_t stored = LoadLe(data.data() + size - 8, 8);
  if (Checksum(data.subspan(0, size - 8)) != stored)
    return Status::Corruption("block header checksum mismatch");
  header = BlockHeader();
  header.size = size;
  header.record_count = r.U32Le();
  header.payload_size = r.U32Le();
  uint16_t count = r.U16Le();
  header.flags = r.U16Le();
  if (header.flags & ~(kBlockColumnChecksums | kBlockSelection))
    return Status::Unsupported("block uses features this weir does not know (flags " +
                               std::to_string(header.flags) + ")");
  const bool checksums = header.flags & kBlockColumnChecksums;
  // Entry sizes: 33 (integer) and 49 (address), 8 more with checksums.
  const uint8_t int_size = checksums ? 41 : 33, ip_size = checksums ? 57 : 49;
  if (header.record_count > kMaxBlockRecords || header.payload_size > kMaxBlockPayload)
    return Status::Corruption("block header counts are out of range");
  ByteReader body(data.subspan(0, size - 16));
  body.Skip(r.offset());
  uint64_t total = 0;
  for (uint16_t i = 0; i < count; ++i) {
    size_t entry_start = body.offset();
    uint8_t entry_size = body.U8();
    ColumnEntry c;
    c.field = static_cast<FieldId>(body.U8());
    c.encoding = static_cast<ColumnEncoding>(body.U8());
    c.codec = static_cast<Compression>(body.U8());
    c.width = body.U8();
    c.stored_size = body.U32Le();
    c.base = body.U64Le();
    if (checksums) c.checksum = body.U64Le();
    if (entry_size == ip_size) {
      c.is_ip = true;
      auto lo = body.Bytes(16), hi = body.Bytes(16);
      if (body.ok()) {
        std::array<uint8_t, 16> a, b;
        std::memcpy(a.data(), lo.data(), 16);
        std::memcpy(b.data(), hi.data(), 16);
        c.ip_min = IpAddress::V6(a);
        c.ip_max = IpAddress::V6(b);
      }
    } else if (entry_size >= int_size) {
      c.min = body.U64Le();
      c.max = body.U64Le();
    } else {
      return Status::Corruption("column entry size " + std::to_string(entry_size) + " is invalid");
    }
    body.Skip(entry_start + entry_size - body.offset());  // newer, longer entries
    if (!body.ok()) return Status::Corruption("block header column table is truncated");
    total += c.stored_size;
    header.columns.push_back(c);
  }
  if (total != header.payload_size)
    return Status::Corruption("block column sizes do not add up to the payload size");
  if (header.flags & kBlockSelection) {
    const ColumnEntry* sel = nullptr;
    for (const auto& c : header.columns)
      if (static_cast<uint8_t>(c.field) == kSelectionColumn) sel = &c;
    if (!sel || sel->base > header.record_count)
      return Status::Corruption("block selection is missing or counts too many rows");
  }
  header.payload_checksum = LoadLe(data.data() + size - 16, 8);
  return Status::Ok();
}

uint32_t BlockHeader::kept_records() const {
  if (!(flags & kBlockSelection)) return record_count;
  for (const auto& c : columns)
    if (static_cast<uint8_t>(c.field) == kSelectionColumn) return static_cast<uint32_t>(c.base);
  return record_count;
}

}  // namespace weir
