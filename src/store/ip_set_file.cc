#include "store/ip_set_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "base/bytes.h"
#include "base/file.h"
#include "base/strings.h"
#include "store/block_format.h"
#include "store/sealed_file.h"

namespace weir {

namespace {

constexpr char kSetMagic[8] = {'W', 'E', 'I', 'R', 'I', 'P', 'S', 'T'};
constexpr uint16_t kSetVersion = 1;
constexpr size_t kSetHeaderSize = 48;
constexpr uint64_t kMaxRanges = uint64_t{1} << 28;  // bounds a reader's memory

}  // namespace

bool IsIpSetFile(std::string_view data) {
  return data.size() >= 8 && std::memcmp(data.data(), kSetMagic, 8) == 0;
}

std::string SerializeIpSet(const IpSet& set) {
  bool v4 = true;
  for (const auto& r : set.ranges())
    if (!FromUint128(r.low).is_v4() || !FromUint128(r.high).is_v4()) v4 = false;
  std::vector<std::byte> raw;
  ByteWriter body(&raw);
  for (const auto& r : set.ranges()) {
    for (Uint128 v : {r.low, r.high}) {
      IpAddress a = FromUint128(v);
      if (v4) {
        body.U32Le(a.v4());
      } else {
        body.Bytes(std::as_bytes(std::span(a.bytes())));
      }
    }
  }
  std::vector<std::byte> stored;
  Compression codec = CompressBody(raw, stored);
  std::vector<std::byte> header;
  ByteWriter w(&header);
  w.Bytes(std::as_bytes(std::span(kSetMagic)));
  w.U16Le(kSetVersion);
  w.U8(v4 ? 4 : 6);
  w.U8(static_cast<uint8_t>(codec));
  w.U32Le(0);
  w.U64Le(set.ranges().size());
  w.U64Le(raw.size());
  w.U64Le(stored.size());
  return SealFile(header, stored);
}

Result<IpSet> ParseIpSet(std::string_view data, const std::string& name) {
  auto bad = [&](const std::string& why) { return Status::Corruption(name + ": " + why); };
  if (!IsIpSetFile(data)) return bad("not a weir IP set file (bad magic)");
  if (data.size() < kSetHeaderSize) return bad("truncated set header");
  ByteReader r(data.data(), data.size());
  r.Skip(8);
  uint16_t version = r.U16Le();
  uint8_t family = r.U8();
  uint8_t codec = r.U8();
  r.Skip(4);
  uint64_t count = r.U64Le(), raw_size = r.U64Le(), stored_size = r.U64Le();
  if (version > kSetVersion)
    return Status::Unsupported(name + ": IP set format version " + std::to_string(version) +
                               " is newer than this weir reads (1)");
  if (family != 4 && family != 6) return bad("bad address family " + std::to_string(family));
  size_t width = family == 4 ? 8 : 32;
  if (count > kMaxRanges || raw_size != count * width) return bad("bad range count");
  if (stored_size != data.size() - kSetHeaderSize) return bad("truncated or oversized body");
  auto raw = OpenSealedBody(data, kSetHeaderSize, codec, raw_size, name);
  if (!raw.ok()) return raw.status();
  IpSet set;
  ByteReader body(*raw);
  for (uint64_t i = 0; i < count; ++i) {
    IpAddress lo, hi;
    if (family == 4) {
      lo = IpAddress::V4(body.U32Le());
      hi = IpAddress::V4(body.U32Le());
    } else {
      std::array<uint8_t, 16> a, b;
      std::memcpy(a.data(), body.Bytes(16).data(), 16);
      std::memcpy(b.data(), body.Bytes(16).data(), 16);
      lo = IpAddress::V6(a);
      hi = IpAddress::V6(b);
    }
    set.AddRange(lo, hi);
  }
  set.Finish();
  return set;
}

Result<IpSet> LoadIpSetFile(const std::string& path) {
  auto data = ReadFileOrStdin(path);
  if (!data.ok()) return data.status();
  if (IsIpSetFile(*data)) return ParseIpSet(*data, path);
  IpSet set;
  // Text: one item per line; a '#' starts a comment.
  size_t line_number = 0;
  for (auto line : Split(*data, '\n')) {
    ++line_number;
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    Status s = AddIpText(line, set);
    if (!s.ok())
      return Status::Invalid(path + ":" + std::to_string(line_number) + ": " + s.message());
  }
  set.Finish();
  return set;
}

Status SaveIpSetFile(const IpSet& set, const std::string& path) {
  return WriteFileAtomically(path, SerializeIpSet(set));
}

}  // namespace weir
