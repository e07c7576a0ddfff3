#include "wire/packet/packet.h"

#include <array>

#include "base/bytes.h"

namespace weir {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr uint16_t kEtherMpls = 0x8847;
constexpr uint16_t kEtherMplsMulticast = 0x8848;
constexpr int kMaxTags = 16;  // VLAN tags plus MPLS labels; more is malformed

IpAddress V6From(std::span<const std::byte> b) {
  std::array<uint8_t, 16> a;
  for (size_t i = 0; i < 16; ++i) a[i] = static_cast<uint8_t>(b[i]);
  return IpAddress::V6(a);
}

void DecodeTransport(std::span<const std::byte> data, PacketInfo& out) {
  out.transport = data;
  ByteReader r(data);
  switch (out.protocol) {
    case 6: {  // TCP
      out.sport = r.U16Be();
      out.dport = r.U16Be();
      r.Skip(9);
      out.tcp_flags = r.U8();
      out.has_ports = r.ok();
      break;
    }
    case 17:     // UDP
    case 132:    // SCTP
    case 136: {  // UDP-Lite
      out.sport = r.U16Be();
      out.dport = r.U16Be();
      out.has_ports = r.ok();
      break;
    }
    case 1:
    case 58: {  // ICMP, ICMPv6: type and code in dport as NetFlow does
      uint8_t type = r.U8();
      uint8_t code = r.U8();
      out.dport = static_cast<uint16_t>(type << 8 | code);
      out.has_ports = r.ok();
      break;
    }
    default:
      break;
  }
  if (!out.has_ports) out.sport = out.dport = 0;
}

bool DecodeIpv4(std::span<const std::byte> data, PacketInfo& out) {
  ByteReader r(data);
  uint8_t version_ihl = r.U8();
  if (!r.ok() || version_ihl >> 4 != 4) return false;
  size_t header_length = (version_ihl & 0x0f) * 4u;
  out.tos = r.U8();
  out.ip_length = r.U16Be();
  out.fragment_id = r.U16Be();
  uint16_t fragment = r.U16Be();
  r.Skip(1);  // TTL
  out.protocol = r.U8();
  r.Skip(2);  // checksum
  out.sip = IpAddress::V4(r.U32Be());
  out.dip = IpAddress::V4(r.U32Be());
  if (!r.ok() || header_length < 20) return false;
  out.ip_version = 4;
  out.more_fragments = (fragment & 0x2000) != 0;
  out.fragment_offset = static_cast<uint16_t>((fragment & 0x1fff) * 8);
  out.fragment = out.more_fragments || out.fragment_offset != 0;
  if (out.fragment_offset == 0 && data.size() > header_length)
    DecodeTransport(data.subspan(header_length), out);
  return true;
}

bool DecodeIpv6(std::span<const std::byte> data, PacketInfo& out) {
  ByteReader r(data);
  uint32_t first = r.U32Be();
  if (!r.ok() || first >> 28 != 6) return false;
  out.tos = static_cast<uint8_t>(first >> 20);
  out.ip_length = r.U16Be() + 40u;
  uint8_t next = r.U8();
  r.Skip(1);  // hop limit
  auto src = r.Bytes(16);
  auto dst = r.Bytes(16);
  if (!r.ok()) return false;
  out.ip_version = 6;
  out.sip = V6From(src);
  out.dip = V6From(dst);
  // Walk the extension headers (RFC 8200 section 4) to the upper-layer header.
  for (int hops = 0; hops < kMaxTags; ++hops) {
    switch (next) {
      case 0:     // hop-by-hop options
      case 43:    // routing
      case 60:    // destination options
      case 135:   // mobility: length in 8-octet units, not counting the first
      case 51: {  // AH: length in 4-octet units minus 2
        uint8_t following = r.U8();
        size_t length = next == 51 ? (r.U8() + 2u) * 4u : (r.U8() + 1u) * 8u;
        r.Skip(length - 2);
        if (!r.ok()) {
          out.protocol = next;
          return true;
        }
        next = following;
        continue;
      }
      case 44: {  // fragment
        uint8_t following = r.U8();
        r.Skip(1);
        uint16_t offset_flags = r.U16Be();
        uint32_t id = r.U32Be();
        if (!r.ok()) {
          out.protocol = next;
          return true;
        }
        out.fragment = true;
        out.fragment_id = id;
        out.fragment_offset = static_cast<uint16_t>(offset_flags & 0xfff8);
        out.more_fragments = (offset_flags & 1) != 0;
        next = following;
        if (out.fragment_offset != 0) {
          out.protocol = next;
          return true;
        }
        continue;
      }
      default:
        break;
    }
    break;
  }
  out.protocol = next;
  size_t at = r.offset();
  if (at < data.size()) DecodeTransport(data.subspan(at), out);
  return true;
}

}  // namespace

bool DecodeEtherPayload(uint16_t ether_type, std::span<const std::byte> data, PacketInfo& out) {
  ByteReader r(data);
  for (int tags = 0; tags <= kMaxTags; ++tags) {
    switch (ether_type) {
      case kEtherIpv4:
        return DecodeIpv4(data.subspan(r.offset()), out);
      case kEtherIpv6:
        return DecodeIpv6(data.subspan(r.offset()), out);
      case kEtherVlan:
      case kEtherQinQ:
      case kEtherQinQOld: {
        uint16_t tci = r.U16Be();
        ether_type = r.U16Be();
        if (!r.ok()) return false;
        if (out.vlan == 0) out.vlan = tci & 0x0fff;
        continue;
      }
      case kEtherMpls:
      case kEtherMplsMulticast: {
        // Labels until bottom of stack; then the first nibble says IPv4 or IPv6.
        uint32_t label = r.U32Be();
        if (!r.ok()) return false;
        if ((label & 0x100) == 0) continue;
        size_t at = r.offset();
        if (at >= data.size()) return false;
        uint8_t nibble = static_cast<uint8_t>(data[at]) >> 4;
        if (nibble == 4) return DecodeIpv4(data.subspan(at), out);
        if (nibble == 6) return DecodeIpv6(data.subspan(at), out);
        return false;
      }
      default:
        return false;
    }
  }
  return false;
}

void ApplyPacketKey(const PacketInfo& packet, FlowRecord& record) {
  record.sip = packet.sip;
  record.dip = packet.dip;
  record.protocol = packet.protocol;
  record.sport = packet.sport;
  record.dport = packet.dport;
  record.flags = packet.tcp_flags;
  record.tos = packet.tos;
  if (packet.vlan) record.vlan = packet.vlan;
}

bool DecodePacket(int link_type, std::span<const std::byte> frame, PacketInfo& out) {
  out = PacketInfo{};
  ByteReader r(frame);
  switch (link_type) {
    case kLinkEthernet: {
      r.Skip(12);
      uint16_t type = r.U16Be();
      if (!r.ok()) return false;
      if (type <= 1500) return false;  // 802.3 length: LLC (STP, CDP ...), not IP
      return DecodeEtherPayload(type, frame.subspan(14), out);
    }
    case kLinkLinuxSll: {
      r.Skip(14);
      uint16_t type = r.U16Be();
      if (!r.ok()) return false;
      return DecodeEtherPayload(type, frame.subspan(16), out);
    }
    case kLinkLinuxSll2: {
      uint16_t type = r.U16Be();
      if (!r.ok() || frame.size() < 20) return false;
      return DecodeEtherPayload(type, frame.subspan(20), out);
    }
    case kLinkNull:
    case kLinkLoop: {
      // A 4-byte address family in the capturing host's byte order (loop: network).
      uint32_t family = r.U32Be();
      if (!r.ok()) return false;
      uint32_t swapped = __builtin_bswap32(family);
      auto is = [&](uint32_t f) { return family == f || swapped == f; };
      if (is(2)) return DecodeIpv4(frame.subspan(4), out);
      if (is(24) || is(28) || is(30)) return DecodeIpv6(frame.subspan(4), out);
      return false;
    }
    case kLinkRaw:
    case 12:  // LINKTYPE_RAW on OpenBSD
    case 14: {
      if (frame.empty()) return false;
      uint8_t nibble = static_cast<uint8_t>(frame[0]) >> 4;
      if (nibble == 4) return DecodeIpv4(frame, out);
      if (nibble == 6) return DecodeIpv6(frame, out);
      return false;
    }
    case kLinkIpv4:
      return DecodeIpv4(frame, out);
    case kLinkIpv6:
      return DecodeIpv6(frame, out);
    default:
      return false;
  }
}

}  // namespace weir
