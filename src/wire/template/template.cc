#include "wire/template/template.h"

#include <algorithm>
#include <string>

#include "base/bytes.h"

namespace weir {

namespace {

// IPFIX information elements (RFC 7012, IANA registry); v9 shares 1-127.
FieldKind StandardField(uint16_t id) {
  switch (id) {
    case 1:
      return FieldKind::kOctets;
    case 2:
      return FieldKind::kPackets;
    case 4:
      return FieldKind::kProtocol;
    case 5:
      return FieldKind::kTos;
    case 6:
      return FieldKind::kTcpFlags;
    case 7:
      return FieldKind::kSport;
    case 8:
      return FieldKind::kSip;
    case 9:
      return FieldKind::kSrcMask;
    case 10:
      return FieldKind::kInput;
    case 11:
      return FieldKind::kDport;
    case 12:
      return FieldKind::kDip;
    case 13:
      return FieldKind::kDstMask;
    case 14:
      return FieldKind::kOutput;
    case 15:
      return FieldKind::kNextHop;
    case 16:
      return FieldKind::kSrcAs;
    case 17:
      return FieldKind::kDstAs;
    case 18:
      return FieldKind::kBgpNextHop;
    case 21:
      return FieldKind::kEndUptime;
    case 22:
      return FieldKind::kStartUptime;
    case 27:
      return FieldKind::kSip;
    case 28:
      return FieldKind::kDip;
    case 29:
      return FieldKind::kSrcMask;
    case 30:
      return FieldKind::kDstMask;
    case 32:
      return FieldKind::kIcmpTypeCode;
    case 34:
      return FieldKind::kSamplingInterval;
    case 48:
      return FieldKind::kSamplerId;  // v9 FLOW_SAMPLER_ID, IPFIX samplerId
    case 50:
      return FieldKind::kSamplingInterval;  // samplerRandomInterval
    case 58:
      return FieldKind::kVlan;
    case 62:
      return FieldKind::kNextHop;
    case 63:
      return FieldKind::kBgpNextHop;
    case 82:
      return FieldKind::kInterfaceName;
    case 85:
      return FieldKind::kOctetsTotal;
    case 86:
      return FieldKind::kPacketsTotal;
    case 136:
      return FieldKind::kFlowEndReason;
    case 139:
      return FieldKind::kIcmpTypeCode;
    case 150:
      return FieldKind::kStartSeconds;
    case 151:
      return FieldKind::kEndSeconds;
    case 152:
      return FieldKind::kStartMillis;
    case 153:
      return FieldKind::kEndMillis;
    case 154:
      return FieldKind::kStartMicros;
    case 155:
      return FieldKind::kEndMicros;
    case 156:
      return FieldKind::kStartNanos;
    case 157:
      return FieldKind::kEndNanos;
    case 158:
      return FieldKind::kStartDeltaMicros;
    case 159:
      return FieldKind::kEndDeltaMicros;
    case 160:
      return FieldKind::kSystemInitMillis;
    case 161:
      return FieldKind::kDurationMillis;
    case 162:
      return FieldKind::kDurationMicros;
    case 176:
      return FieldKind::kIcmpType;
    case 177:
      return FieldKind::kIcmpCode;
    case 178:
      return FieldKind::kIcmpType;
    case 179:
      return FieldKind::kIcmpCode;
    case 231:
      return FieldKind::kInitiatorOctets;
    case 232:
      return FieldKind::kResponderOctets;
    case 243:
      return FieldKind::kVlan;
    case 298:
      return FieldKind::kInitiatorPackets;
    case 299:
      return FieldKind::kResponderPackets;
    case 302:
      return FieldKind::kSamplerId;  // selectorId
    case 312:
      return FieldKind::kFrameSize;
    case 313:
      return FieldKind::kIpHeaderSection;
    case 315:
      return FieldKind::kFrameSection;
    case 305:
      return FieldKind::kSamplingPacketInterval;
    case 306:
      return FieldKind::kSamplingPacketSpace;
    default:
      return FieldKind::kSkip;
  }
}

bool IsAddress(FieldKind k) {
  return k == FieldKind::kSip || k == FieldKind::kDip || k == FieldKind::kNextHop ||
         k == FieldKind::kBgpNextHop;
}

}  // namespace

FieldKind ClassifyField(uint32_t enterprise, uint16_t id, uint16_t length) {
  FieldKind kind = FieldKind::kSkip;
  if (enterprise == 0) {
    kind = StandardField(id);
  } else if (enterprise == kPenIpfixReverse) {
    switch (id) {  // RFC 5103: the reverse of standard element `id`
      case 1:
        kind = FieldKind::kReverseOctets;
        break;
      case 2:
        kind = FieldKind::kReversePackets;
        break;
      case 6:
        kind = FieldKind::kReverseTcpFlags;
        break;
      case 152:
        kind = FieldKind::kReverseStartMillis;
        break;
      case 153:
        kind = FieldKind::kReverseEndMillis;
        break;
      default:
        break;
    }
  } else if (enterprise == kPenCert) {
    switch (id) {  // YAF's elements that have a SiLK field
      case 14:
        kind = FieldKind::kInitialFlags;
        break;
      case 15:
        kind = FieldKind::kUnionFlags;
        break;
      case 21:
        kind = FieldKind::kReverseDeltaMillis;
        break;
      case 33:
        kind = FieldKind::kApplication;
        break;
      case 16398:
        kind = FieldKind::kReverseInitialFlags;
        break;
      case 16399:
        kind = FieldKind::kReverseUnionFlags;
        break;
      default:
        break;
    }
  }
  const bool bytes_field = kind == FieldKind::kInterfaceName || kind == FieldKind::kFrameSection ||
                           kind == FieldKind::kIpHeaderSection;
  if (length == kVariableLength && !bytes_field) return FieldKind::kSkip;
  if (IsAddress(kind) && length != 4 && length != 16) return FieldKind::kSkip;
  if (kind != FieldKind::kSkip && !bytes_field && !IsAddress(kind) && (length == 0 || length > 8))
    return FieldKind::kSkip;
  // A v9 or IPFIX address element must match its family's length.
  if ((id == 8 || id == 12 || id == 15 || id == 18) && enterprise == 0 && length != 4)
    return FieldKind::kSkip;
  if ((id == 27 || id == 28 || id == 62 || id == 63) && enterprise == 0 && length != 16)
    return FieldKind::kSkip;
  return kind;
}

bool ReadTemplateSet(Exporter::TemplateState& state, ExporterCounters& counters,
                     const WireLimits& limits, const MessageContext& context, bool options,
                     std::span<const std::byte> set, std::vector<uint16_t>& added) {
  ByteReader r(set);
  const bool ipfix = context.version == 10;
  while (r.remaining() >= 4) {  // fewer bytes left: padding (RFC 7011 section 3.3.1)
    uint16_t id = r.U16Be();
    uint16_t field_count = 0, scope_count = 0;
    if (ipfix) {
      field_count = r.U16Be();
      if (options && field_count > 0) scope_count = r.U16Be();
    } else if (options) {
      uint16_t scope_bytes = r.U16Be();
      uint16_t option_bytes = r.U16Be();
      if (scope_bytes % 4 != 0 || option_bytes % 4 != 0) return false;
      scope_count = scope_bytes / 4;
      field_count = static_cast<uint16_t>(scope_count + option_bytes / 4);
    } else {
      field_count = r.U16Be();
    }
    if (!r.ok()) return false;
    if (ipfix && field_count == 0) {
      // Withdrawal (RFC 7011 section 8.1); the set id itself withdraws them all.
      const uint64_t scope = Exporter::TemplateState::Scope(context);
      for (auto it = state.templates.begin(); it != state.templates.end();) {
        bool all = id == (options ? 3 : 2);
        if (it->first >> 16 == scope && (all || (it->first & 0xffff) == id))
          it = state.templates.erase(it);
        else
          ++it;
      }
      continue;
    }
    if (id < 256) return false;
    if (ipfix && options && (scope_count == 0 || scope_count > field_count)) return false;
    Template t;
    t.options = options;
    t.scope_count = scope_count;
    t.fields.reserve(std::min<size_t>(field_count, r.remaining() / 4));
    for (uint16_t i = 0; i < field_count; ++i) {
      TemplateField f;
      f.id = r.U16Be();
      f.length = r.U16Be();
      if (ipfix && (f.id & 0x8000)) {
        f.id &= 0x7fff;
        f.enterprise = r.U32Be();
      }
      if (!r.ok()) return false;
      // v9 scope fields are typed by scope number, not element id: skip their values.
      f.kind = (!ipfix && options && i < scope_count) ? FieldKind::kSkip
                                                      : ClassifyField(f.enterprise, f.id, f.length);
      if (f.length == kVariableLength && ipfix) {
        t.variable = true;
        t.min_length += 1;
      } else {
        t.min_length += f.length;
      }
      t.fields.push_back(f);
    }
    if (!t.variable) {
      size_t offset = 0;
      for (const TemplateField& f : t.fields) {
        if (f.kind != FieldKind::kSkip)
          t.plan.push_back({static_cast<uint16_t>(offset), f.length, f.kind});
        offset += f.length;
      }
      t.columnar =
          !options && std::none_of(t.fields.begin(), t.fields.end(),
                                   [](const TemplateField& f) { return IsReverseKind(f.kind); });
    }
    // A record of no bytes would be read forever: refuse the template.
    if (t.min_length == 0 || t.min_length > 65535) {
      ++counters.templates_rejected;
      continue;
    }
    uint64_t key = Exporter::TemplateState::Key(context, id);
    auto it = state.templates.find(key);
    if (it == state.templates.end() && state.templates.size() >= limits.max_templates) {
      ++counters.templates_rejected;
      continue;
    }
    state.templates[key] = std::move(t);
    ++counters.templates;
    added.push_back(id);
  }
  return r.ok();
}

}  // namespace weir
