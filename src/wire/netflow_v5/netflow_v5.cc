// NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records. Times are
// sysUpTime-relative; the header's sampling field holds the mode (2 bits) and the
// interval (14 bits), applied to packets and bytes.
#include "base/bytes.h"
#include "wire/exporter.h"
#include "wire/uptime.h"

namespace weir {

namespace {
constexpr size_t kHeaderBytes = 24;
constexpr size_t kRecordBytes = 48;
constexpr uint16_t kMaxRecords = 30;
}  // namespace

void Exporter::DecodeNetflowV5(std::span<const std::byte> data, int64_t /*now_ms*/,
                               std::vector<FlowRecord>& out) {
  ByteReader r(data);
  r.Skip(2);
  uint16_t count = r.U16Be();
  uint32_t uptime = r.U32Be();
  uint32_t unix_seconds = r.U32Be();
  uint32_t unix_nanoseconds = r.U32Be();
  uint32_t sequence = r.U32Be();
  uint8_t engine_type = r.U8();
  uint8_t engine_id = r.U8();
  uint16_t sampling = r.U16Be();
  if (!r.ok() || count == 0 || count > kMaxRecords ||
      data.size() < kHeaderBytes + kRecordBytes * count) {
    ++counters_.malformed;
    return;
  }
  const int64_t export_ms = int64_t{unix_seconds} * 1000 + unix_nanoseconds / 1'000'000;
  // The flow sequence counts flows (records) per engine.
  counters_.lost_records +=
      SequenceGap(uint64_t{5} << 32 | engine_type << 8 | engine_id, sequence, count);
  const uint32_t interval = sampling & 0x3fff;
  auto to_unix = [&](uint32_t t) { return export_ms - UptimeAge(uptime, t); };
  for (uint16_t i = 0; i < count; ++i) {
    FlowRecord f;
    f.exporter = address_;
    f.sip = IpAddress::V4(r.U32Be());
    f.dip = IpAddress::V4(r.U32Be());
    f.nhip = IpAddress::V4(r.U32Be());
    f.input = r.U16Be();
    f.output = r.U16Be();
    f.packets = r.U32Be();
    f.bytes = r.U32Be();
    uint32_t first = r.U32Be();
    uint32_t last = r.U32Be();
    f.sport = r.U16Be();
    f.dport = r.U16Be();
    r.Skip(1);
    f.flags = r.U8();
    f.protocol = r.U8();
    f.tos = r.U8();
    f.src_as = r.U16Be();
    f.dst_as = r.U16Be();
    f.src_mask = r.U8();
    f.dst_mask = r.U8();
    r.Skip(2);
    if (f.packets == 0 && f.bytes == 0) {
      ++counters_.empty_records;
      continue;
    }
    f.stime_ms = to_unix(first);
    int64_t end = to_unix(last);
    f.duration_ms = end > f.stime_ms ? static_cast<uint32_t>(end - f.stime_ms) : 0;
    if (f.is_icmp()) f.sport = 0;
    if (interval > 1) {
      f.sampling = interval;
      f.packets *= interval;
      f.bytes *= interval;
    }
    out.push_back(f);
    ++counters_.records;
  }
}

}  // namespace weir
