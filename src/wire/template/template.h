// Template machinery shared by the NetFlow v9 and IPFIX decoders: templates and
// options templates, the mapping of information elements to flow record fields,
// data records to FlowRecords, options data to sampling rates and interface names,
// and data sets held until their template arrives.
//
// v9 field type numbers below 128 are the IPFIX information element numbers
// (RFC 3954 section 8, RFC 7012), so one mapping serves both. Internal to `wire`.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>
#include <vector>

#include "wire/exporter.h"

namespace weir {

inline constexpr uint32_t kPenIpfixReverse = 29305;  // RFC 5103 reverse information elements
inline constexpr uint32_t kPenCert = 6871;           // CERT/NetSA (YAF, SiLK)
inline constexpr uint16_t kVariableLength = 65535;   // RFC 7011 section 7

// What a template field means to weir; everything else is skipped by its length.
enum class FieldKind : uint8_t {
  kSkip,
  kOctets,
  kPackets,
  kOctetsTotal,
  kPacketsTotal,
  kProtocol,
  kTos,
  kTcpFlags,
  kSport,
  kDport,
  kSip,  // IPv4 or IPv6 by length
  kDip,
  kSrcMask,
  kDstMask,
  kInput,
  kOutput,
  kNextHop,
  kBgpNextHop,
  kSrcAs,
  kDstAs,
  kStartUptime,
  kEndUptime,
  kIcmpTypeCode,
  kIcmpType,
  kIcmpCode,
  kVlan,
  kSamplingInterval,
  kSamplerId,
  kSamplingPacketInterval,
  kSamplingPacketSpace,
  kStartSeconds,
  kEndSeconds,
  kStartMillis,
  kEndMillis,
  kStartMicros,  // NTP timestamp format (RFC 7011 section 6.1.9)
  kEndMicros,
  kStartNanos,
  kEndNanos,
  kStartDeltaMicros,
  kEndDeltaMicros,
  kSystemInitMillis,
  kDurationMillis,
  kDurationMicros,
  kFlowEndReason,
  kInterfaceName,
  kInitialFlags,
  kUnionFlags,
  kApplication,
  kReverseOctets,
  kReversePackets,
  kReverseTcpFlags,
  kReverseInitialFlags,
  kReverseUnionFlags,
  kReverseDeltaMillis,
  kReverseStartMillis,
  kReverseEndMillis,
  kFrameSection,     // dataLinkFrameSection (315): a sampled frame's first bytes
  kIpHeaderSection,  // ipHeaderPacketSection (313): a sampled IP packet's first bytes
  kFrameSize,        // dataLinkFrameSize (312)
  kInitiatorOctets,  // Cisco NSEL: the connection's two directions
  kResponderOctets,
  kInitiatorPackets,
  kResponderPackets,
};
inline constexpr size_t kFieldKindCount = static_cast<size_t>(FieldKind::kResponderPackets) + 1;

// Fields of a biflow's reverse direction (RFC 5103) or an NSEL responder's side.
constexpr bool IsReverseKind(FieldKind k) {
  return (k >= FieldKind::kReverseOctets && k <= FieldKind::kReverseEndMillis) ||
         k == FieldKind::kResponderOctets || k == FieldKind::kResponderPackets;
}

FieldKind ClassifyField(uint32_t enterprise, uint16_t id, uint16_t length);

struct TemplateField {
  uint32_t enterprise = 0;
  uint16_t id = 0;
  uint16_t length = 0;  // kVariableLength: length prefix in the record
  FieldKind kind = FieldKind::kSkip;
};

// A field of a fixed-layout template that weir reads, at its offset in the record.
struct PlannedField {
  uint16_t offset;
  uint16_t length;
  FieldKind kind;
};

struct Template {
  std::vector<TemplateField> fields;
  std::vector<PlannedField> plan;  // fixed-layout templates: the fields to read
  uint16_t scope_count = 0;        // options templates: the first scope_count fields are scope
  bool options = false;
  size_t min_length = 0;  // one record with every variable-length field empty
  bool variable = false;
  // Fixed layout, not options, no reverse-direction field: each record makes at
  // most one flow, so a data set's records can be read a field at a time.
  bool columnar = false;
};

// What a data set needs from its message header.
struct MessageContext {
  int version = 0;         // 9 or 10
  uint32_t domain = 0;     // v9 source id or IPFIX observation domain
  int64_t export_ms = 0;   // export time
  int64_t uptime_ms = -1;  // v9 sysUpTime at export; -1 for IPFIX
};

struct Exporter::TemplateState {
  struct Pending {
    uint64_t key;
    int64_t arrived_ms;
    MessageContext context;
    std::vector<std::byte> data;
  };
  std::unordered_map<uint64_t, Template> templates;
  std::unordered_map<uint64_t, uint32_t> sampler_rates;  // (scope, sampler id) -> interval
  std::unordered_map<uint64_t, uint32_t> scope_rates;    // scope -> interval
  std::unordered_map<uint64_t, int64_t> system_init_ms;  // scope -> systemInitTimeMilliseconds
  std::deque<Pending> pending;
  size_t pending_bytes = 0;

  static uint64_t Scope(const MessageContext& c) { return uint64_t(c.version) << 32 | c.domain; }
  static uint64_t Key(const MessageContext& c, uint16_t template_id) {
    return Scope(c) << 16 | template_id;
  }
};

// Reads the records of one template set (v9 flowset 0/1, IPFIX set 2/3) into
// state; returns false if the set is malformed (records before the fault stay).
bool ReadTemplateSet(Exporter::TemplateState& state, ExporterCounters& counters,
                     const WireLimits& limits, const MessageContext& context, bool options,
                     std::span<const std::byte> set, std::vector<uint16_t>& added);

// Decodes one data set with a known template. Options records update state and
// `interface_names`; flow records are appended to out; data_records counts the
// records read (flow and options). Returns false if malformed.
bool DecodeDataSet(Exporter::TemplateState& state, ExporterCounters& counters,
                   std::map<uint32_t, std::string>& interface_names, const WireLimits& limits,
                   const IpAddress& exporter, const MessageContext& context, const Template& tmpl,
                   std::span<const std::byte> set, std::vector<FlowRecord>& out,
                   size_t& data_records);

}  // namespace weir
