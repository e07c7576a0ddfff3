#include "web/query_scan.h"

#include "web/query_runner.h"

namespace weir::web {

void ScanErrors::Add(const Status& s) {
  std::lock_guard lock(mutex);
  if (first.ok()) first = s;
  if (messages.size() < 10) messages.push_back(s.message());
}

ScanStats BoundedScan(RunContext& run, ColumnSet columns, bool ordered,
                      const ScanConsumer& consumer) {
  ScanOptions options;
  options.columns = columns;
  options.predicate = run.plan.predicate.is_all() ? nullptr : &run.plan.predicate;
  options.threads = run.control.limits().threads;
  options.ordered = ordered;
  return Scan(
      run.plan.inputs, options,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock& raw) {
        if (run.control.ShouldStop()) return false;
        return consumer(worker, batch, rows, raw);
      },
      [&](const Status& s) { run.errors.Add(s); });
}

Result<std::unique_ptr<Aggregator>> BuildGroups(RunContext& run, const QueryRequest& q) {
  AggregateSpec spec{q.keys, q.values, 0};
  auto agg = std::make_unique<Aggregator>(spec);
  size_t workers = static_cast<size_t>(ScanWorkers(run.control.limits().threads));
  std::vector<Aggregator::Scratch> scratch(workers);
  size_t memory_limit = run.control.limits().memory_bytes;
  run.stats = BoundedScan(
      run, agg->columns(), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        agg->Add(batch, rows, scratch[static_cast<size_t>(worker)], worker);
        if (agg->MemoryBytes() > memory_limit) {
          run.control.Stop(StopReason::kMemory);
          return false;
        }
        return true;
      });
  if (run.control.reason() != StopReason::kNone) return Status::Unsupported(run.control.Explain());
  agg->Finish();
  return agg;
}

Result<TimeSeries> BuildSeries(RunContext& run, const QueryRequest& q) {
  size_t workers = static_cast<size_t>(ScanWorkers(run.control.limits().threads));
  int64_t origin = FloorTo(q.start_ms, q.bin_ms);
  std::vector<TimeSeries> parts(workers, TimeSeries(q.bin_ms, origin, q.scheme));
  run.stats = BoundedScan(
      run, TimeSeries::Columns(), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        parts[static_cast<size_t>(worker)].Add(batch, rows);
        return true;
      });
  if (run.control.reason() != StopReason::kNone) return Status::Unsupported(run.control.Explain());
  for (size_t w = 1; w < parts.size(); ++w) parts[0].Merge(parts[w]);
  return std::move(parts[0]);
}

}  // namespace weir::web
