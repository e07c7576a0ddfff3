// Fuzz target for the packet header decoder: first byte picks the link type.
#include <cstddef>
#include <cstdint>

#include "wire/packet/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr int kLinks[] = {weir::kLinkEthernet, weir::kLinkRaw,       weir::kLinkLinuxSll,
                                   weir::kLinkNull,     weir::kLinkLinuxSll2, weir::kLinkIpv6};
  int link = kLinks[data[0] % (sizeof kLinks / sizeof kLinks[0])];
  weir::PacketInfo info;
  weir::DecodePacket(link, {reinterpret_cast<const std::byte*>(data + 1), size - 1}, info);
  return 0;
}
