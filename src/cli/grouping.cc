#include "cli/grouping.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
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
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", static_cast<double>(memory_limit) / 1048576);
    PrintError(command, std::string("the groups need more than --memory-limit (") + limit +
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

}  // namespace weir::cli
