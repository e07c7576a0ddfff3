// FlowRecord: one unidirectional flow, the unit every weir tool works on.
//
// The union of SiLK's and nfdump's common fields. Times are UTC milliseconds since
// the epoch; the end time is start + duration. For ICMP and ICMPv6 the type and
// code live in dport as (type << 8 | code), as in SiLK and NetFlow v5, and are
// shown as the derived fields icmp_type and icmp_code. Plain value type.
#pragma once

#include <cstdint>

#include "net/ip_address.h"

namespace weir {

// TCP flag bits as in the TCP header (RFC 9293, RFC 3168 for ECE/CWR).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr uint8_t kTcpEce = 0x40;
inline constexpr uint8_t kTcpCwr = 0x80;

// Flow attribute bits (SiLK's "attributes" field).
inline constexpr uint8_t kAttrActiveTimeout = 0x01;    // 'T': flow ended by active timeout
inline constexpr uint8_t kAttrContinuation = 0x02;     // 'C': continues an earlier record
inline constexpr uint8_t kAttrPacketsAfterFin = 0x04;  // 'F': packets seen after a FIN
inline constexpr uint8_t kAttrUniformPackets = 0x08;   // 'S': all packets the same size

inline constexpr uint16_t kUnknownSensor = 0xffff;
inline constexpr uint8_t kUnknownFlowtype = 0xff;

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpV6 = 58;

struct FlowRecord {
  IpAddress sip;
  IpAddress dip;
  IpAddress nhip;      // next hop
  IpAddress exporter;  // address of the router or meter that sent the flow
  int64_t stime_ms = 0;
  uint32_t duration_ms = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t flow_id = 0;  // the IDS's flow id (Suricata EVE's flow_id); 0: none
  uint32_t input = 0;    // SNMP/ifIndex of the input interface
  uint32_t output = 0;   // SNMP/ifIndex of the output interface
  uint32_t src_as = 0;
  uint32_t dst_as = 0;
  uint32_t sampling = 0;  // sampling interval applied to packets/bytes (0 or 1: none)
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint16_t sensor = kUnknownSensor;
  uint16_t application = 0;  // port of the detected application, as SiLK's appLabel
  uint16_t vlan = 0;
  uint8_t protocol = 0;
  uint8_t flags = 0;          // OR of the TCP flags of all packets
  uint8_t initial_flags = 0;  // TCP flags of the first packet
  uint8_t session_flags = 0;  // OR of the TCP flags of the remaining packets
  uint8_t attributes = 0;
  uint8_t tos = 0;
  uint8_t src_mask = 0;
  uint8_t dst_mask = 0;
  uint8_t flowtype = kUnknownFlowtype;  // class/type id from silk.conf

  // Wraps rather than overflowing on absurd stored times.
  int64_t etime_ms() const {
    return static_cast<int64_t>(static_cast<uint64_t>(stime_ms) + duration_ms);
  }
  bool is_icmp() const { return protocol == kProtoIcmp || protocol == kProtoIcmpV6; }
  uint8_t icmp_type() const { return static_cast<uint8_t>(dport >> 8); }
  uint8_t icmp_code() const { return static_cast<uint8_t>(dport & 0xff); }

  bool operator==(const FlowRecord&) const = default;
};

}  // namespace weir
