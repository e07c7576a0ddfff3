#include "query/predicate.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <type_traits>

namespace weir {

struct Predicate::Node {
  enum class Kind { kAll, kNothing, kAnd, kOr, kNot, kRanges, kIpSet, kWildcard, kFlags };
  Kind kind = Kind::kAll;
  FieldId field = FieldId::kSip;
  std::vector<Predicate> children;
  std::vector<Range> ranges;
  std::shared_ptr<const IpSet> set;
  std::optional<IpWildcard> wildcard;
  std::vector<FlagTest> flag_tests;
  std::array<uint8_t, 256> flag_table{};  // flag_table[v]: some test holds for v
};

namespace {

using Node = Predicate::Node;
using Kind = Node::Kind;
using Coverage = Predicate::Coverage;

constexpr uint64_t kNoValue = UINT64_MAX;  // derived value of a row the field does not apply to

bool IsSignedField(FieldId f) { return f == FieldId::kStime || f == FieldId::kEtime; }

uint64_t Ordered(uint64_t v, bool is_signed) { return is_signed ? v ^ (uint64_t{1} << 63) : v; }

bool InAnyRange(uint64_t v, const std::vector<UintRange>& ranges) {
  for (const auto& r : ranges)
    if (v - r.low <= r.high - r.low) return true;
  return false;
}

// out[i] = get(i) lies in one of the ranges. The subtraction trick works for
// signed values stored in uint64 too.
template <typename Get>
void FillRanges(size_t n, const Get& get, const std::vector<UintRange>& ranges, uint8_t* out) {
  if (ranges.size() == 1) {
    uint64_t low = ranges[0].low, span = ranges[0].high - ranges[0].low;
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint64_t>(get(i)) - low <= span;
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = InAnyRange(static_cast<uint64_t>(get(i)), ranges);
}

template <typename T>
uint64_t AsUint(const T& v) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<uint64_t>(v);
  else
    return 0;
}

// Fills out from an integer column; false for address columns.
template <typename T>
bool FillColumn(const Column<T>& column, size_t n, const std::vector<UintRange>& ranges,
                uint8_t* out) {
  if constexpr (std::is_integral_v<T>) {
    const T* data = column.data();
    FillRanges(
        n, [data](size_t i) { return static_cast<uint64_t>(data[i]); }, ranges, out);
    return true;
  } else {
    return false;
  }
}

// A derived or stored numeric field of row i; kNoValue when it does not apply.
// A column's value at row i, for a FlowBatch (columns) and a FlowRecord (one row).
template <typename T, typename A>
const T& At(const std::vector<T, A>& column, size_t i) {
  return column[i];
}
template <typename T>
const T& At(const T& value, size_t) {
  return value;
}

template <typename Rows>
uint64_t NumericValueOf(const Rows& b, FieldId f, size_t i) {
  // Read only for the ICMP fields: a scan decodes the columns the predicate names.
  auto is_icmp = [&] {
    const uint8_t protocol = At(b.protocol, i);
    return protocol == kProtoIcmp || protocol == kProtoIcmpV6;
  };
  switch (f) {
#define WEIR_NUMERIC_CASE(id, member, type) \
  case FieldId::id:                         \
    return AsUint(At(b.member, i));
    WEIR_STORED_COLUMNS(WEIR_NUMERIC_CASE)
#undef WEIR_NUMERIC_CASE
    case FieldId::kEtime:  // wraps, never UB
      return static_cast<uint64_t>(At(b.stime_ms, i)) + At(b.duration_ms, i);
    case FieldId::kClass:
    case FieldId::kType:
      return At(b.flowtype, i);
    case FieldId::kIcmpType:
      return is_icmp() ? At(b.dport, i) >> 8 : kNoValue;
    case FieldId::kIcmpCode:
      return is_icmp() ? At(b.dport, i) & 0xff : kNoValue;
    case FieldId::kIcmpTypeCode:
      return is_icmp() ? At(b.dport, i) : kNoValue;
    case FieldId::kBytesPerPacket: {
      const uint64_t packets = At(b.packets, i);
      return packets ? At(b.bytes, i) / packets : 0;
    }
    case FieldId::kIpVersion:
      return At(b.sip, i).is_v4() ? 4 : 6;
    default:
      return 0;
  }
}

uint64_t NumericValue(const FlowBatch& b, FieldId f, size_t i) { return NumericValueOf(b, f, i); }

void FillRangesForField(const FlowBatch& b, FieldId f, const std::vector<UintRange>& ranges,
                        uint8_t* out) {
  size_t n = b.size();
  switch (f) {
#define WEIR_FILL_CASE(id, member, type)              \
  case FieldId::id:                                   \
    if (FillColumn(b.member, n, ranges, out)) return; \
    break;
    WEIR_STORED_COLUMNS(WEIR_FILL_CASE)
#undef WEIR_FILL_CASE
    case FieldId::kEtime: {
      const int64_t* stime = b.stime_ms.data();
      const uint32_t* duration = b.duration_ms.data();
      FillRanges(
          n, [=](size_t i) { return static_cast<uint64_t>(stime[i]) + duration[i]; }, ranges, out);
      return;
    }
    default:
      break;
  }
  for (size_t i = 0; i < n; ++i) {
    uint64_t v = NumericValue(b, f, i);
    out[i] = v != kNoValue && InAnyRange(v, ranges);
  }
}

const Column<IpAddress>& IpColumn(const FlowBatch& b, FieldId f) {
  switch (f) {
    case FieldId::kDip:
      return b.dip;
    case FieldId::kNhip:
      return b.nhip;
    case FieldId::kExporter:
      return b.exporter;
    default:
      return b.sip;
  }
}

const Column<uint8_t>& FlagsColumn(const FlowBatch& b, FieldId f) {
  switch (f) {
    case FieldId::kInitialFlags:
      return b.initial_flags;
    case FieldId::kSessionFlags:
      return b.session_flags;
    case FieldId::kAttributes:
      return b.attributes;
    default:
      return b.flags;
  }
}

IpAddress RecordIp(const FlowRecord& r, FieldId f) { return GetIp(r, f); }

// Zone-map coverage of a numeric leaf.
Coverage ClassifyRanges(const Node& node, const BlockHeader& block) {
  uint64_t min, max;
  bool is_signed = IsSignedField(node.field);
  if (node.field == FieldId::kEtime) {
    const ColumnEntry* s = block.Find(FieldId::kStime);
    const ColumnEntry* d = block.Find(FieldId::kDuration);
    if (!s || !d) return Coverage::kSome;
    // Unsigned sums wrap instead of overflowing on absurd stored times.
    uint64_t lo = static_cast<uint64_t>(SignedFromOrdered(s->min)) + d->min;
    uint64_t hi = static_cast<uint64_t>(SignedFromOrdered(s->max)) + d->max;
    min = Ordered(lo, true);
    max = Ordered(hi, true);
    if (min > max) return Coverage::kSome;
  } else {
    FieldId f = node.field;
    if (f == FieldId::kClass || f == FieldId::kType) f = FieldId::kFlowtype;
    if (!GetField(f).stored) return Coverage::kSome;
    const ColumnEntry* c = block.Find(f);
    if (!c || c->is_ip) return Coverage::kSome;
    if (f == FieldId::kFlags) return Coverage::kSome;  // zone map is over the flags themselves
    min = c->min;
    max = c->max;
  }
  bool any = false;
  for (const auto& r : node.ranges) {
    uint64_t lo = Ordered(r.low, is_signed), hi = Ordered(r.high, is_signed);
    if (lo <= min && max <= hi) return Coverage::kAll;
    if (lo <= max && min <= hi) any = true;
  }
  return any ? Coverage::kSome : Coverage::kNone;
}

Coverage ClassifyIp(const Node& node, const BlockHeader& block) {
  const ColumnEntry* c = block.Find(node.field);
  if (!c || !c->is_ip) return Coverage::kSome;
  if (node.kind == Kind::kIpSet) {
    if (!node.set->Intersects(c->ip_min, c->ip_max)) return Coverage::kNone;
    // All of [min, max] inside one range of the set.
    const auto& ranges = node.set->ranges();
    Uint128 lo = ToUint128(c->ip_min), hi = ToUint128(c->ip_max);
    for (const auto& r : ranges)
      if (r.low <= lo && hi <= r.high) return Coverage::kAll;
    return Coverage::kSome;
  }
  if (c->ip_max < node.wildcard->low() || node.wildcard->high() < c->ip_min) return Coverage::kNone;
  return Coverage::kSome;
}

Coverage ClassifyNode(const Node& node, const BlockHeader& block);

Coverage ClassifyChild(const Predicate& p, const BlockHeader& block) {
  return ClassifyNode(p.node(), block);
}

Coverage ClassifyNode(const Node& node, const BlockHeader& block) {
  switch (node.kind) {
    case Kind::kAll:
      return Coverage::kAll;
    case Kind::kNothing:
      return Coverage::kNone;
    case Kind::kAnd: {
      Coverage result = Coverage::kAll;
      for (const auto& c : node.children) {
        Coverage x = ClassifyChild(c, block);
        if (x == Coverage::kNone) return x;
        if (x == Coverage::kSome) result = Coverage::kSome;
      }
      return result;
    }
    case Kind::kOr: {
      Coverage result = Coverage::kNone;
      for (const auto& c : node.children) {
        Coverage x = ClassifyChild(c, block);
        if (x == Coverage::kAll) return x;
        if (x == Coverage::kSome) result = Coverage::kSome;
      }
      return result;
    }
    case Kind::kNot: {
      Coverage x = ClassifyChild(node.children[0], block);
      return x == Coverage::kAll ? Coverage::kNone
                                 : (x == Coverage::kNone ? Coverage::kAll : Coverage::kSome);
    }
    case Kind::kRanges:
      return ClassifyRanges(node, block);
    case Kind::kIpSet:
    case Kind::kWildcard:
      return ClassifyIp(node, block);
    case Kind::kFlags:
      return Coverage::kSome;
  }
  return Coverage::kSome;
}

std::shared_ptr<Node> NewNode(Kind kind) {
  auto n = std::make_shared<Node>();
  n->kind = kind;
  return n;
}

}  // namespace

Predicate::Predicate() : node_(NewNode(Kind::kAll)) {}

Predicate Predicate::Nothing() { return Predicate(NewNode(Kind::kNothing)); }

Predicate Predicate::And(std::vector<Predicate> children) {
  std::vector<Predicate> kept;
  for (auto& c : children) {
    if (c.node_->kind == Kind::kAll) continue;
    if (c.node_->kind == Kind::kNothing) return Nothing();
    if (c.node_->kind == Kind::kAnd) {
      for (const auto& g : c.node_->children) kept.push_back(g);
      continue;
    }
    kept.push_back(std::move(c));
  }
  if (kept.empty()) return All();
  if (kept.size() == 1) return kept[0];
  auto n = NewNode(Kind::kAnd);
  n->children = std::move(kept);
  return Predicate(n);
}

Predicate Predicate::Or(std::vector<Predicate> children) {
  std::vector<Predicate> kept;
  for (auto& c : children) {
    if (c.node_->kind == Kind::kNothing) continue;
    if (c.node_->kind == Kind::kAll) return All();
    if (c.node_->kind == Kind::kOr) {
      for (const auto& g : c.node_->children) kept.push_back(g);
      continue;
    }
    kept.push_back(std::move(c));
  }
  if (kept.empty()) return Nothing();
  if (kept.size() == 1) return kept[0];
  auto n = NewNode(Kind::kOr);
  n->children = std::move(kept);
  return Predicate(n);
}

Predicate Predicate::Not(Predicate child) {
  if (child.node_->kind == Kind::kAll) return Nothing();
  if (child.node_->kind == Kind::kNothing) return All();
  if (child.node_->kind == Kind::kNot) return child.node_->children[0];
  auto n = NewNode(Kind::kNot);
  n->children.push_back(std::move(child));
  return Predicate(n);
}

Predicate Predicate::InRanges(FieldId field, std::vector<Range> ranges) {
  if (ranges.empty()) return Nothing();
  auto n = NewNode(Kind::kRanges);
  n->field = field;
  n->ranges = std::move(ranges);
  return Predicate(n);
}

Predicate Predicate::InSet(FieldId field, std::shared_ptr<const IpSet> set) {
  auto n = NewNode(Kind::kIpSet);
  n->field = field;
  n->set = std::move(set);
  return Predicate(n);
}

Predicate Predicate::MatchesWildcard(FieldId field, IpWildcard wildcard) {
  auto n = NewNode(Kind::kWildcard);
  n->field = field;
  n->wildcard = std::move(wildcard);
  return Predicate(n);
}

Predicate Predicate::FlagsMatch(FieldId field, std::vector<FlagTest> tests) {
  auto n = NewNode(Kind::kFlags);
  n->field = field;
  n->flag_tests = std::move(tests);
  for (int v = 0; v < 256; ++v)
    for (auto t : n->flag_tests)
      if ((v & t.mask) == t.high) n->flag_table[v] = 1;
  return Predicate(n);
}

bool Predicate::is_all() const { return node_->kind == Kind::kAll; }

ColumnSet Predicate::columns() const {
  ColumnSet out;
  switch (node_->kind) {
    case Kind::kAll:
    case Kind::kNothing:
      break;
    case Kind::kAnd:
    case Kind::kOr:
    case Kind::kNot:
      for (const auto& c : node_->children) {
        ColumnSet sub = c.columns();
        for (int id = 1; id <= kMaxFieldId; ++id)
          if (sub.Has(static_cast<FieldId>(id))) out.Add(static_cast<FieldId>(id));
      }
      break;
    default:
      out = ColumnSet::Of({node_->field});
      break;
  }
  return out;
}

Predicate::Coverage Predicate::Classify(const BlockHeader& block) const {
  return ClassifyNode(*node_, block);
}

namespace {

void Evaluate(const Node& node, const FlowBatch& b, const BlockHeader* block,
              Predicate::Scratch& scratch, size_t depth, uint8_t* out);

uint8_t* ScratchMask(Predicate::Scratch& scratch, size_t depth, size_t n) {
  if (scratch.masks.size() <= depth) scratch.masks.resize(depth + 1);
  auto& m = scratch.masks[depth];
  if (m.size() < n) m.resize(n);
  return m.data();
}

void EvaluateChild(const Predicate& p, const FlowBatch& b, const BlockHeader* block,
                   Predicate::Scratch& scratch, size_t depth, uint8_t* out) {
  Evaluate(p.node(), b, block, scratch, depth, out);
}

void Evaluate(const Node& node, const FlowBatch& b, const BlockHeader* block,
              Predicate::Scratch& scratch, size_t depth, uint8_t* out) {
  size_t n = b.size();
  if (block) {
    Coverage c = ClassifyNode(node, *block);
    if (c != Coverage::kSome) {
      std::memset(out, c == Coverage::kAll ? 1 : 0, n);
      return;
    }
  }
  switch (node.kind) {
    case Kind::kAll:
      std::memset(out, 1, n);
      return;
    case Kind::kNothing:
      std::memset(out, 0, n);
      return;
    case Kind::kAnd:
    case Kind::kOr: {
      EvaluateChild(node.children[0], b, block, scratch, depth + 1, out);
      uint8_t* tmp = ScratchMask(scratch, depth, n);
      for (size_t k = 1; k < node.children.size(); ++k) {
        EvaluateChild(node.children[k], b, block, scratch, depth + 1, tmp);
        if (node.kind == Kind::kAnd)
          for (size_t i = 0; i < n; ++i) out[i] &= tmp[i];
        else
          for (size_t i = 0; i < n; ++i) out[i] |= tmp[i];
      }
      return;
    }
    case Kind::kNot:
      EvaluateChild(node.children[0], b, block, scratch, depth + 1, out);
      for (size_t i = 0; i < n; ++i) out[i] ^= 1;
      return;
    case Kind::kRanges:
      FillRangesForField(b, node.field, node.ranges, out);
      return;
    case Kind::kIpSet: {
      const auto& column = IpColumn(b, node.field);
      for (size_t i = 0; i < n; ++i) out[i] = node.set->Contains(column[i]);
      return;
    }
    case Kind::kWildcard: {
      const auto& column = IpColumn(b, node.field);
      for (size_t i = 0; i < n; ++i) out[i] = node.wildcard->Matches(column[i]);
      return;
    }
    case Kind::kFlags: {
      const uint8_t* column = FlagsColumn(b, node.field).data();
      for (size_t i = 0; i < n; ++i) out[i] = node.flag_table[column[i]];
      return;
    }
  }
}

}  // namespace

void Predicate::Select(const FlowBatch& batch, Scratch& scratch, std::vector<uint32_t>& rows,
                       const BlockHeader* block) const {
  size_t n = batch.size();
  rows.clear();
  if (node_->kind == Kind::kAll || (block && Classify(*block) == Coverage::kAll)) {
    rows.resize(n);
    for (size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(i);
    return;
  }
  uint8_t* mask = ScratchMask(scratch, 0, n);
  Evaluate(*node_, batch, block, scratch, 1, mask);
  rows.resize(n);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    rows[k] = static_cast<uint32_t>(i);
    k += mask[i];
  }
  rows.resize(k);
}

bool Predicate::Matches(const FlowRecord& r) const {
  const Node& node = *node_;
  switch (node.kind) {
    case Kind::kAll:
      return true;
    case Kind::kNothing:
      return false;
    case Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const Predicate& c) { return c.Matches(r); });
    case Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const Predicate& c) { return c.Matches(r); });
    case Kind::kNot:
      return !node.children[0].Matches(r);
    case Kind::kRanges: {
      uint64_t v = NumericValueOf(r, node.field, 0);
      return v != kNoValue && InAnyRange(v, node.ranges);
    }
    case Kind::kIpSet:
      return node.set->Contains(RecordIp(r, node.field));
    case Kind::kWildcard:
      return node.wildcard->Matches(RecordIp(r, node.field));
    case Kind::kFlags: {
      const uint8_t flags = node.field == FieldId::kInitialFlags   ? r.initial_flags
                            : node.field == FieldId::kSessionFlags ? r.session_flags
                            : node.field == FieldId::kAttributes   ? r.attributes
                                                                   : r.flags;
      return node.flag_table[flags];
    }
  }
  return false;
}

std::string Predicate::ToString() const {
  const Node& node = *node_;
  auto list = [&](const char* name) {
    std::string s = std::string(name) + "(";
    for (size_t i = 0; i < node.children.size(); ++i)
      s += (i ? ", " : "") + node.children[i].ToString();
    return s + ")";
  };
  std::string field(GetField(node.field).name);
  switch (node.kind) {
    case Kind::kAll:
      return "all";
    case Kind::kNothing:
      return "nothing";
    case Kind::kAnd:
      return list("and");
    case Kind::kOr:
      return list("or");
    case Kind::kNot:
      return "not(" + node.children[0].ToString() + ")";
    case Kind::kRanges: {
      std::string s = field + " in ";
      bool is_signed = IsSignedField(node.field);
      for (size_t i = 0; i < node.ranges.size(); ++i) {
        auto text = [&](uint64_t v) {
          return is_signed ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v);
        };
        s += (i ? "," : "") + text(node.ranges[i].low);
        if (node.ranges[i].high != node.ranges[i].low) s += "-" + text(node.ranges[i].high);
      }
      return s;
    }
    case Kind::kIpSet: {
      std::string s = field + " in set(";
      auto prefixes = node.set->ToPrefixes();
      for (size_t i = 0; i < prefixes.size() && i < 8; ++i)
        s += (i ? "," : "") + prefixes[i].ToString();
      if (prefixes.size() > 8) s += ",...";
      return s + ")";
    }
    case Kind::kWildcard:
      return field + " matches " + node.wildcard->low().ToString() + "~" +
             node.wildcard->high().ToString();
    case Kind::kFlags: {
      std::string s = field + " flags";
      for (auto t : node.flag_tests)
        s += " " + std::to_string(t.high) + "/" + std::to_string(t.mask);
      return s;
    }
  }
  return "?";
}

}  // namespace weir
