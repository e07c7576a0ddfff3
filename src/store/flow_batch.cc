#include "store/flow_batch.h"

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
#define WEIR_APPEND_COLUMN(id, member, type) member.push_back(r.member);
  WEIR_STORED_COLUMNS(WEIR_APPEND_COLUMN)
#undef WEIR_APPEND_COLUMN
  ++size_;
}

void FlowBatch::AppendRows(const FlowBatch& src, std::span<const uint32_t> rows) {
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

void FlowBatch::GetRow(size_t i, FlowRecord& r) const {
#define WEIR_GET_COLUMN(id, member, type) \
  if (present_.Has(FieldId::id)) r.member = member[i];
  WEIR_STORED_COLUMNS(WEIR_GET_COLUMN)
#undef WEIR_GET_COLUMN
}

void FlowBatch::Clear() {
#define WEIR_CLEAR_COLUMN(id, member, type) member.clear();
  WEIR_STORED_COLUMNS(WEIR_CLEAR_COLUMN)
#undef WEIR_CLEAR_COLUMN
  size_ = 0;
  present_ = ColumnSet::All();
}

void FlowBatch::Resize(size_t n) {
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
