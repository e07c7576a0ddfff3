// Fuzz target for the meter's packet path: frames decoded and counted into flows
// by a small FlowCache (so expiry, eviction and the TCP end rules all run).
// Input: records of [link selector][time step in ms][2-byte length][frame].
#include <cstddef>
#include <cstdint>

#include "meter/flow_cache.h"
#include "wire/packet/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr int kLinks[] = {weir::kLinkEthernet, weir::kLinkRaw,       weir::kLinkLinuxSll,
                                   weir::kLinkNull,     weir::kLinkLinuxSll2, weir::kLinkIpv6};
  weir::FlowCache cache({.active_ms = 5000, .inactive_ms = 1000, .fin_ms = 100, .max_flows = 16});
  weir::ExpiredFlows out;
  weir::PacketInfo packet;
  int64_t now = 0;
  size_t at = 0;
  while (size - at >= 4) {
    int link = kLinks[data[at] % (sizeof kLinks / sizeof kLinks[0])];
    now += data[at + 1] * 10;
    size_t length = static_cast<size_t>(data[at + 2]) << 8 | data[at + 3];
    at += 4;
    if (length > size - at) length = size - at;
    if (weir::DecodePacket(link, {reinterpret_cast<const std::byte*>(data + at), length}, packet))
      cache.Add(packet, packet.ip_length, now, 0, out);
    at += length;
    cache.Expire(now, out);
  }
  cache.Flush(out);
  if (cache.active() != 0) __builtin_trap();
  return 0;
}
