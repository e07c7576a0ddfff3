// Packet headers to flow keys: the link, network and transport headers of one
// captured or sampled frame (pcap, sFlow raw headers), decoded into what a flow
// record needs. Shared by the sFlow decoder and the meter.
//
// Handles Ethernet (with 802.1Q/802.1ad/QinQ VLAN tags and MPLS label stacks),
// Linux cooked captures (SLL, SLL2), BSD loopback and raw IP; IPv4 (fragments
// reported, ports only from the first fragment) and IPv6 with extension headers
// (hop-by-hop, routing, fragment, destination options, AH, mobility); TCP, UDP,
// SCTP, ICMP and ICMPv6. A truncated header yields what was complete. Stateless;
// safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/ip_address.h"
#include "record/flow_record.h"

namespace weir {

// pcap LINKTYPE_ values (https://www.tcpdump.org/linktypes.html).
inline constexpr int kLinkNull = 0;
inline constexpr int kLinkEthernet = 1;
inline constexpr int kLinkRaw = 101;
inline constexpr int kLinkLoop = 108;
inline constexpr int kLinkLinuxSll = 113;
inline constexpr int kLinkIpv4 = 228;
inline constexpr int kLinkIpv6 = 229;
inline constexpr int kLinkLinuxSll2 = 276;

struct PacketInfo {
  std::span<const std::byte> transport;  // the transport header onwards, within the frame
  IpAddress sip;
  IpAddress dip;
  uint32_t ip_length = 0;  // IP datagram length from its header (total / payload + 40)
  uint32_t fragment_id = 0;
  uint16_t fragment_offset = 0;  // in bytes
  uint16_t sport = 0;
  uint16_t dport = 0;      // for ICMP and ICMPv6: type << 8 | code
  uint16_t vlan = 0;       // outermost VLAN id, 0 if untagged
  uint8_t ip_version = 0;  // 4 or 6; 0: not an IP packet (ARP, STP ...)
  uint8_t protocol = 0;
  uint8_t tcp_flags = 0;
  uint8_t tos = 0;
  bool fragment = false;        // part of a fragmented datagram
  bool more_fragments = false;  // not the last fragment
  bool has_ports = false;       // transport header present and complete
};

// Decodes one frame of the given pcap link type. Returns false when the frame
// holds no IP packet or its IP header is cut short (out is then unspecified).
bool DecodePacket(int link_type, std::span<const std::byte> frame, PacketInfo& out);

// Copies a decoded packet's flow key (addresses, protocol, ports or ICMP type and
// code, TCP flags, TOS, VLAN when tagged) into a record.
void ApplyPacketKey(const PacketInfo& packet, FlowRecord& record);

// Same, starting at an Ethernet type (0x0800, 0x86dd, 0x8100, 0x8847 ...).
bool DecodeEtherPayload(uint16_t ether_type, std::span<const std::byte> data, PacketInfo& out);

}  // namespace weir
