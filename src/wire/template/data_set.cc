// Data records of NetFlow v9 and IPFIX sets: a template's fields read into flow
// records (times, sampling, biflows, options records). Templates: template.cc.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "wire/packet/packet.h"
#include "wire/template/template.h"
#include "wire/uptime.h"

namespace weir {

namespace {

uint64_t LoadBe(const std::byte* p, uint16_t length) {
  switch (length) {
    case 1:
      return static_cast<uint64_t>(p[0]);
    case 2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return __builtin_bswap16(v);
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return __builtin_bswap32(v);
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return __builtin_bswap64(v);
    }
    default: {
      uint64_t v = 0;  // reduced-size encoding (RFC 7011 section 6.2): 3, 5, 6, 7 bytes
      for (uint16_t i = 0; i < length && i < 8; ++i) v = v << 8 | static_cast<uint64_t>(p[i]);
      return v;
    }
  }
}

IpAddress ReadAddress(const std::byte* p, uint16_t length) {
  if (length == 4) return IpAddress::V4(static_cast<uint32_t>(LoadBe(p, 4)));
  std::array<uint8_t, 16> a;
  std::memcpy(a.data(), p, 16);
  return IpAddress::V6(a);
}

// NTP-format timestamp (RFC 7011 section 6.1.9) to Unix milliseconds.
int64_t NtpToMillis(uint64_t ntp, bool nanoseconds_precision) {
  constexpr int64_t kNtpToUnixSeconds = 2'208'988'800;
  int64_t seconds = static_cast<int64_t>(ntp >> 32) - kNtpToUnixSeconds;
  uint64_t fraction = ntp & 0xffffffffu;
  if (!nanoseconds_precision) fraction &= ~uint64_t{0x7ff};  // dateTimeMicroseconds: 11 bits unused
  return seconds * 1000 + static_cast<int64_t>((fraction * 1000) >> 32);
}

// The values of one data record, before they become one or two FlowRecords. Built
// once per data set and Reset() per record: only what is read without a presence
// flag is cleared (a full zeroing of this struct per record cost more than decoding).
struct RecordValues {
  FlowRecord* r = nullptr;  // the record being decoded, in place in the output
  // Initialised once (values behind a presence flag are not cleared per record).
  uint64_t octets = 0, packets = 0, octets_total = 0, packets_total = 0;
  uint64_t reverse_octets = 0, reverse_packets = 0;
  int64_t start_ms = 0, end_ms = 0, start_uptime = 0, end_uptime = 0, system_init_ms = 0;
  int64_t duration_ms = 0, reverse_delta_ms = 0, reverse_start_ms = 0, reverse_end_ms = 0;
  uint64_t sampling_interval = 0, sampler_id = 0, packet_interval = 0, packet_space = 0;
  IpAddress bgp_next_hop;
  std::string_view interface_name;
  std::span<const std::byte> packet_section;
  int packet_link;
  uint64_t frame_size;
  uint8_t icmp_type, icmp_code, reverse_flags, reverse_initial, reverse_union, union_flags;
  struct Has {
    bool octets, packets, start, end, start_uptime, end_uptime, init, duration, reverse, icmp,
        next_hop, bgp_next_hop, sampler_id, initial, union_flags, reverse_start, reverse_end, input,
        start_delta, end_delta;
  } has;

  // Starts a record in `record`, which must be blank (default-constructed).
  void Reset(FlowRecord* record) {
    r = record;
    has = {};
    octets_total = packets_total = reverse_octets = reverse_packets = 0;
    reverse_delta_ms = 0;
    sampling_interval = packet_interval = packet_space = 0;
    interface_name = {};
    packet_section = {};
    packet_link = -1;
    frame_size = 0;
    union_flags = reverse_flags = reverse_initial = reverse_union = 0;
  }
};

// Reads one field's value at p (length bytes, all present) into v.
[[gnu::always_inline]] inline void ReadField(FieldKind kind, const std::byte* p, uint16_t length,
                                             RecordValues& v) {
  auto uint = [&] { return LoadBe(p, length); };
  switch (kind) {
    case FieldKind::kSkip:
      break;
    case FieldKind::kOctets:
      v.octets = uint();
      v.has.octets = true;
      break;
    case FieldKind::kPackets:
      v.packets = uint();
      v.has.packets = true;
      break;
    case FieldKind::kOctetsTotal:
      v.octets_total = uint();
      break;
    case FieldKind::kPacketsTotal:
      v.packets_total = uint();
      break;
    case FieldKind::kProtocol:
      v.r->protocol = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kTos:
      v.r->tos = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kTcpFlags:
      v.r->flags = static_cast<uint8_t>(uint());
      break;  // low 8 of 16
    case FieldKind::kSport:
      v.r->sport = static_cast<uint16_t>(uint());
      break;
    case FieldKind::kDport:
      v.r->dport = static_cast<uint16_t>(uint());
      break;
    case FieldKind::kSip:
      v.r->sip = ReadAddress(p, length);
      break;
    case FieldKind::kDip:
      v.r->dip = ReadAddress(p, length);
      break;
    case FieldKind::kSrcMask:
      v.r->src_mask = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kDstMask:
      v.r->dst_mask = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kInput:
      v.r->input = static_cast<uint32_t>(uint());
      v.has.input = true;
      break;
    case FieldKind::kOutput:
      v.r->output = static_cast<uint32_t>(uint());
      break;
    case FieldKind::kNextHop:
      v.r->nhip = ReadAddress(p, length);
      v.has.next_hop = true;
      break;
    case FieldKind::kBgpNextHop:
      v.bgp_next_hop = ReadAddress(p, length);
      v.has.bgp_next_hop = true;
      break;
    case FieldKind::kSrcAs:
      v.r->src_as = static_cast<uint32_t>(uint());
      break;
    case FieldKind::kDstAs:
      v.r->dst_as = static_cast<uint32_t>(uint());
      break;
    case FieldKind::kStartUptime:
      v.start_uptime = static_cast<int64_t>(uint());
      v.has.start_uptime = true;
      break;
    case FieldKind::kEndUptime:
      v.end_uptime = static_cast<int64_t>(uint());
      v.has.end_uptime = true;
      break;
    case FieldKind::kIcmpTypeCode: {
      uint64_t tc = uint();
      v.icmp_type = static_cast<uint8_t>(tc >> 8);
      v.icmp_code = static_cast<uint8_t>(tc);
      v.has.icmp = true;
      break;
    }
    case FieldKind::kIcmpType:
      v.icmp_type = static_cast<uint8_t>(uint());
      v.has.icmp = true;
      break;
    case FieldKind::kIcmpCode:
      v.icmp_code = static_cast<uint8_t>(uint());
      v.has.icmp = true;
      break;
    case FieldKind::kVlan:
      v.r->vlan = static_cast<uint16_t>(uint() & 0x0fff);
      break;
    case FieldKind::kSamplingInterval:
      v.sampling_interval = uint();
      break;
    case FieldKind::kSamplerId:
      v.sampler_id = uint();
      v.has.sampler_id = true;
      break;
    case FieldKind::kSamplingPacketInterval:
      v.packet_interval = uint();
      break;
    case FieldKind::kSamplingPacketSpace:
      v.packet_space = uint();
      break;
    case FieldKind::kStartSeconds:
      v.start_ms = static_cast<int64_t>(uint()) * 1000;
      v.has.start = true;
      break;
    case FieldKind::kEndSeconds:
      v.end_ms = static_cast<int64_t>(uint()) * 1000;
      v.has.end = true;
      break;
    case FieldKind::kStartMillis:
      v.start_ms = static_cast<int64_t>(uint());
      v.has.start = true;
      break;
    case FieldKind::kEndMillis:
      v.end_ms = static_cast<int64_t>(uint());
      v.has.end = true;
      break;
    case FieldKind::kStartMicros:
    case FieldKind::kStartNanos:
      v.start_ms = NtpToMillis(uint(), kind == FieldKind::kStartNanos);
      v.has.start = true;
      break;
    case FieldKind::kEndMicros:
    case FieldKind::kEndNanos:
      v.end_ms = NtpToMillis(uint(), kind == FieldKind::kEndNanos);
      v.has.end = true;
      break;
    case FieldKind::kStartDeltaMicros:  // microseconds before the export time
      v.start_ms = -static_cast<int64_t>(uint() / 1000);
      v.has.start_delta = true;
      break;
    case FieldKind::kEndDeltaMicros:
      v.end_ms = -static_cast<int64_t>(uint() / 1000);
      v.has.end_delta = true;
      break;
    case FieldKind::kSystemInitMillis:
      v.system_init_ms = static_cast<int64_t>(uint());
      v.has.init = true;
      break;
    case FieldKind::kDurationMillis:
      v.duration_ms = static_cast<int64_t>(uint());
      v.has.duration = true;
      break;
    case FieldKind::kDurationMicros:
      v.duration_ms = static_cast<int64_t>(uint() / 1000);
      v.has.duration = true;
      break;
    case FieldKind::kFlowEndReason:
      if (uint() == 2) v.r->attributes |= kAttrActiveTimeout;  // activeTimeout (RFC 5102)
      break;
    case FieldKind::kInterfaceName:
      v.interface_name = std::string_view(reinterpret_cast<const char*>(p), length);
      break;
    case FieldKind::kFrameSection:
      v.packet_section = std::span<const std::byte>(p, length);
      v.packet_link = kLinkEthernet;
      break;
    case FieldKind::kIpHeaderSection:
      v.packet_section = std::span<const std::byte>(p, length);
      v.packet_link = kLinkRaw;
      break;
    case FieldKind::kFrameSize:
      v.frame_size = uint();
      break;
    case FieldKind::kInitialFlags:
      v.r->initial_flags = static_cast<uint8_t>(uint());
      v.has.initial = true;
      break;
    case FieldKind::kUnionFlags:
      v.union_flags = static_cast<uint8_t>(uint());
      v.has.union_flags = true;
      break;
    case FieldKind::kApplication:
      v.r->application = static_cast<uint16_t>(uint());
      break;
    case FieldKind::kReverseOctets:
    case FieldKind::kResponderOctets:
      v.reverse_octets = uint();
      v.has.reverse = true;
      break;
    case FieldKind::kReversePackets:
    case FieldKind::kResponderPackets:
      v.reverse_packets = uint();
      v.has.reverse = true;
      break;
    case FieldKind::kReverseTcpFlags:
      v.reverse_flags = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kReverseInitialFlags:
      v.reverse_initial = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kReverseUnionFlags:
      v.reverse_union = static_cast<uint8_t>(uint());
      break;
    case FieldKind::kReverseDeltaMillis:
      v.reverse_delta_ms = static_cast<int64_t>(uint());
      break;
    case FieldKind::kReverseStartMillis:
      v.reverse_start_ms = static_cast<int64_t>(uint());
      v.has.reverse_start = true;
      break;
    case FieldKind::kReverseEndMillis:
      v.reverse_end_ms = static_cast<int64_t>(uint());
      v.has.reverse_end = true;
      break;
    case FieldKind::kInitiatorOctets:
      if (!v.has.octets) v.octets = uint(), v.has.octets = true;
      break;
    case FieldKind::kInitiatorPackets:
      if (!v.has.packets) v.packets = uint(), v.has.packets = true;
      break;
  }
}

// Reads one field of n records, `stride` bytes apart, into values[0..n): the field's
// kind is fixed per instance, so the record loop carries no dispatch.
template <FieldKind kKind>
void ReadColumn(const std::byte* p, size_t stride, uint16_t length, RecordValues* values,
                size_t n) {
  for (size_t i = 0; i < n; ++i, p += stride) ReadField(kKind, p, length, values[i]);
}

template <size_t... kKinds>
constexpr auto MakeColumnReaders(std::index_sequence<kKinds...>) {
  return std::array{&ReadColumn<static_cast<FieldKind>(kKinds)>...};
}
constexpr auto kColumnReaders = MakeColumnReaders(std::make_index_sequence<kFieldKindCount>());

// Completes a data record's flow (*v.r) from its values: exporter, times, ICMP type
// and code, flags, sampling, counters. Returns the number of flows it makes: 0 (no
// traffic either way: drop it), 1 (*v.r; when only an RFC 5103 biflow's reverse
// direction carried traffic, *v.r is that direction), or 2 (*v.r and `reverse`).
int FinishRecord(const RecordValues& v, const Exporter::TemplateState& state,
                 ExporterCounters& counters, const IpAddress& exporter,
                 const MessageContext& context, uint64_t scope, uint32_t scope_rate,
                 FlowRecord& reverse) {
  FlowRecord& f = *v.r;
  f.exporter = exporter;
  uint64_t packets = v.has.packets ? v.packets : v.packets_total;
  uint64_t bytes = v.has.octets ? v.octets : v.octets_total;
  if (packets == 0 && bytes == 0 && v.packet_link >= 0) {
    // Packet sampling export (RFC 5476 style, Juniper): one sampled packet whose
    // headers give the flow key, as an sFlow raw header does.
    PacketInfo p;
    if (DecodePacket(v.packet_link, v.packet_section, p)) {
      ApplyPacketKey(p, f);
      packets = 1;
      bytes = p.ip_length ? p.ip_length : v.frame_size;
    }
  }

  // Times (RFC 7011 section 6.1.7-10, RFC 3954 section 8): absolute elements win,
  // then sysUpTime-relative ones, then the export time.
  int64_t start = context.export_ms, end = context.export_ms;
  bool have_start = false, have_end = false;
  if (v.has.start) start = v.start_ms, have_start = true;
  if (v.has.end) end = v.end_ms, have_end = true;
  if (v.has.start_delta) start = context.export_ms + v.start_ms, have_start = true;
  if (v.has.end_delta) end = context.export_ms + v.end_ms, have_end = true;
  if (!have_start || !have_end) {
    int64_t base = -1;  // the exporter's boot time in Unix ms
    if (context.uptime_ms >= 0) {
      base = context.export_ms - context.uptime_ms;
    } else if (v.has.init) {
      base = v.system_init_ms;
    } else if (auto it = state.system_init_ms.find(scope); it != state.system_init_ms.end()) {
      base = it->second;
    }
    if (base >= 0) {
      // Uptime counters wrap at 2^32 ms (49.7 days); keep them near the export uptime.
      auto near_export = [&](int64_t t) {
        if (context.uptime_ms < 0) return base + t;
        return context.export_ms -
               UptimeAge(static_cast<uint32_t>(context.uptime_ms), static_cast<uint32_t>(t));
      };
      if (!have_start && v.has.start_uptime) start = near_export(v.start_uptime), have_start = true;
      if (!have_end && v.has.end_uptime) end = near_export(v.end_uptime), have_end = true;
    }
  }
  if (v.has.duration) {
    if (have_start && !have_end)
      end = start + v.duration_ms, have_end = true;
    else if (!have_start && have_end)
      start = end - v.duration_ms, have_start = true;
  }
  if (!have_start && have_end) start = end;
  if (!have_end) end = start;
  if (end < start) end = start;
  f.stime_ms = start;
  f.duration_ms = static_cast<uint32_t>(std::min<int64_t>(end - start, UINT32_MAX));

  if (v.has.next_hop == false && v.has.bgp_next_hop) f.nhip = v.bgp_next_hop;
  if (f.is_icmp()) {
    if (v.has.icmp) f.dport = static_cast<uint16_t>(v.icmp_type << 8 | v.icmp_code);
    f.sport = 0;
  }
  if (v.has.initial || v.has.union_flags) {
    f.session_flags = v.union_flags;
    f.flags = f.initial_flags | v.union_flags;
  }

  // Sampling: the record's own interval, else its sampler's, else the scope's.
  uint64_t rate = v.sampling_interval;
  if (rate == 0 && v.packet_interval > 0)
    rate = (v.packet_interval + v.packet_space) / v.packet_interval;
  if (rate == 0 && v.has.sampler_id) {
    auto it = state.sampler_rates.find(scope << 16 ^ v.sampler_id);
    if (it != state.sampler_rates.end()) rate = it->second;
  }
  if (rate == 0) rate = scope_rate;
  if (rate > 1) {
    f.sampling = static_cast<uint32_t>(std::min<uint64_t>(rate, UINT32_MAX));
    packets *= rate;
    bytes *= rate;
  }

  uint64_t reverse_packets = v.reverse_packets, reverse_bytes = v.reverse_octets;
  if (rate > 1) reverse_packets *= rate, reverse_bytes *= rate;
  const bool forward = packets != 0 || bytes != 0;
  if (forward) {
    f.packets = packets;
    f.bytes = bytes;
    ++counters.records;
  } else if (!v.has.reverse || (reverse_packets == 0 && reverse_bytes == 0)) {
    ++counters.empty_records;
    return 0;  // not a flow
  }
  if (v.has.reverse && (reverse_packets != 0 || reverse_bytes != 0)) {
    // RFC 5103 biflow (or NSEL responder side): the reverse direction as its own
    // flow, in `reverse`, or in place when only it carried traffic.
    FlowRecord& b = forward ? (reverse = f) : f;
    std::swap(b.sip, b.dip);
    std::swap(b.input, b.output);
    std::swap(b.src_as, b.dst_as);
    std::swap(b.src_mask, b.dst_mask);
    if (!b.is_icmp()) std::swap(b.sport, b.dport);
    b.packets = reverse_packets;
    b.bytes = reverse_bytes;
    b.flags = v.reverse_flags;
    b.initial_flags = v.reverse_initial;
    b.session_flags = v.reverse_union;
    if (v.reverse_initial || v.reverse_union) b.flags = v.reverse_initial | v.reverse_union;
    int64_t rstart = v.has.reverse_start ? v.reverse_start_ms : start + v.reverse_delta_ms;
    int64_t rend = v.has.reverse_end ? v.reverse_end_ms : end;
    if (rend < rstart) rend = rstart;
    b.stime_ms = rstart;
    b.duration_ms = static_cast<uint32_t>(std::min<int64_t>(rend - rstart, UINT32_MAX));
    ++counters.records;
    return forward ? 2 : 1;
  }
  return 1;
}

}  // namespace

bool DecodeDataSet(Exporter::TemplateState& state, ExporterCounters& counters,
                   std::map<uint32_t, std::string>& interface_names, const WireLimits& limits,
                   const IpAddress& exporter, const MessageContext& context, const Template& tmpl,
                   std::span<const std::byte> set, std::vector<FlowRecord>& out,
                   size_t& data_records) {
  const uint64_t scope = Exporter::TemplateState::Scope(context);
  const std::byte* base = set.data();
  const size_t size = set.size();
  size_t at = 0;
  // The whole source's sampling rate, looked up once per set (options records,
  // which change it, come in sets of their own).
  uint32_t scope_rate = 0;
  if (auto it = state.scope_rates.find(scope); it != state.scope_rates.end())
    scope_rate = it->second;
  static const FlowRecord kBlank;
  constexpr size_t kWriteAhead = 8;  // records
  // The output is written record after record; its memory is often cold (the writer
  // thread had it last): ask for it a few records ahead. Each record is decoded in
  // place at the end of `out` (a copy of it afterwards cost more than decoding it: a
  // record written field by field and read back whole waits on the CPU's store
  // forwarding), and dropped again when it is not kept.
  auto start_record = [&](RecordValues& v) {
    if (out.capacity() - out.size() > kWriteAhead)
      PrefetchForWrite(out.data() + out.size() + kWriteAhead, sizeof(FlowRecord));
    v.Reset(&out.emplace_back(kBlank));  // a copy: fixed moves, where value-init stores a loop
  };
  FlowRecord reverse;

  if (tmpl.columnar) {
    // Chunks of records read a field at a time: one dispatch per field and chunk.
    // A switch per field and record cost a quarter of the decoder's time in
    // mispredicted jumps.
    constexpr size_t kChunk = 32;
    thread_local std::array<RecordValues, kChunk> chunk;
    const size_t stride = tmpl.min_length;
    for (size_t count = (size - at) / stride; count > 0;) {
      const size_t n = std::min(count, kChunk);
      const size_t first = out.size();
      if (out.capacity() < first + n) out.reserve(std::max(first + n, 2 * out.capacity()));
      for (size_t i = 0; i < n; ++i) start_record(chunk[i]);
      for (const PlannedField& f : tmpl.plan)
        kColumnReaders[static_cast<size_t>(f.kind)](base + at + f.offset, stride, f.length,
                                                    chunk.data(), n);
      at += n * stride;
      count -= n;
      data_records += n;
      size_t keep = first;
      for (size_t i = 0; i < n; ++i) {
        // No reverse fields in a columnar template: never two flows.
        if (FinishRecord(chunk[i], state, counters, exporter, context, scope, scope_rate,
                         reverse) == 0)
          continue;
        if (keep != first + i) out[keep] = out[first + i];
        ++keep;
      }
      out.resize(keep);
    }
    return true;
  }

  RecordValues v;
  auto malformed = [&] {
    out.pop_back();
    return false;
  };
  while (size - at >= tmpl.min_length) {
    start_record(v);
    if (!tmpl.variable) {
      // Fixed layout: only the fields weir keeps, at offsets known in advance.
      const std::byte* record = base + at;
      for (const PlannedField& f : tmpl.plan) ReadField(f.kind, record + f.offset, f.length, v);
      at += tmpl.min_length;
    } else {
      for (const TemplateField& f : tmpl.fields) {
        uint16_t length = f.length;
        if (length == kVariableLength) {  // RFC 7011 section 7: 1 byte, or 255 and 2 bytes
          if (at >= size) return malformed();
          length = static_cast<uint16_t>(base[at++]);
          if (length == 255) {
            if (size - at < 2) return malformed();
            length = static_cast<uint16_t>(static_cast<uint16_t>(base[at]) << 8 |
                                           static_cast<uint16_t>(base[at + 1]));
            at += 2;
          }
        }
        if (size - at < length) return malformed();
        if (f.kind != FieldKind::kSkip) ReadField(f.kind, base + at, length, v);
        at += length;
      }
    }
    ++data_records;

    if (tmpl.options) {
      ++counters.options_records;
      uint64_t rate = v.sampling_interval;
      if (rate == 0 && v.packet_interval > 0)
        rate = (v.packet_interval + v.packet_space) / v.packet_interval;
      if (rate > 0) {
        uint32_t rate32 = static_cast<uint32_t>(std::min<uint64_t>(rate, UINT32_MAX));
        if (v.has.sampler_id)
          state.sampler_rates[scope << 16 ^ v.sampler_id] = rate32;
        else
          state.scope_rates[scope] = rate32;
      }
      if (v.has.init) state.system_init_ms[scope] = v.system_init_ms;
      if (!v.interface_name.empty() && v.has.input &&
          (interface_names.size() < limits.max_interfaces || interface_names.count(v.r->input))) {
        std::string name(v.interface_name);
        name.erase(std::find(name.begin(), name.end(), '\0'), name.end());
        interface_names[v.r->input] = std::move(name);
      }
      out.pop_back();  // not a flow
      continue;
    }

    switch (FinishRecord(v, state, counters, exporter, context, scope, scope_rate, reverse)) {
      case 0:
        out.pop_back();
        break;
      case 2:
        out.push_back(reverse);
        break;
    }
  }
  return true;
}

}  // namespace weir
