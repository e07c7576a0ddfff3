#include "query/group_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>

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
}

void GroupPrinter::AppendGroup(std::string& out, const Aggregator& agg, size_t group,
                               const std::vector<std::string>& extra_cells) const {
  FlowRecord key = agg.KeyRecord(group);
  size_t column = 0;
  for (FieldId f : spec_.keys) {
    cell_.clear();
    AppendFieldValue(cell_, key, f, values_);
    layout_.AppendCell(out, cell_, column++);
  }
  const uint64_t* values = agg.Values(group);
  for (size_t v = 0; v < spec_.values.size(); ++v) {
    const uint64_t x = values[v];
    ValueKind kind = spec_.values[v].kind;
    if (kind == ValueKind::kStimeEarliest || kind == ValueKind::kEtimeLatest) {
      cell_.clear();
      AppendTime(cell_, static_cast<int64_t>(x), values_.time_format);
      layout_.AppendCell(out, cell_, column++);
    } else {
      char digits[24];
      const auto end = std::to_chars(digits, digits + sizeof digits, x).ptr;
      layout_.AppendCell(out, std::string_view(digits, static_cast<size_t>(end - digits)),
                         column++);
    }
  }
  for (const auto& c : extra_cells) layout_.AppendCell(out, c, column++);
  layout_.EndRow(out);
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
