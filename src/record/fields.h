// The field registry: the one list of flow fields every tool, the web UI, export and
// Python use. Each field has a canonical name, SiLK's name and number where SiLK has
// them, a text title and width for SiLK's column layout, and a value type.
//
// Numbers of FieldId are part of the flow file format (column ids): never renumber.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "record/flow_record.h"

namespace weir {

enum class FieldId : uint8_t {
  kSip = 1,
  kDip = 2,
  kSport = 3,
  kDport = 4,
  kProtocol = 5,
  kPackets = 6,
  kBytes = 7,
  kFlags = 8,
  kStime = 9,
  kDuration = 10,
  kEtime = 11,  // derived: stime + duration
  kSensor = 12,
  kInput = 13,
  kOutput = 14,
  kNhip = 15,
  kClass = 16,     // derived from flowtype
  kType = 17,      // derived from flowtype
  kIcmpType = 18,  // derived from dport
  kIcmpCode = 19,  // derived from dport
  kInitialFlags = 20,
  kSessionFlags = 21,
  kAttributes = 22,
  kApplication = 23,
  kTos = 24,
  kVlan = 25,
  kSrcAs = 26,
  kDstAs = 27,
  kSrcMask = 28,
  kDstMask = 29,
  kExporter = 30,
  kSampling = 31,
  kFlowtype = 32,
  kBytesPerPacket = 33,  // derived
  kIpVersion = 34,       // derived
  kIcmpTypeCode = 35,    // derived, SiLK's icmpTypeCode
  kFlowId = 36,          // the flow_id of an EVE-imported flow (Suricata's)
};

inline constexpr int kMaxFieldId = 36;

// Every member of FlowRecord, each one stored column: X(FieldId, FlowRecord member,
// in-memory type). The FieldId numbers are the column ids in the flow file.
#define WEIR_STORED_COLUMNS(X)             \
  X(kSip, sip, IpAddress)                  \
  X(kDip, dip, IpAddress)                  \
  X(kSport, sport, uint16_t)               \
  X(kDport, dport, uint16_t)               \
  X(kProtocol, protocol, uint8_t)          \
  X(kPackets, packets, uint64_t)           \
  X(kBytes, bytes, uint64_t)               \
  X(kFlags, flags, uint8_t)                \
  X(kStime, stime_ms, int64_t)             \
  X(kDuration, duration_ms, uint32_t)      \
  X(kSensor, sensor, uint16_t)             \
  X(kInput, input, uint32_t)               \
  X(kOutput, output, uint32_t)             \
  X(kNhip, nhip, IpAddress)                \
  X(kInitialFlags, initial_flags, uint8_t) \
  X(kSessionFlags, session_flags, uint8_t) \
  X(kAttributes, attributes, uint8_t)      \
  X(kApplication, application, uint16_t)   \
  X(kTos, tos, uint8_t)                    \
  X(kVlan, vlan, uint16_t)                 \
  X(kSrcAs, src_as, uint32_t)              \
  X(kDstAs, dst_as, uint32_t)              \
  X(kSrcMask, src_mask, uint8_t)           \
  X(kDstMask, dst_mask, uint8_t)           \
  X(kExporter, exporter, IpAddress)        \
  X(kSampling, sampling, uint32_t)         \
  X(kFlowtype, flowtype, uint8_t)          \
  X(kFlowId, flow_id, uint64_t)

enum class FieldType {
  kIp,          // IpAddress
  kUnsigned,    // integer counter, port, index ...
  kTime,        // milliseconds since the epoch
  kDuration,    // milliseconds, printed as seconds
  kTcpFlags,    // FSRPAUEC bits
  kAttributes,  // TCFS bits
  kSensor,      // sensor id, printed by name
  kClassName,   // flowtype's class, printed by name
  kTypeName,    // flowtype's type, printed by name
  kFlowtype,    // flowtype id, printed as class/type
  kDecimal,     // a derived real number
};

struct FieldInfo {
  FieldId id;
  std::string_view name;       // canonical name, lower case: "sip", "initial_flags"
  std::string_view silk_name;  // SiLK's name ("sIP") or empty
  int silk_number;             // SiLK's rwcut field number, or 0
  std::string_view aliases;    // other accepted names, comma separated
  std::string_view title;      // column title in text output
  int width;                   // column width in text output
  FieldType type;
  bool stored;  // a column in the flow file (false: derived)
  std::string_view description;
};

std::span<const FieldInfo> AllFields();
// The field's registry entry; id must be known (see IsKnownField).
const FieldInfo& GetField(FieldId id);
// False for ids a newer weir (or a damaged file) may carry.
bool IsKnownField(FieldId id);
// Looks a field up by canonical name, SiLK name, SiLK number or alias, ignoring case.
Result<FieldId> FindField(std::string_view name);
// Parses a field list such as "1-5,sTime,bytes" (SiLK's --fields syntax).
Result<std::vector<FieldId>> ParseFieldList(std::string_view list);
// SiLK's default rwcut fields: 1-12.
std::vector<FieldId> DefaultCutFields();

// Largest value a numeric field can hold (ports 65535, protocol 255 ...).
uint64_t FieldMaxValue(FieldId id);

// Numeric value of a field (derived ones computed); IP fields return 0. For kDecimal
// fields the value is truncated.
uint64_t GetUnsigned(const FlowRecord& r, FieldId id);
// IP value of an IP field; other fields return the zero address.
IpAddress GetIp(const FlowRecord& r, FieldId id);
// The inverse of GetUnsigned / GetIp, for building a record from a key: derived
// fields set what they derive from (icmp_type sets dport's high byte and makes the
// flow ICMP; etime sets stime with duration 0; bpp sets bytes with one packet).
void SetUnsigned(FlowRecord& r, FieldId id, uint64_t value);
void SetIp(FlowRecord& r, FieldId id, const IpAddress& value);

}  // namespace weir
