// FlowEncoder: NetFlow v5 (RFC-less, Cisco's layout), NetFlow v9 (RFC 3954) and
// IPFIX (RFC 7011) export messages.
#include "wire/encoder.h"

#include <algorithm>

#include "base/bytes.h"

namespace weir {

namespace {

constexpr uint16_t kTemplateV4 = 256;
constexpr uint16_t kTemplateV6 = 257;
constexpr uint16_t kTemplateSampling = 258;
constexpr uint32_t kPenCert = 6871;

// What a template field carries; one list of fields per (version, family).
enum class Value : uint8_t {
  kSip,
  kDip,
  kNextHop,
  kSport,
  kDport,
  kProtocol,
  kFlags,
  kTos,
  kPackets,
  kBytes,
  kStartUptime,
  kEndUptime,
  kStartMillis,
  kEndMillis,
  kInput,
  kOutput,
  kVlan,
  kEndReason,
  kInitialFlags,
  kSessionFlags,
};

struct Field {
  uint16_t id;
  uint16_t length;  // 0: the address length of the family
  uint32_t enterprise;
  Value value;
};

constexpr Field kV9Fields[] = {
    {8, 0, 0, Value::kSip},    {12, 0, 0, Value::kDip},         {15, 0, 0, Value::kNextHop},
    {7, 2, 0, Value::kSport},  {11, 2, 0, Value::kDport},       {4, 1, 0, Value::kProtocol},
    {6, 1, 0, Value::kFlags},  {5, 1, 0, Value::kTos},          {2, 8, 0, Value::kPackets},
    {1, 8, 0, Value::kBytes},  {22, 4, 0, Value::kStartUptime}, {21, 4, 0, Value::kEndUptime},
    {10, 4, 0, Value::kInput}, {14, 4, 0, Value::kOutput},      {58, 2, 0, Value::kVlan},
};

constexpr Field kIpfixFields[] = {
    {8, 0, 0, Value::kSip},
    {12, 0, 0, Value::kDip},
    {15, 0, 0, Value::kNextHop},
    {7, 2, 0, Value::kSport},
    {11, 2, 0, Value::kDport},
    {4, 1, 0, Value::kProtocol},
    {6, 1, 0, Value::kFlags},
    {5, 1, 0, Value::kTos},
    {2, 8, 0, Value::kPackets},
    {1, 8, 0, Value::kBytes},
    {152, 8, 0, Value::kStartMillis},
    {153, 8, 0, Value::kEndMillis},
    {10, 4, 0, Value::kInput},
    {14, 4, 0, Value::kOutput},
    {58, 2, 0, Value::kVlan},
    {136, 1, 0, Value::kEndReason},
    {14, 1, kPenCert, Value::kInitialFlags},  // initialTCPFlags
    {15, 1, kPenCert, Value::kSessionFlags},  // unionTCPFlags: all packets but the first
};

// The IPv4 and IPv6 templates differ in their address elements only.
uint16_t AddressId(uint16_t v4_id, bool v6) {
  if (!v6) return v4_id;
  switch (v4_id) {
    case 8:
      return 27;
    case 12:
      return 28;
    default:
      return 62;  // next hop
  }
}

std::span<const Field> Fields(int version) {
  if (version == 9) return kV9Fields;
  return kIpfixFields;
}

size_t RecordLength(int version, bool v6) {
  size_t n = 0;
  for (const Field& f : Fields(version)) n += f.length ? f.length : (v6 ? 16 : 4);
  return n;
}

void PutAddress(ByteWriter& w, const IpAddress& a, bool v6) {
  if (v6) {
    w.Bytes(std::as_bytes(std::span(a.bytes())));
  } else {
    w.U32Be(a.v4());
  }
}

void PatchU16(std::vector<std::byte>& m, size_t at, uint16_t v) {
  m[at] = std::byte(v >> 8);
  m[at + 1] = std::byte(v);
}

}  // namespace

FlowEncoder::FlowEncoder(EncoderOptions options) : options_(options) {
  if (options_.version != 5 && options_.version != 9) options_.version = 10;
  options_.max_message = std::clamp<size_t>(options_.max_message, 256, 65535);
}

uint32_t FlowEncoder::Uptime(int64_t ms) const {
  return static_cast<uint32_t>(static_cast<uint64_t>(ms - options_.boot_ms));
}

void FlowEncoder::Encode(std::span<const FlowRecord> records, std::span<const uint8_t> end_reasons,
                         int64_t now_ms, std::vector<std::vector<std::byte>>& out) {
  if (records.empty()) return;
  if (options_.boot_ms < 0) {
    int64_t earliest = now_ms;
    for (const FlowRecord& r : records) earliest = std::min(earliest, r.stime_ms);
    options_.boot_ms = earliest;
  }
  if (options_.version == 10) return EncodeTemplated(records, end_reasons, now_ms, out);
  // v5 and v9 give flow times as sysUpTime, which a collector reads modulo 2^32 ms
  // (49.7 days) back from the header's. A flow that ended longer ago than that (a
  // capture whose clock jumps by years, a replay of merged captures) goes in a
  // message of its own past: its header time is the flow's end, and the records
  // after it that fit that header join it.
  constexpr int64_t kMaxAgeMs = int64_t{1} << 31;
  auto header_for = [&](const FlowRecord& r) {
    return now_ms - r.stime_ms > kMaxAgeMs ? r.etime_ms() : now_ms;
  };
  auto fits = [&](const FlowRecord& r, int64_t header_ms) {
    return header_ms - r.stime_ms <= kMaxAgeMs &&
           (header_ms == now_ms || r.etime_ms() <= header_ms);
  };
  const bool reasons = end_reasons.size() == records.size();
  size_t at = 0;
  while (at < records.size()) {
    const int64_t header_ms = header_for(records[at]);
    size_t end = at + 1;
    while (end < records.size() && fits(records[end], header_ms)) ++end;
    auto run = records.subspan(at, end - at);
    if (options_.version == 5)
      EncodeV5(run, header_ms, out);
    else
      EncodeTemplated(run, reasons ? end_reasons.subspan(at, end - at) : end_reasons, header_ms,
                      out);
    at = end;
  }
}

void FlowEncoder::EncodeV5(std::span<const FlowRecord> records, int64_t now_ms,
                           std::vector<std::vector<std::byte>>& out) {
  constexpr size_t kMaxRecords = 30;
  size_t at = 0;
  while (at < records.size()) {
    std::vector<std::byte> m;
    m.reserve(24 + 48 * kMaxRecords);
    ByteWriter w(&m);
    w.U16Be(5);
    w.U16Be(0);  // count, patched
    w.U32Be(Uptime(now_ms));
    w.U32Be(static_cast<uint32_t>(now_ms / 1000));
    w.U32Be(static_cast<uint32_t>(now_ms % 1000) * 1'000'000);
    w.U32Be(sequence_);
    w.U8(0);  // engine type
    w.U8(static_cast<uint8_t>(options_.domain));
    const uint32_t sampling = options_.sampling > 1 ? std::min(options_.sampling, 0x3fffu) : 0;
    w.U16Be(static_cast<uint16_t>(sampling ? 0x4000 | sampling : 0));  // mode 1: 1-in-N
    uint16_t count = 0;
    for (; at < records.size() && count < kMaxRecords; ++at) {
      const FlowRecord& r = records[at];
      if (!r.sip.is_v4() || !r.dip.is_v4()) {
        ++skipped_;
        continue;
      }
      w.U32Be(r.sip.v4());
      w.U32Be(r.dip.v4());
      w.U32Be(r.nhip.is_v4() ? r.nhip.v4() : 0);
      w.U16Be(static_cast<uint16_t>(std::min<uint32_t>(r.input, 0xffff)));
      w.U16Be(static_cast<uint16_t>(std::min<uint32_t>(r.output, 0xffff)));
      w.U32Be(static_cast<uint32_t>(std::min<uint64_t>(r.packets, UINT32_MAX)));
      w.U32Be(static_cast<uint32_t>(std::min<uint64_t>(r.bytes, UINT32_MAX)));
      w.U32Be(Uptime(r.stime_ms));
      w.U32Be(Uptime(r.etime_ms()));
      w.U16Be(r.is_icmp() ? 0 : r.sport);
      w.U16Be(r.dport);
      w.U8(0);
      w.U8(r.flags);
      w.U8(r.protocol);
      w.U8(r.tos);
      w.U16Be(static_cast<uint16_t>(std::min<uint32_t>(r.src_as, 0xffff)));
      w.U16Be(static_cast<uint16_t>(std::min<uint32_t>(r.dst_as, 0xffff)));
      w.U8(r.src_mask);
      w.U8(r.dst_mask);
      w.U16Be(0);
      ++count;
    }
    if (count == 0) continue;
    PatchU16(m, 2, count);
    sequence_ += count;
    records_ += count;
    ++messages_;
    out.push_back(std::move(m));
  }
}

void FlowEncoder::StartMessage(std::vector<std::byte>& m, int64_t now_ms) {
  m.clear();
  m.reserve(options_.max_message);
  ByteWriter w(&m);
  w.U16Be(static_cast<uint16_t>(options_.version));
  w.U16Be(0);  // v9: record count; IPFIX: length; patched
  if (options_.version == 9) {
    // The header has whole seconds only: the uptime is taken at that second, so
    // flow times relative to it come out to the millisecond.
    w.U32Be(Uptime(now_ms - now_ms % 1000));
    w.U32Be(static_cast<uint32_t>(now_ms / 1000));
    w.U32Be(sequence_);
  } else {
    w.U32Be(static_cast<uint32_t>(now_ms / 1000));
    w.U32Be(sequence_);
  }
  w.U32Be(options_.domain);
  set_start_ = 0;
  const bool due =
      templates_due_ ||
      (!options_.stream && (messages_since_templates_ >= options_.template_refresh_messages ||
                            now_ms - templates_sent_ms_ >= options_.template_refresh_ms));
  if (due) {
    uint32_t count = 0;
    WriteTemplates(m, count);
    if (options_.sampling > 1) WriteSamplingOptions(m, count);
    templates_due_ = false;
    templates_sent_ms_ = now_ms;
    messages_since_templates_ = 0;
    template_records_ = count;
  } else {
    template_records_ = 0;
  }
}

void FlowEncoder::OpenSet(std::vector<std::byte>& m, uint16_t id) {
  set_start_ = m.size();
  ByteWriter w(&m);
  w.U16Be(id);
  w.U16Be(0);  // length, patched by CloseSet
}

void FlowEncoder::CloseSet(std::vector<std::byte>& m) {
  if (set_start_ == 0) return;
  if (options_.version == 9)
    while ((m.size() - set_start_) % 4) m.push_back(std::byte{0});  // RFC 3954: 32-bit aligned
  PatchU16(m, set_start_ + 2, static_cast<uint16_t>(m.size() - set_start_));
  set_start_ = 0;
}

void FlowEncoder::WriteTemplates(std::vector<std::byte>& m, uint32_t& record_count) {
  OpenSet(m, options_.version == 9 ? 0 : 2);
  ByteWriter w(&m);
  for (bool v6 : {false, true}) {
    auto fields = Fields(options_.version);
    w.U16Be(v6 ? kTemplateV6 : kTemplateV4);
    w.U16Be(static_cast<uint16_t>(fields.size()));
    for (const Field& f : fields) {
      uint16_t id = f.length ? f.id : AddressId(f.id, v6);
      uint16_t length = f.length ? f.length : (v6 ? 16 : 4);
      w.U16Be(f.enterprise ? static_cast<uint16_t>(id | 0x8000) : id);
      w.U16Be(length);
      if (f.enterprise) w.U32Be(f.enterprise);
    }
    ++record_count;
  }
  CloseSet(m);
}

void FlowEncoder::WriteSamplingOptions(std::vector<std::byte>& m, uint32_t& record_count) {
  ByteWriter w(&m);
  if (options_.version == 9) {
    // Scope: the system; options: SAMPLING_INTERVAL and SAMPLING_ALGORITHM (1:
    // deterministic), as routers state sampled NetFlow.
    OpenSet(m, 1);
    w.U16Be(kTemplateSampling);
    w.U16Be(4);  // scope bytes
    w.U16Be(8);  // option bytes
    w.U16Be(1), w.U16Be(4);
    w.U16Be(34), w.U16Be(4);
    w.U16Be(35), w.U16Be(1);
    CloseSet(m);
    OpenSet(m, kTemplateSampling);
    w.U32Be(0);
    w.U32Be(options_.sampling);
    w.U8(1);
    CloseSet(m);
  } else {
    // RFC 5477 systematic count-based sampling: 1 packet selected, N-1 skipped.
    OpenSet(m, 3);
    w.U16Be(kTemplateSampling);
    w.U16Be(3);                // fields
    w.U16Be(1);                // of which scope
    w.U16Be(149), w.U16Be(4);  // observationDomainId
    w.U16Be(305), w.U16Be(4);  // samplingPacketInterval
    w.U16Be(306), w.U16Be(4);  // samplingPacketSpace
    CloseSet(m);
    OpenSet(m, kTemplateSampling);
    w.U32Be(options_.domain);
    w.U32Be(1);
    w.U32Be(options_.sampling - 1);
    CloseSet(m);
  }
  record_count += 2;
}

void FlowEncoder::FinishMessage(std::vector<std::byte>& m, uint32_t record_count,
                                uint32_t data_records) {
  CloseSet(m);
  if (options_.version == 9) {
    PatchU16(m, 2, static_cast<uint16_t>(record_count));
    ++sequence_;  // v9 counts export packets
  } else {
    PatchU16(m, 2, static_cast<uint16_t>(m.size()));
    sequence_ += data_records;  // IPFIX counts data records
  }
  records_ += data_records;
  ++messages_;
  ++messages_since_templates_;
}

void FlowEncoder::EncodeTemplated(std::span<const FlowRecord> records,
                                  std::span<const uint8_t> end_reasons, int64_t now_ms,
                                  std::vector<std::vector<std::byte>>& out) {
  const int version = options_.version;
  const size_t v4_length = RecordLength(version, false);
  const size_t v6_length = RecordLength(version, true);
  std::vector<std::byte> m;
  uint32_t data_records = 0;
  uint16_t open_template = 0;
  bool started = false;
  auto finish = [&] {
    if (!started) return;
    FinishMessage(m, template_records_ + data_records, data_records);
    out.push_back(std::move(m));
    m = {};
    started = false;
  };
  for (size_t i = 0; i < records.size(); ++i) {
    const FlowRecord& r = records[i];
    const bool v6 = !r.sip.is_v4() || !r.dip.is_v4();
    const uint16_t id = v6 ? kTemplateV6 : kTemplateV4;
    const size_t length = v6 ? v6_length : v4_length;
    // Room for the record, a new set header and v9's padding of the last set.
    size_t need = length + (open_template == id ? 0 : 4) + 3;
    if (started && m.size() + need > options_.max_message) finish();
    if (!started) {
      StartMessage(m, now_ms);
      data_records = 0;
      open_template = 0;
      started = true;
    }
    if (open_template != id) {
      CloseSet(m);
      OpenSet(m, id);
      open_template = id;
    }
    ByteWriter w(&m);
    for (const Field& f : Fields(version)) {
      switch (f.value) {
        case Value::kSip:
          PutAddress(w, r.sip, v6);
          break;
        case Value::kDip:
          PutAddress(w, r.dip, v6);
          break;
        case Value::kNextHop:
          PutAddress(w, r.nhip.is_v4() == !v6 ? r.nhip : IpAddress(), v6);
          break;
        case Value::kSport:
          w.U16Be(r.is_icmp() ? 0 : r.sport);
          break;
        case Value::kDport:
          w.U16Be(r.dport);
          break;
        case Value::kProtocol:
          w.U8(r.protocol);
          break;
        case Value::kFlags:
          w.U8(r.flags);
          break;
        case Value::kTos:
          w.U8(r.tos);
          break;
        case Value::kPackets:
          w.U64Be(r.packets);
          break;
        case Value::kBytes:
          w.U64Be(r.bytes);
          break;
        case Value::kStartUptime:
          w.U32Be(Uptime(r.stime_ms));
          break;
        case Value::kEndUptime:
          w.U32Be(Uptime(r.etime_ms()));
          break;
        case Value::kStartMillis:
          w.U64Be(static_cast<uint64_t>(r.stime_ms));
          break;
        case Value::kEndMillis:
          w.U64Be(static_cast<uint64_t>(r.etime_ms()));
          break;
        case Value::kInput:
          w.U32Be(r.input);
          break;
        case Value::kOutput:
          w.U32Be(r.output);
          break;
        case Value::kVlan:
          w.U16Be(r.vlan);
          break;
        case Value::kEndReason:
          w.U8(i < end_reasons.size()                ? end_reasons[i]
               : (r.attributes & kAttrActiveTimeout) ? kEndActive
                                                     : kEndIdle);
          break;
        case Value::kInitialFlags:
          w.U8(r.initial_flags);
          break;
        case Value::kSessionFlags:
          w.U8(r.session_flags);
          break;
      }
    }
    ++data_records;
  }
  finish();
}

}  // namespace weir
