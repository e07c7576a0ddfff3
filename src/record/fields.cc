#include "record/fields.h"

#include <array>

#include "base/strings.h"

namespace weir {

namespace {

using T = FieldType;
using F = FieldId;

// clang-format off
constexpr FieldInfo kFields[] = {
  {F::kSip, "sip", "sIP", 1, "source_ip,src_ip,srcip,sa", "sIP", 39, T::kIp, true, "source address"},
  {F::kDip, "dip", "dIP", 2, "destination_ip,dst_ip,dstip,da", "dIP", 39, T::kIp, true, "destination address"},
  {F::kSport, "sport", "sPort", 3, "source_port,src_port,sp", "sPort", 5, T::kUnsigned, true, "source port (0 for ICMP)"},
  {F::kDport, "dport", "dPort", 4, "destination_port,dst_port,dp", "dPort", 5, T::kUnsigned, true, "destination port (ICMP: type<<8|code)"},
  {F::kProtocol, "protocol", "protocol", 5, "proto,pr,pro", "pro", 3, T::kUnsigned, true, "IP protocol number"},
  {F::kPackets, "packets", "packets", 6, "pkts,pkt", "packets", 10, T::kUnsigned, true, "packet count"},
  {F::kBytes, "bytes", "bytes", 7, "byt,octets", "bytes", 10, T::kUnsigned, true, "byte count (IP headers included)"},
  {F::kFlags, "flags", "flags", 8, "tcp_flags,tcpflags", "flags", 8, T::kTcpFlags, true, "OR of all packets' TCP flags"},
  {F::kStime, "stime", "sTime", 9, "start_time,start,ts", "sTime", 23, T::kTime, true, "start time (UTC)"},
  {F::kDuration, "duration", "duration", 10, "dur,td", "duration", 9, T::kDuration, true, "duration in seconds"},
  {F::kEtime, "etime", "eTime", 11, "end_time,end,te", "eTime", 23, T::kTime, false, "end time (UTC)"},
  {F::kSensor, "sensor", "sensor", 12, "sen", "sen", 3, T::kSensor, true, "sensor that collected the flow"},
  {F::kInput, "input", "in", 13, "in_index,in_if", "in", 5, T::kUnsigned, true, "input interface index"},
  {F::kOutput, "output", "out", 14, "out_index,out_if", "out", 5, T::kUnsigned, true, "output interface index"},
  {F::kNhip, "nhip", "nhIP", 15, "next_hop,nexthop,next_hop_ip", "nhIP", 39, T::kIp, true, "next-hop address"},
  {F::kClass, "class", "class", 20, "", "cla", 3, T::kClassName, false, "class of the flowtype"},
  {F::kType, "type", "type", 21, "", "type", 4, T::kTypeName, false, "type of the flowtype"},
  {F::kIcmpType, "icmp_type", "iType", 0, "icmptype,itype", "iTy", 3, T::kUnsigned, false, "ICMP type (ICMP flows only)"},
  {F::kIcmpCode, "icmp_code", "iCode", 0, "icmpcode,icode", "iCo", 3, T::kUnsigned, false, "ICMP code (ICMP flows only)"},
  {F::kInitialFlags, "initial_flags", "initialFlags", 26, "initflags", "initialF", 8, T::kTcpFlags, true, "TCP flags of the first packet"},
  {F::kSessionFlags, "session_flags", "sessionFlags", 27, "sessflags", "sessionF", 8, T::kTcpFlags, true, "OR of the TCP flags of later packets"},
  {F::kAttributes, "attributes", "attributes", 28, "attr", "attribut", 8, T::kAttributes, true, "T active timeout, C continuation, F after FIN, S same size"},
  {F::kApplication, "application", "application", 29, "app,applabel", "appli", 5, T::kUnsigned, true, "application (its well-known port)"},
  {F::kTos, "tos", "", 0, "dscp_tos,ip_tos", "tos", 3, T::kUnsigned, true, "IP type of service byte"},
  {F::kVlan, "vlan", "", 0, "vlan_id", "vlan", 4, T::kUnsigned, true, "VLAN id"},
  {F::kSrcAs, "src_as", "", 0, "sas,source_as", "sAS", 10, T::kUnsigned, true, "source autonomous system"},
  {F::kDstAs, "dst_as", "", 0, "das,destination_as", "dAS", 10, T::kUnsigned, true, "destination autonomous system"},
  {F::kSrcMask, "src_mask", "", 0, "smk,source_mask", "sMk", 3, T::kUnsigned, true, "source prefix length"},
  {F::kDstMask, "dst_mask", "", 0, "dmk,destination_mask", "dMk", 3, T::kUnsigned, true, "destination prefix length"},
  {F::kExporter, "exporter", "", 0, "exporter_ip,ra,router", "exporter", 39, T::kIp, true, "address of the exporting device"},
  {F::kSampling, "sampling", "", 0, "sampling_interval", "smpl", 5, T::kUnsigned, true, "sampling interval applied (0: unsampled)"},
  {F::kFlowtype, "flowtype", "", 0, "ftype", "flowtype", 8, T::kFlowtype, true, "flowtype id (class and type)"},
  {F::kBytesPerPacket, "bpp", "", 0, "bytes_per_packet", "bpp", 8, T::kDecimal, false, "bytes per packet"},
  {F::kIpVersion, "ip_version", "", 0, "ipv,ipversion", "v", 1, T::kUnsigned, false, "4 or 6"},
  {F::kIcmpTypeCode, "icmp_type_code", "icmpTypeCode", 25, "", "iTyCo", 7, T::kUnsigned, false, "ICMP type<<8|code"},
  {F::kFlowId, "flow_id", "", 0, "flowid", "flow_id", 17, T::kUnsigned, true, "the IDS's flow id (Suricata EVE flow_id; 0: none)"},
};
// clang-format on

constexpr auto BuildIndex() {
  std::array<int, kMaxFieldId + 1> index{};
  for (auto& i : index) i = -1;
  for (size_t i = 0; i < std::size(kFields); ++i)
    index[static_cast<size_t>(kFields[i].id)] = static_cast<int>(i);
  return index;
}
constexpr auto kIndex = BuildIndex();

}  // namespace

std::span<const FieldInfo> AllFields() { return kFields; }

const FieldInfo& GetField(FieldId id) { return kFields[kIndex[static_cast<size_t>(id)]]; }

bool IsKnownField(FieldId id) {
  auto i = static_cast<size_t>(id);
  return i < kIndex.size() && kIndex[i] >= 0;
}

Result<FieldId> FindField(std::string_view name) {
  name = Trim(name);
  if (auto number = ParseUint(name, 1000)) {
    for (const auto& f : kFields)
      if (f.silk_number != 0 && static_cast<uint64_t>(f.silk_number) == *number) return f.id;
    return Status::NotFound("no field numbered " + std::string(name));
  }
  for (const auto& f : kFields) {
    if (EqualsIgnoreCase(name, f.name) ||
        (!f.silk_name.empty() && EqualsIgnoreCase(name, f.silk_name)))
      return f.id;
    for (auto alias : Split(f.aliases, ','))
      if (!alias.empty() && EqualsIgnoreCase(name, alias)) return f.id;
  }
  return Status::NotFound("unknown field '" + std::string(name) + "' (see --help-fields)");
}

Result<std::vector<FieldId>> ParseFieldList(std::string_view list) {
  std::vector<FieldId> out;
  for (std::string_view piece : Split(list, ',')) {
    piece = Trim(piece);
    if (piece.empty()) return Status::Invalid("empty field name in '" + std::string(list) + "'");
    size_t dash = piece.find('-');
    if (dash != std::string_view::npos && ParseUint(piece.substr(0, dash))) {
      auto lo = ParseUint(piece.substr(0, dash));
      auto hi = ParseUint(piece.substr(dash + 1));
      if (!lo || !hi || *lo > *hi)
        return Status::Invalid("invalid field range '" + std::string(piece) + "'");
      for (uint64_t n = *lo; n <= *hi; ++n) {
        auto id = FindField(std::to_string(n));
        if (id.ok()) out.push_back(*id);  // SiLK's numbering has gaps; ranges skip them
      }
      continue;
    }
    auto id = FindField(piece);
    if (!id.ok()) return id.status();
    out.push_back(*id);
  }
  return out;
}

std::vector<FieldId> DefaultCutFields() {
  return {F::kSip,   F::kDip,   F::kSport, F::kDport,    F::kProtocol, F::kPackets,
          F::kBytes, F::kFlags, F::kStime, F::kDuration, F::kEtime,    F::kSensor};
}

uint64_t FieldMaxValue(FieldId f) {
  switch (f) {
    case F::kSport:
    case F::kDport:
    case F::kSensor:
    case F::kApplication:
    case F::kVlan:
    case F::kIcmpTypeCode:
      return 0xffff;
    case F::kProtocol:
    case F::kTos:
    case F::kFlags:
    case F::kInitialFlags:
    case F::kSessionFlags:
    case F::kAttributes:
    case F::kSrcMask:
    case F::kDstMask:
    case F::kIcmpType:
    case F::kIcmpCode:
    case F::kFlowtype:
    case F::kClass:
    case F::kType:
      return 0xff;
    case F::kInput:
    case F::kOutput:
    case F::kSrcAs:
    case F::kDstAs:
    case F::kSampling:
    case F::kDuration:
      return 0xffffffff;
    case F::kIpVersion:
      return 6;
    default:
      return UINT64_MAX;
  }
}

uint64_t GetUnsigned(const FlowRecord& r, FieldId id) {
  switch (id) {
    case F::kSport:
      return r.sport;
    case F::kDport:
      return r.dport;
    case F::kProtocol:
      return r.protocol;
    case F::kPackets:
      return r.packets;
    case F::kBytes:
      return r.bytes;
    case F::kFlags:
      return r.flags;
    case F::kStime:
      return static_cast<uint64_t>(r.stime_ms);
    case F::kDuration:
      return r.duration_ms;
    case F::kEtime:
      return static_cast<uint64_t>(r.etime_ms());
    case F::kSensor:
      return r.sensor;
    case F::kInput:
      return r.input;
    case F::kOutput:
      return r.output;
    case F::kClass:
    case F::kType:
    case F::kFlowtype:
      return r.flowtype;
    case F::kIcmpType:
      return r.is_icmp() ? r.icmp_type() : 0;
    case F::kIcmpCode:
      return r.is_icmp() ? r.icmp_code() : 0;
    case F::kIcmpTypeCode:
      return r.is_icmp() ? r.dport : 0;
    case F::kInitialFlags:
      return r.initial_flags;
    case F::kSessionFlags:
      return r.session_flags;
    case F::kAttributes:
      return r.attributes;
    case F::kApplication:
      return r.application;
    case F::kTos:
      return r.tos;
    case F::kVlan:
      return r.vlan;
    case F::kSrcAs:
      return r.src_as;
    case F::kDstAs:
      return r.dst_as;
    case F::kSrcMask:
      return r.src_mask;
    case F::kDstMask:
      return r.dst_mask;
    case F::kSampling:
      return r.sampling;
    case F::kFlowId:
      return r.flow_id;
    case F::kBytesPerPacket:
      return r.packets ? r.bytes / r.packets : 0;
    case F::kIpVersion:
      return r.sip.is_v4() ? 4 : 6;
    case F::kSip:
    case F::kDip:
    case F::kNhip:
    case F::kExporter:
      return 0;
  }
  return 0;
}

IpAddress GetIp(const FlowRecord& r, FieldId id) {
  switch (id) {
    case F::kSip:
      return r.sip;
    case F::kDip:
      return r.dip;
    case F::kNhip:
      return r.nhip;
    case F::kExporter:
      return r.exporter;
    default:
      return {};
  }
}

void SetUnsigned(FlowRecord& r, FieldId id, uint64_t v) {
  switch (id) {
    case F::kSport:
      r.sport = static_cast<uint16_t>(v);
      break;
    case F::kDport:
      r.dport = static_cast<uint16_t>(v);
      break;
    case F::kProtocol:
      r.protocol = static_cast<uint8_t>(v);
      break;
    case F::kPackets:
      r.packets = v;
      break;
    case F::kBytes:
      r.bytes = v;
      break;
    case F::kFlags:
      r.flags = static_cast<uint8_t>(v);
      break;
    case F::kStime:
      r.stime_ms = static_cast<int64_t>(v);
      break;
    case F::kDuration:
      r.duration_ms = static_cast<uint32_t>(v);
      break;
    case F::kEtime:
      r.stime_ms = static_cast<int64_t>(v);
      r.duration_ms = 0;
      break;
    case F::kSensor:
      r.sensor = static_cast<uint16_t>(v);
      break;
    case F::kInput:
      r.input = static_cast<uint32_t>(v);
      break;
    case F::kOutput:
      r.output = static_cast<uint32_t>(v);
      break;
    case F::kClass:
    case F::kType:
    case F::kFlowtype:
      r.flowtype = static_cast<uint8_t>(v);
      break;
    case F::kIcmpType:
      if (!r.is_icmp()) r.protocol = kProtoIcmp;
      r.dport = static_cast<uint16_t>((r.dport & 0xff) | (v & 0xff) << 8);
      break;
    case F::kIcmpCode:
      if (!r.is_icmp()) r.protocol = kProtoIcmp;
      r.dport = static_cast<uint16_t>((r.dport & 0xff00) | (v & 0xff));
      break;
    case F::kIcmpTypeCode:
      if (!r.is_icmp()) r.protocol = kProtoIcmp;
      r.dport = static_cast<uint16_t>(v);
      break;
    case F::kInitialFlags:
      r.initial_flags = static_cast<uint8_t>(v);
      break;
    case F::kSessionFlags:
      r.session_flags = static_cast<uint8_t>(v);
      break;
    case F::kAttributes:
      r.attributes = static_cast<uint8_t>(v);
      break;
    case F::kApplication:
      r.application = static_cast<uint16_t>(v);
      break;
    case F::kTos:
      r.tos = static_cast<uint8_t>(v);
      break;
    case F::kVlan:
      r.vlan = static_cast<uint16_t>(v);
      break;
    case F::kSrcAs:
      r.src_as = static_cast<uint32_t>(v);
      break;
    case F::kDstAs:
      r.dst_as = static_cast<uint32_t>(v);
      break;
    case F::kSrcMask:
      r.src_mask = static_cast<uint8_t>(v);
      break;
    case F::kDstMask:
      r.dst_mask = static_cast<uint8_t>(v);
      break;
    case F::kSampling:
      r.sampling = static_cast<uint32_t>(v);
      break;
    case F::kFlowId:
      r.flow_id = v;
      break;
    case F::kBytesPerPacket:
      r.bytes = v;
      r.packets = 1;
      break;
    case F::kIpVersion:
      if (v == 6) r.sip = IpAddress::FromHalves(0, 0);
      break;
    case F::kSip:
    case F::kDip:
    case F::kNhip:
    case F::kExporter:
      break;
  }
}

void SetIp(FlowRecord& r, FieldId id, const IpAddress& value) {
  switch (id) {
    case F::kSip:
      r.sip = value;
      break;
    case F::kDip:
      r.dip = value;
      break;
    case F::kNhip:
      r.nhip = value;
      break;
    case F::kExporter:
      r.exporter = value;
      break;
    default:
      break;
  }
}

}  // namespace weir
