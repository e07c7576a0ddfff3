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
  const size_t base = size_;
#define WEIR_RESIZE_COLUMN(id, member, type) member.resize(base + rows.size());
  WEIR_STORED_COLUMNS(WEIR_RESIZE_COLUMN)
#undef WEIR_RESIZE_COLUMN
  // Record by record: each record is read once, and every column is written in order.
#define WEIR_COLUMN_POINTER(id, member, type) type* member##_to = member.data() + base;
  WEIR_STORED_COLUMNS(WEIR_COLUMN_POINTER)
#undef WEIR_COLUMN_POINTER
  for (size_t k = 0; k < rows.size(); ++k) {
    const FlowRecord& r = records[rows[k]];
#define WEIR_SCATTER_RECORD(id, member, type) member##_to[k] = r.member;
    WEIR_STORED_COLUMNS(WEIR_SCATTER_RECORD)
#undef WEIR_SCATTER_RECORD
  }
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
  // Record by record, each written once in order. A column the batch lacks reads its
  // default: its index is masked to 0 in a "column" that is the default alone.
#define WEIR_COLUMN_SOURCE(id, member, type)                                            \
  const bool member##_has = present_.Has(FieldId::id);                                  \
  const type* member##_from = member##_has ? member.data() + begin : &kDefaults.member; \
  const size_t member##_mask = member##_has ? ~size_t{0} : 0;
  WEIR_STORED_COLUMNS(WEIR_COLUMN_SOURCE)
#undef WEIR_COLUMN_SOURCE
  for (size_t k = 0; k < count; ++k) {
    FlowRecord& r = out[k];
#define WEIR_GET_MEMBER(id, member, type) r.member = member##_from[k & member##_mask];
    WEIR_STORED_COLUMNS(WEIR_GET_MEMBER)
#undef WEIR_GET_MEMBER
  }
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
