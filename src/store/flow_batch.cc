#include "store/flow_batch.h"

#include <type_traits>

namespace weir {

ColumnSet ColumnSet::All() {
  ColumnSet s;
#define WEIR_ADD_COLUMN(id, member, type) s.Add(FieldId::id);
  WEIR_STORED_COLUMNS(WEIR_ADD_COLUMN)
#undef WEIR_ADD_COLUMN
  return s;
}

ColumnSet ColumnSet::Of(const std::vector<FieldId>& fields) {
  ColumnSet s;
  for (FieldId f : fields) {
    switch (f) {
      case FieldId::kEtime:
        s.Add(FieldId::kStime);
        s.Add(FieldId::kDuration);
        break;
      case FieldId::kClass:
      case FieldId::kType:
        s.Add(FieldId::kFlowtype);
        break;
      case FieldId::kIcmpType:
      case FieldId::kIcmpCode:
      case FieldId::kIcmpTypeCode:
        s.Add(FieldId::kProtocol);
        s.Add(FieldId::kDport);
        break;
      case FieldId::kBytesPerPacket:
        s.Add(FieldId::kBytes);
        s.Add(FieldId::kPackets);
        break;
      case FieldId::kIpVersion:
        s.Add(FieldId::kSip);
        break;
      default:
        s.Add(f);
    }
  }
  return s;
}

void FlowBatch::Append(const FlowRecord& r) {
  dictionaries_valid_ = 0;
#define WEIR_APPEND_COLUMN(id, member, type) member.push_back(r.member);
  WEIR_STORED_COLUMNS(WEIR_APPEND_COLUMN)
#undef WEIR_APPEND_COLUMN
  ++size_;
}

void FlowBatch::AppendRows(const FlowBatch& src, std::span<const uint32_t> rows) {
  dictionaries_valid_ = 0;
#define WEIR_GATHER_COLUMN(id, member, type)                        \
  {                                                                 \
    size_t base = member.size();                                    \
    member.resize(base + rows.size());                              \
    const type* from = src.member.data();                           \
    type* to = member.data() + base;                                \
    for (size_t k = 0; k < rows.size(); ++k) to[k] = from[rows[k]]; \
  }
  WEIR_STORED_COLUMNS(WEIR_GATHER_COLUMN)
#undef WEIR_GATHER_COLUMN
  size_ += rows.size();
}

void FlowBatch::AppendRecords(std::span<const FlowRecord> records, std::span<const uint32_t> rows) {
  dictionaries_valid_ = 0;
#define WEIR_GATHER_RECORDS(id, member, type)                                 \
  {                                                                           \
    size_t base = member.size();                                              \
    member.resize(base + rows.size());                                        \
    type* to = member.data() + base;                                          \
    for (size_t k = 0; k < rows.size(); ++k) to[k] = records[rows[k]].member; \
  }
  WEIR_STORED_COLUMNS(WEIR_GATHER_RECORDS)
#undef WEIR_GATHER_RECORDS
  size_ += rows.size();
}

namespace {

template <typename T>
uint64_t AsUnsigned(const T& v) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<uint64_t>(v);
  else
    return 0;
}

}  // namespace

uint64_t FlowBatch::Unsigned(FieldId id, size_t i) const {
  auto is_icmp = [&] { return protocol[i] == kProtoIcmp || protocol[i] == kProtoIcmpV6; };
  switch (id) {
#define WEIR_UNSIGNED_CASE(fid, member, type) \
  case FieldId::fid:                          \
    return AsUnsigned(member[i]);
    WEIR_STORED_COLUMNS(WEIR_UNSIGNED_CASE)
#undef WEIR_UNSIGNED_CASE
    case FieldId::kEtime:
      return static_cast<uint64_t>(stime_ms[i]) + duration_ms[i];
    case FieldId::kClass:
    case FieldId::kType:
      return flowtype[i];
    case FieldId::kIcmpType:
      return is_icmp() ? dport[i] >> 8 : 0;
    case FieldId::kIcmpCode:
      return is_icmp() ? dport[i] & 0xff : 0;
    case FieldId::kIcmpTypeCode:
      return is_icmp() ? dport[i] : 0;
    case FieldId::kBytesPerPacket:
      return packets[i] ? bytes[i] / packets[i] : 0;
    case FieldId::kIpVersion:
      return sip[i].is_v4() ? 4 : 6;
  }
  return 0;
}

const IpAddress& FlowBatch::Ip(FieldId id, size_t i) const {
  switch (id) {
    case FieldId::kDip:
      return dip[i];
    case FieldId::kNhip:
      return nhip[i];
    case FieldId::kExporter:
      return exporter[i];
    default:
      return sip[i];
  }
}

void FlowBatch::GetRow(size_t i, FlowRecord& r) const {
#define WEIR_GET_COLUMN(id, member, type) \
  if (present_.Has(FieldId::id)) r.member = member[i];
  WEIR_STORED_COLUMNS(WEIR_GET_COLUMN)
#undef WEIR_GET_COLUMN
}

void FlowBatch::GetRange(size_t begin, size_t count, FlowRecord* out) const {
  static const FlowRecord kDefaults;
#define WEIR_GET_COLUMN_RANGE(id, member, type)                          \
  if (present_.Has(FieldId::id)) {                                       \
    const type* column = member.data() + begin;                          \
    for (size_t k = 0; k < count; ++k) out[k].member = column[k];        \
  } else {                                                               \
    for (size_t k = 0; k < count; ++k) out[k].member = kDefaults.member; \
  }
  WEIR_STORED_COLUMNS(WEIR_GET_COLUMN_RANGE)
#undef WEIR_GET_COLUMN_RANGE
}

void FlowBatch::Clear() {
  dictionaries_valid_ = 0;
#define WEIR_CLEAR_COLUMN(id, member, type) member.clear();
  WEIR_STORED_COLUMNS(WEIR_CLEAR_COLUMN)
#undef WEIR_CLEAR_COLUMN
  size_ = 0;
  present_ = ColumnSet::All();
}

void FlowBatch::Resize(size_t n) {
  dictionaries_valid_ = 0;
#define WEIR_RESIZE_COLUMN(id, member, type) member.resize(n);
  WEIR_STORED_COLUMNS(WEIR_RESIZE_COLUMN)
#undef WEIR_RESIZE_COLUMN
  size_ = n;
  present_ = ColumnSet::All();
}

void FlowBatch::Reserve(size_t n) {
#define WEIR_RESERVE_COLUMN(id, member, type) member.reserve(n);
  WEIR_STORED_COLUMNS(WEIR_RESERVE_COLUMN)
#undef WEIR_RESERVE_COLUMN
}

}  // namespace weir
