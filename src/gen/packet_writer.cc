#include "gen/packet_writer.h"

#include <algorithm>
#include <cstring>

namespace weir {

namespace {

void Put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, v >> 16);
  Put16(p + 2, v);
}

uint16_t Ipv4Checksum(const uint8_t* header) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(header[i] << 8 | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

size_t TransportHeader(uint8_t protocol) {
  switch (protocol) {
    case kProtoTcp:
      return 20;
    case kProtoUdp:
    case kProtoIcmp:
    case kProtoIcmpV6:
      return 8;
    default:
      return 0;
  }
}

}  // namespace

Result<std::unique_ptr<PacketWriter>> PacketWriter::Create(const std::string& path, int snaplen,
                                                           uint32_t max_packets_per_flow) {
  std::unique_ptr<PacketWriter> w(new PacketWriter());
  w->snaplen_ = std::clamp(snaplen, 64, 65535);
  w->max_packets_ = std::max<uint32_t>(max_packets_per_flow, 1);
  w->dead_ =
      pcap_open_dead_with_tstamp_precision(DLT_EN10MB, w->snaplen_, PCAP_TSTAMP_PRECISION_MICRO);
  if (!w->dead_) return Status::IoError("cannot set up pcap output");
  w->dumper_ = pcap_dump_open(w->dead_, path.c_str());
  if (!w->dumper_) return Status::IoError(path + ": " + pcap_geterr(w->dead_));
  w->frame_.resize(14 + 40 + 20);
  return w;
}

PacketWriter::~PacketWriter() {
  if (dumper_) pcap_dump_close(dumper_);
  if (dead_) pcap_close(dead_);
}

Status PacketWriter::Add(const FlowRecord& r) {
  if (r.packets == 0) return Status::Ok();
  const int64_t start_us = r.stime_ms * 1000;
  WriteUntil(start_us);
  Pending p;
  p.record = r;
  p.count = static_cast<uint32_t>(std::min<uint64_t>(r.packets, max_packets_));
  p.bytes_left = r.packets > p.count ? r.bytes * p.count / r.packets : r.bytes;
  p.sent = 0;
  p.next_us = start_us;
  p.step_us = p.count > 1 ? int64_t{r.duration_ms} * 1000 / (p.count - 1) : 0;
  queue_.push(p);
  ++flows_;
  return Status::Ok();
}

void PacketWriter::WriteUntil(int64_t until_us) {
  while (!queue_.empty() && queue_.top().next_us < until_us) {
    Pending p = queue_.top();
    queue_.pop();
    WritePacket(p);
    if (p.sent < p.count) {
      p.next_us += p.step_us;
      queue_.push(p);
    }
  }
}

void PacketWriter::WritePacket(Pending& p) {
  const FlowRecord& r = p.record;
  const bool v6 = !r.sip.is_v4();
  const size_t ip_header = v6 ? 40 : 20;
  const size_t minimum = ip_header + TransportHeader(r.protocol);
  const uint32_t remaining = p.count - p.sent;
  uint64_t size = remaining == 1 ? p.bytes_left : p.bytes_left / remaining;
  size = std::clamp<uint64_t>(size, minimum, 65535);
  p.bytes_left -= std::min(p.bytes_left, size);

  uint8_t* f = frame_.data();
  std::memset(f, 0, frame_.size());
  f[0] = 0x02, f[5] = 0x02, f[6] = 0x02, f[11] = 0x01;  // locally administered MACs
  Put16(f + 12, v6 ? 0x86dd : 0x0800);
  uint8_t* ip = f + 14;
  if (v6) {
    Put32(ip, 0x60000000u | uint32_t{r.tos} << 20);
    Put16(ip + 4, static_cast<uint32_t>(size - 40));
    ip[6] = r.protocol;
    ip[7] = 64;
    std::memcpy(ip + 8, r.sip.bytes().data(), 16);
    std::memcpy(ip + 24, r.dip.bytes().data(), 16);
  } else {
    ip[0] = 0x45;
    ip[1] = r.tos;
    Put16(ip + 2, static_cast<uint32_t>(size));
    Put16(ip + 4, ++ip_id_);
    Put16(ip + 6, 0x4000);  // don't fragment
    ip[8] = 64;
    ip[9] = r.protocol;
    Put32(ip + 12, r.sip.v4());
    Put32(ip + 16, r.dip.v4());
    Put16(ip + 10, Ipv4Checksum(ip));
  }
  uint8_t* l4 = ip + ip_header;
  const bool first = p.sent == 0, last = p.sent + 1 == p.count;
  switch (r.protocol) {
    case kProtoTcp: {
      Put16(l4, r.sport);
      Put16(l4 + 2, r.dport);
      Put32(l4 + 4, 1000 + p.sent);
      l4[12] = 5 << 4;
      uint8_t flags = kTcpAck | (p.sent % 3 == 1 ? kTcpPsh : 0);
      if (first) flags = r.initial_flags ? r.initial_flags : kTcpSyn;
      if (last && !first) flags = kTcpAck | (r.flags & (kTcpFin | kTcpRst));
      l4[13] = flags;
      Put16(l4 + 14, 65535);
      break;
    }
    case kProtoUdp:
      Put16(l4, r.sport);
      Put16(l4 + 2, r.dport);
      Put16(l4 + 4, static_cast<uint32_t>(size - ip_header));
      break;
    case kProtoIcmp:
    case kProtoIcmpV6:
      l4[0] = r.icmp_type();
      l4[1] = r.icmp_code();
      Put16(l4 + 6, p.sent);
      break;
    default:
      break;
  }
  pcap_pkthdr header{};
  const int64_t us = p.next_us;
  header.ts.tv_sec = static_cast<time_t>(us / 1'000'000);
  header.ts.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
  header.len = static_cast<uint32_t>(14 + size);
  header.caplen = std::min<uint32_t>(
      header.len, static_cast<uint32_t>(std::min<size_t>(snaplen_, frame_.size())));
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, f);
  ++p.sent;
  ++packets_;
}

Status PacketWriter::Close() {
  WriteUntil(INT64_MAX);
  if (!dumper_) return Status::Ok();
  bool failed = pcap_dump_flush(dumper_) != 0;
  pcap_dump_close(dumper_);
  dumper_ = nullptr;
  if (failed) return Status::IoError("cannot write the pcap file");
  return Status::Ok();
}

}  // namespace weir
