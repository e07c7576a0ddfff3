// sFlow version 5 (sflow.org/sflow_version_5.txt): a datagram of flow and counter
// samples from one agent. A flow sample describes one sampled packet, here turned
// into a flow record of `sampling rate` packets; counter samples update the
// exporter's interface counters. sFlow carries no absolute time: records are
// stamped with the receive time.
#include <array>

#include "base/bytes.h"
#include "wire/exporter.h"
#include "wire/packet/packet.h"

namespace weir {

namespace {

constexpr uint32_t kFlowSample = 1;
constexpr uint32_t kCounterSample = 2;
constexpr uint32_t kExpandedFlowSample = 3;
constexpr uint32_t kExpandedCounterSample = 4;
constexpr uint32_t kRawPacketHeader = 1;
constexpr uint32_t kSampledIpv4 = 3;
constexpr uint32_t kSampledIpv6 = 4;
constexpr uint32_t kExtendedSwitch = 1001;
constexpr uint32_t kExtendedRouter = 1002;
constexpr uint32_t kExtendedGateway = 1003;
constexpr uint32_t kGenericInterfaceCounters = 1;
constexpr uint32_t kMaxSamples = 4096;

IpAddress ReadV6(ByteReader& r) {
  std::array<uint8_t, 16> a{};
  auto b = r.Bytes(16);
  for (size_t i = 0; i < b.size(); ++i) a[i] = static_cast<uint8_t>(b[i]);
  return IpAddress::V6(a);
}

// An sFlow address: a type (1 IPv4, 2 IPv6) and the address.
bool ReadAddress(ByteReader& r, IpAddress& out) {
  uint32_t type = r.U32Be();
  if (type == 1)
    out = IpAddress::V4(r.U32Be());
  else if (type == 2)
    out = ReadV6(r);
  else
    return false;
  return r.ok();
}

// The flow records of one flow sample; returns false if malformed.
bool ReadFlowRecords(ByteReader& r, uint32_t count, FlowRecord& f, bool& have_packet) {
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t format = r.U32Be();
    uint32_t length = r.U32Be();
    auto body = r.Bytes(length);
    if (!r.ok()) return false;
    ByteReader b(body);
    if (format >> 12 != 0) continue;  // enterprise-specific record: skipped by length
    switch (format & 0xfff) {
      case kRawPacketHeader: {
        uint32_t header_protocol = b.U32Be();
        uint32_t frame_length = b.U32Be();
        uint32_t stripped = b.U32Be();
        uint32_t header_length = b.U32Be();
        auto header = b.Bytes(header_length);
        if (!b.ok()) return false;
        int link = header_protocol == 1    ? kLinkEthernet
                   : header_protocol == 11 ? kLinkIpv4
                   : header_protocol == 12 ? kLinkIpv6
                                           : -1;
        PacketInfo p;
        if (link < 0 || !DecodePacket(link, header, p)) break;
        ApplyPacketKey(p, f);
        // NetFlow counts IP bytes: prefer the IP header's length to the frame's.
        f.bytes =
            p.ip_length ? p.ip_length : (frame_length > stripped ? frame_length - stripped : 0);
        have_packet = true;
        break;
      }
      case kSampledIpv4:
      case kSampledIpv6: {
        if (have_packet) break;  // a raw header, when both are present, is the better source
        uint32_t ip_length = b.U32Be();
        f.protocol = static_cast<uint8_t>(b.U32Be());
        if ((format & 0xfff) == kSampledIpv4) {
          f.sip = IpAddress::V4(b.U32Be());
          f.dip = IpAddress::V4(b.U32Be());
        } else {
          f.sip = ReadV6(b);
          f.dip = ReadV6(b);
        }
        f.sport = static_cast<uint16_t>(b.U32Be());
        f.dport = static_cast<uint16_t>(b.U32Be());
        f.flags = static_cast<uint8_t>(b.U32Be());
        f.tos = static_cast<uint8_t>(b.U32Be());
        if (!b.ok()) return false;
        f.bytes = ip_length;
        have_packet = true;
        break;
      }
      case kExtendedSwitch: {
        uint32_t vlan = b.U32Be();
        if (b.ok() && vlan && !f.vlan) f.vlan = static_cast<uint16_t>(vlan & 0xfff);
        break;
      }
      case kExtendedRouter: {
        IpAddress next_hop;
        if (!ReadAddress(b, next_hop)) break;
        f.nhip = next_hop;
        f.src_mask = static_cast<uint8_t>(b.U32Be());
        f.dst_mask = static_cast<uint8_t>(b.U32Be());
        break;
      }
      case kExtendedGateway: {
        IpAddress next_hop;
        if (!ReadAddress(b, next_hop)) break;
        uint32_t router_as = b.U32Be();
        uint32_t src_as = b.U32Be();
        b.Skip(4);  // src_peer_as
        uint32_t segments = b.U32Be();
        uint32_t dst_as = router_as;
        for (uint32_t s = 0; s < segments && b.ok() && s < 64; ++s) {
          b.Skip(4);  // segment type
          uint32_t n = b.U32Be();
          if (n > b.remaining() / 4) break;
          for (uint32_t k = 0; k < n; ++k) dst_as = b.U32Be();  // last AS: the origin
        }
        if (b.ok()) {
          f.src_as = src_as;
          f.dst_as = dst_as;
        }
        break;
      }
      default:
        break;
    }
  }
  return true;
}

}  // namespace

void Exporter::DecodeSflow(std::span<const std::byte> data, int64_t now_ms,
                           std::vector<FlowRecord>& out) {
  ByteReader r(data);
  r.Skip(4);  // version 5
  IpAddress agent;
  if (!ReadAddress(r, agent)) {
    ++counters_.malformed;
    return;
  }
  uint32_t sub_agent = r.U32Be();
  uint32_t sequence = r.U32Be();
  r.Skip(4);  // agent uptime
  uint32_t samples = r.U32Be();
  if (!r.ok() || samples > kMaxSamples) {
    ++counters_.malformed;
    return;
  }
  counters_.lost_datagrams += SequenceGap(uint64_t{50} << 32 | sub_agent, sequence, 1);
  for (uint32_t i = 0; i < samples; ++i) {
    uint32_t format = r.U32Be();
    uint32_t length = r.U32Be();
    auto body = r.Bytes(length);
    if (!r.ok()) {
      ++counters_.malformed;
      return;
    }
    if (format >> 12 != 0) continue;
    ByteReader s(body);
    switch (format & 0xfff) {
      case kFlowSample:
      case kExpandedFlowSample: {
        bool expanded = (format & 0xfff) == kExpandedFlowSample;
        s.Skip(4);                 // sample sequence
        s.Skip(expanded ? 8 : 4);  // source id
        uint32_t rate = s.U32Be();
        s.Skip(4);  // sample pool
        s.Skip(4);  // drops: cumulative at the agent, not a loss on the way
        FlowRecord f;
        if (expanded) {
          s.Skip(4);
          f.input = s.U32Be();
          s.Skip(4);
          f.output = s.U32Be();
        } else {
          f.input = s.U32Be() & 0x3fffffff;
          f.output = s.U32Be() & 0x3fffffff;
        }
        uint32_t records = s.U32Be();
        if (!s.ok()) {
          ++counters_.malformed;
          continue;
        }
        bool have_packet = false;
        if (!ReadFlowRecords(s, records, f, have_packet)) {
          ++counters_.malformed;
          continue;
        }
        if (!have_packet) {
          ++counters_.empty_records;
          continue;
        }
        if (f.is_icmp()) f.sport = 0;
        f.exporter = address_;
        f.stime_ms = now_ms;
        f.packets = 1;
        if (rate > 1) {
          f.sampling = rate;
          f.packets = rate;
          f.bytes *= rate;
        }
        out.push_back(f);
        ++counters_.records;
        break;
      }
      case kCounterSample:
      case kExpandedCounterSample: {
        ++counters_.counter_samples;
        s.Skip(4);
        s.Skip((format & 0xfff) == kExpandedCounterSample ? 8 : 4);
        uint32_t records = s.U32Be();
        for (uint32_t k = 0; k < records && s.ok(); ++k) {
          uint32_t record_format = s.U32Be();
          uint32_t record_length = s.U32Be();
          auto rb = s.Bytes(record_length);
          if (!s.ok() || record_format != kGenericInterfaceCounters) continue;
          ByteReader c(rb);
          uint32_t if_index = c.U32Be();
          c.Skip(4);  // ifType
          InterfaceCounters ic;
          ic.time_ms = now_ms;
          ic.speed = c.U64Be();
          c.Skip(8);  // ifDirection, ifStatus
          ic.in_octets = c.U64Be();
          ic.in_packets = c.U32Be();
          ic.in_packets += c.U32Be();  // multicast
          ic.in_packets += c.U32Be();  // broadcast
          ic.in_discards = c.U32Be();
          ic.in_errors = c.U32Be();
          c.Skip(4);  // unknown protocols
          ic.out_octets = c.U64Be();
          ic.out_packets = c.U32Be();
          ic.out_packets += c.U32Be();
          ic.out_packets += c.U32Be();
          ic.out_discards = c.U32Be();
          ic.out_errors = c.U32Be();
          if (!c.ok()) continue;
          if (interface_counters_.size() < limits_.max_interfaces ||
              interface_counters_.count(if_index))
            interface_counters_[if_index] = ic;
        }
        if (!s.ok()) ++counters_.malformed;
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace weir
