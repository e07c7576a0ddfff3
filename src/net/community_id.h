// Community ID v1 (https://github.com/corelight/community-id-spec): a string that
// names a bidirectional flow the same way in every tool that implements the spec
// (Suricata, Zeek, Wireshark, Elastic), so that flows can be joined with IDS logs.
//
// "1:" + base64(SHA1(seed . addr_lo . addr_hi . proto . 0 . port_lo . port_hi)),
// endpoints ordered so that the smaller (address, port) comes first; ICMP and
// ICMPv6 take (type, counter-type) as ports as Zeek does, and one-way ICMP
// messages keep their direction with (type, code). Protocols without ports hash
// the addresses and protocol only. Stateless and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "net/ip_address.h"

namespace weir {

// Longest text Community ID: "1:" + 28 base64 characters.
inline constexpr size_t kCommunityIdLength = 30;

// Writes the ID to out (kCommunityIdLength bytes, no terminator). For ICMP
// (protocol 1 or 58), sport and dport are the message type and code.
void WriteCommunityId(char* out, uint16_t seed, const IpAddress& sip, const IpAddress& dip,
                      uint8_t protocol, uint16_t sport, uint16_t dport);
// Many IDs at once, cheaper per ID than one at a time (the hashes interleave):
// make each flow's message, then write them all.
struct CommunityIdMessage {
  std::array<uint8_t, 64> block;  // the hash input, padded to one SHA-1 block
};
CommunityIdMessage MakeCommunityIdMessage(uint16_t seed, const IpAddress& sip, const IpAddress& dip,
                                          uint8_t protocol, uint16_t sport, uint16_t dport);
// Writes messages.size() IDs to out, kCommunityIdLength bytes each, back to back.
void WriteCommunityIds(std::span<const CommunityIdMessage> messages, char* out);

std::string CommunityId(uint16_t seed, const IpAddress& sip, const IpAddress& dip, uint8_t protocol,
                        uint16_t sport, uint16_t dport);

}  // namespace weir
