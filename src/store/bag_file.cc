#include "store/bag_file.h"

#include <algorithm>
#include <cstring>

#include "base/bytes.h"
#include "base/file.h"
#include "store/block_format.h"
#include "store/sealed_file.h"

namespace weir {

namespace {

constexpr char kBagMagic[8] = {'W', 'E', 'I', 'R', 'B', 'A', 'G', '1'};
constexpr uint16_t kBagVersion = 1;
constexpr size_t kBagHeaderSize = 56;
constexpr uint64_t kMaxEntries = uint64_t{1} << 28;

}  // namespace

void Bag::Normalize() {
  std::sort(entries.begin(), entries.end());
  size_t out = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (out > 0 && entries[out - 1].high == entries[i].high &&
        entries[out - 1].low == entries[i].low) {
      uint64_t sum = entries[out - 1].counter + entries[i].counter;
      entries[out - 1].counter = sum < entries[i].counter ? UINT64_MAX : sum;
    } else {
      entries[out++] = entries[i];
    }
  }
  entries.resize(out);
}

std::string SerializeBag(const Bag& bag) {
  bool wide = GetField(bag.key).type == FieldType::kIp;
  std::vector<std::byte> raw;
  ByteWriter body(&raw);
  for (const auto& e : bag.entries) {
    if (wide) body.U64Le(e.high);
    body.U64Le(e.low);
    body.U64Le(e.counter);
  }
  std::vector<std::byte> stored;
  Compression codec = CompressBody(raw, stored);
  std::vector<std::byte> header;
  ByteWriter w(&header);
  w.Bytes(std::as_bytes(std::span(kBagMagic)));
  w.U16Le(kBagVersion);
  w.U8(static_cast<uint8_t>(bag.key));
  w.U8(static_cast<uint8_t>(codec));
  std::string counter = bag.counter.substr(0, 12);
  counter.resize(12, '\0');
  w.String(counter);
  w.U64Le(bag.entries.size());
  w.U64Le(raw.size());
  w.U64Le(stored.size());
  return SealFile(header, stored);
}

Result<Bag> ParseBag(std::string_view data, const std::string& name) {
  auto bad = [&](const std::string& why) { return Status::Corruption(name + ": " + why); };
  if (data.size() < 8 || std::memcmp(data.data(), kBagMagic, 8) != 0)
    return bad("not a weir bag file (bad magic)");
  if (data.size() < kBagHeaderSize) return bad("truncated bag header");
  ByteReader r(data.data(), data.size());
  r.Skip(8);
  uint16_t version = r.U16Le();
  uint8_t key = r.U8(), codec = r.U8();
  std::string counter(r.String(12));
  counter.resize(std::strlen(counter.c_str()));
  uint64_t count = r.U64Le(), raw_size = r.U64Le(), stored_size = r.U64Le();
  if (version > kBagVersion)
    return Status::Unsupported(name + ": bag format version " + std::to_string(version) +
                               " is newer than this weir reads (1)");
  if (key == 0 || key > kMaxFieldId) return bad("unknown key field " + std::to_string(key));
  Bag bag;
  bag.key = static_cast<FieldId>(key);
  bag.counter = counter;
  size_t width = GetField(bag.key).type == FieldType::kIp ? 24 : 16;
  if (count > kMaxEntries || raw_size != count * width) return bad("bad entry count");
  if (stored_size != data.size() - kBagHeaderSize) return bad("truncated or oversized body");
  auto raw = OpenSealedBody(data, kBagHeaderSize, codec, raw_size, name);
  if (!raw.ok()) return raw.status();
  ByteReader body(*raw);
  bag.entries.resize(count);
  for (auto& e : bag.entries) {
    e.high = width == 24 ? body.U64Le() : 0;
    e.low = body.U64Le();
    e.counter = body.U64Le();
  }
  bag.Normalize();
  return bag;
}

Result<Bag> LoadBagFile(const std::string& path) {
  auto data = ReadFileOrStdin(path);
  if (!data.ok()) return data.status();
  return ParseBag(*data, path);
}

Status SaveBagFile(const Bag& bag, const std::string& path) {
  return WriteFileAtomically(path, SerializeBag(bag));
}

}  // namespace weir
