#include "query/group_table.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "base/decimal.h"
#include "base/strings.h"

namespace weir {

GroupPrinter::GroupPrinter(const AggregateSpec& spec, const RecordPrinter::Options& options,
                           std::vector<std::string> extra_titles)
    : spec_(spec), keys_(spec.keys, options), values_(keys_.value_options()) {
  auto columns = keys_.LayoutColumns();
  for (const auto& v : spec_.values) {
    bool is_time = v.kind == ValueKind::kStimeEarliest || v.kind == ValueKind::kEtimeLatest;
    int width = std::max<int>(is_time ? 23 : 10, static_cast<int>(v.title.size()));
    columns.push_back({v.title, ToLower(v.title), width, !is_time});
  }
  for (auto& title : extra_titles)
    columns.push_back({title, title, std::max<int>(10, static_cast<int>(title.size())), true});
  layout_ = TableLayout(std::move(columns), options);
  for (FieldId f : spec_.keys) {
    FieldType type = GetField(f).type;
    // ICMP type and code print empty for other protocols: they need the record.
    bool icmp = f == FieldId::kIcmpType || f == FieldId::kIcmpCode || f == FieldId::kIcmpTypeCode;
    key_kinds_.push_back(type == FieldType::kIp                  ? KeyKind::kAddress
                         : type == FieldType::kUnsigned && !icmp ? KeyKind::kNumber
                                                                 : KeyKind::kRecord);
  }
}

void GroupPrinter::AppendGroup(std::string& out, const Aggregator& agg, size_t group,
                               const std::vector<std::string>& extra_cells) const {
  const uint64_t* entry = agg.GroupEntry(group);
  // Cells are written through a pointer into cells_, kept at least kRoom bytes
  // past the end of what is written; longer text goes through text_.
  constexpr size_t kRoom = 64;
  size_t used = 0;
  auto room = [&](size_t n) {
    if (cells_.size() < used + n + kRoom) cells_.resize(2 * (used + n + kRoom));
    return cells_.data() + used;
  };
  auto end_cell = [&](char* end) {
    used = static_cast<size_t>(end - cells_.data());
    ends_.push_back(static_cast<uint32_t>(used));
  };
  auto put_text = [&](std::string_view text) {
    char* p = room(text.size());
    std::memcpy(p, text.data(), text.size());
    end_cell(p + text.size());
  };
  auto put_number = [&](uint64_t x) {
    char* p = room(24);
    end_cell(PutDecimal(p, x));
  };
  ends_.clear();
  std::optional<FlowRecord> key;
  for (size_t k = 0; k < spec_.keys.size(); ++k) {
    switch (key_kinds_[k]) {
      case KeyKind::kAddress:
        if (values_.ip_format == IpFormat::kCanonical) {
          end_cell(agg.KeyAddress(entry, k).Write(room(IpAddress::kMaxTextLength)));
          continue;
        }
        text_.clear();
        AppendIpAddress(text_, agg.KeyAddress(entry, k), values_.ip_format);
        put_text(text_);
        continue;
      case KeyKind::kNumber:
        put_number(agg.KeyUnsigned(entry, k));
        continue;
      case KeyKind::kRecord:
        if (!key) key = agg.KeyRecord(group);
        text_.clear();
        AppendFieldValue(text_, *key, spec_.keys[k], values_);
        put_text(text_);
        continue;
    }
  }
  const uint64_t* values = agg.EntryValues(entry);
  for (size_t v = 0; v < spec_.values.size(); ++v) {
    ValueKind kind = spec_.values[v].kind;
    if (kind == ValueKind::kStimeEarliest || kind == ValueKind::kEtimeLatest) {
      text_.clear();
      AppendTime(text_, static_cast<int64_t>(values[v]), values_.time_format);
      put_text(text_);
    } else {
      put_number(values[v]);
    }
  }
  for (const auto& c : extra_cells) put_text(c);
  // The slack past `used` is readable, so the layout may copy cells in fixed sizes.
  layout_.AppendRow(out, std::string_view(cells_.data(), cells_.size()), ends_);
}

Ranking RankGroups(const Aggregator& agg, const RankOptions& options) {
  Ranking ranking;
  size_t groups = agg.groups();
  for (size_t g = 0; g < groups; ++g) ranking.total += agg.Value(g, 0);
  uint64_t cutoff = options.threshold;
  bool cut = options.use_threshold;
  if (options.percentage >= 0) {
    cut = true;
    cutoff = static_cast<uint64_t>(
        std::ceil(static_cast<double>(ranking.total) * options.percentage / 100.0));
  }
  auto& order = ranking.order;
  order.reserve(cut ? 0 : groups);
  for (size_t g = 0; g < groups; ++g)
    if (!cut || agg.Value(g, 0) >= cutoff) order.push_back(static_cast<uint32_t>(g));
  auto better = [&](uint32_t a, uint32_t b) {
    uint64_t x = agg.Value(a, 0), y = agg.Value(b, 0);
    if (x != y) return options.bottom ? x < y : x > y;
    return agg.CompareKeys(a, b) < 0;
  };
  size_t shown = options.count ? std::min<size_t>(options.count, order.size()) : order.size();
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(shown), order.end(),
                    better);
  order.resize(shown);
  return ranking;
}

}  // namespace weir
