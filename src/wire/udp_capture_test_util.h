// Test helper: the UDP payloads of a classic pcap file (export captures under
// ../shared/data/export), with their source addresses. Tests only; the meter
// reads captures through libpcap.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "wire/packet/packet.h"

namespace weir::testing {

struct CapturedDatagram {
  IpAddress source;
  uint16_t dport = 0;
  int64_t time_ms = 0;
  std::vector<std::byte> payload;
};

inline std::vector<CapturedDatagram> ReadUdpCapture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<CapturedDatagram> out;
  ByteReader r(file.data(), file.size());
  uint32_t magic = r.U32Le();
  bool swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  bool nanos = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
  auto u32 = [&] { return swapped ? __builtin_bswap32(r.U32Le()) : r.U32Le(); };
  r.Skip(16);
  uint32_t link = u32();
  while (r.ok() && r.remaining() >= 16) {
    uint32_t seconds = u32();
    uint32_t fraction = u32();
    uint32_t captured = u32();
    u32();
    auto frame = r.Bytes(captured);
    PacketInfo p;
    if (!r.ok() || !DecodePacket(static_cast<int>(link), frame, p) || p.protocol != 17 ||
        p.fragment || p.transport.size() < 8)
      continue;
    CapturedDatagram d;
    d.source = p.sip;
    d.dport = p.dport;
    d.time_ms = int64_t{seconds} * 1000 + (nanos ? fraction / 1'000'000 : fraction / 1000);
    d.payload.assign(p.transport.begin() + 8, p.transport.end());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace weir::testing
