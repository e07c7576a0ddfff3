#include "cli/grouping.h"

#include <unistd.h>

#include <atomic>
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
                                      const AggregateSpec& spec, ScanStats* stats,
                                      size_t memory_limit) {
  auto agg = std::make_unique<Aggregator>(spec);
  std::vector<Aggregator::Scratch> scratch(static_cast<size_t>(ScanWorkers(query.threads)));
  std::atomic<bool> over{false};
  *stats = RunScan(
      command, query, agg->columns(), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        agg->Add(batch, rows, scratch[static_cast<size_t>(worker)], worker);
        if (memory_limit && agg->MemoryBytes() > memory_limit) over = true;
        return !over.load();
      });
  if (over) {
    PrintError(command, "the groups need more than --memory-limit (" +
                            std::to_string(memory_limit >> 20) +
                            " MiB); raise it, or narrow the query or the key");
    return nullptr;
  }
  agg->Finish();
  return agg;
}

size_t DefaultMemoryLimit() {
  long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0) return size_t{4} << 30;
  return static_cast<size_t>(pages) * static_cast<size_t>(size) / 2;
}

void AddMemoryLimitOption(CLI::App& app, double& mib) {
  mib = static_cast<double>(DefaultMemoryLimit() >> 20);
  app.add_option("--memory-limit", mib,
                 "MiB the group table may use before the command stops with an error "
                 "(default: half of the machine's memory)");
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
