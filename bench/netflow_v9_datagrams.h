// The NetFlow v9 datagrams of the collector benchmarks (flow_blast, decode_bench):
// one template flowset, then data flowsets of 30 IPv4 records in the layout nfcapd
// and weir both read, with addresses, ports and counters from a fixed-seed
// generator, so every run sends and decodes the same bytes.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace bench {

inline constexpr int kRecordsPerDatagram = 30;
inline constexpr uint16_t kTemplateId = 256;
// (type, length): sip, dip, sport, dport, proto, tcp flags, tos, input, output,
// packets, bytes, first, last, src mask, dst mask, next hop.
inline constexpr uint16_t kFields[][2] = {{8, 4},  {12, 4}, {7, 2},  {11, 2}, {4, 1}, {6, 1},
                                          {5, 1},  {10, 2}, {14, 2}, {2, 4},  {1, 4}, {22, 4},
                                          {21, 4}, {9, 1},  {13, 1}, {15, 4}};
inline constexpr int kFieldCount = sizeof kFields / sizeof kFields[0];

// `count` distinct datagrams (sequence number and export time left zero: a sender
// patches them at bytes 12-15 and 8-11); the template rides in every 256th, as a
// refresh would, and always in the first.
inline std::vector<std::vector<uint8_t>> MakeNetflowV9Datagrams(size_t count) {
  struct Writer {
    std::vector<uint8_t>& out;
    void U8(uint32_t v) { out.push_back(static_cast<uint8_t>(v)); }
    void U16(uint32_t v) { U8(v >> 8), U8(v); }
    void U32(uint32_t v) { U16(v >> 16), U16(v); }
  };
  std::vector<std::vector<uint8_t>> datagrams(count);
  std::mt19937_64 rng(42);
  const uint32_t uptime = 3'600'000;
  for (size_t index = 0; index < datagrams.size(); ++index) {
    auto& d = datagrams[index];
    Writer w{d};
    // The template rides in every 256th datagram, as a refresh would.
    const bool with_template = index % 256 == 0;
    w.U16(9), w.U16(kRecordsPerDatagram + with_template), w.U32(uptime), w.U32(0), w.U32(0);
    w.U32(1);
    if (with_template) {
      w.U16(0), w.U16(8 + 4 * kFieldCount), w.U16(kTemplateId), w.U16(kFieldCount);
      for (const auto& f : kFields) w.U16(f[0]), w.U16(f[1]);
    }
    size_t set = d.size();
    w.U16(kTemplateId), w.U16(0);
    for (int i = 0; i < kRecordsPerDatagram; ++i) {
      uint64_t r = rng();
      uint32_t sip = 0x0a000000 | (r & 0xffff);
      uint32_t dip = 0xc0a80000 | ((r >> 16) & 0xffff);
      uint8_t proto = (r >> 32) % 10 < 7 ? 6 : 17;
      w.U32(sip), w.U32(dip), w.U16(1024 + (r >> 40) % 60000), w.U16((r >> 56) % 4 ? 443 : 53);
      w.U8(proto), w.U8(proto == 6 ? 0x1b : 0), w.U8(0), w.U16(1), w.U16(2);
      uint32_t packets = 1 + (r >> 20) % 100;
      w.U32(packets), w.U32(packets * (40 + (r >> 8) % 1400));
      w.U32(uptime - 60'000 + (r >> 24) % 50'000), w.U32(uptime - 1000), w.U8(24), w.U8(24);
      w.U32(0);
    }
    d[set + 2] = static_cast<uint8_t>((d.size() - set) >> 8);
    d[set + 3] = static_cast<uint8_t>(d.size() - set);
  }

  return datagrams;
}

}  // namespace bench
