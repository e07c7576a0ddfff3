#include "cli/grouping.h"

#include <mutex>

namespace weir::cli {

Result<AggregateSpec> ParseAggregateSpec(const std::string& fields, const std::string& values) {
  AggregateSpec spec;
  if (fields.empty()) return Status::Invalid("--fields is required (the key, e.g. --fields=sip)");
  auto keys = ParseFieldList(fields);
  if (!keys.ok()) return keys.status().WithPrefix("--fields");
  spec.keys = *keys;
  auto v = ParseValues(values.empty() ? "records" : values);
  if (!v.ok()) return v.status().WithPrefix("--values");
  spec.values = *v;
  return spec;
}

std::unique_ptr<Aggregator> Aggregate(std::string_view command, const PreparedQuery& query,
                                      const AggregateSpec& spec, ScanStats* stats) {
  auto agg = std::make_unique<Aggregator>(spec);
  std::vector<Aggregator::Scratch> scratch(static_cast<size_t>(ScanWorkers(query.threads)));
  *stats = RunScan(
      command, query, agg->columns(), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        agg->Add(batch, rows, scratch[static_cast<size_t>(worker)], worker);
        return true;
      });
  agg->Finish();
  return agg;
}

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
  for (size_t v = 0; v < spec_.values.size(); ++v) {
    cell_.clear();
    uint64_t x = agg.Value(group, v);
    ValueKind kind = spec_.values[v].kind;
    if (kind == ValueKind::kStimeEarliest || kind == ValueKind::kEtimeLatest)
      AppendTime(cell_, static_cast<int64_t>(x), values_.time_format);
    else
      cell_ += std::to_string(x);
    layout_.AppendCell(out, cell_, column++);
  }
  for (const auto& c : extra_cells) layout_.AppendCell(out, c, column++);
  layout_.EndRow(out);
}

}  // namespace weir::cli
