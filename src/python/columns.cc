#include "python/columns.h"

#include <pybind11/stl.h>

#include <optional>

#include "base/time.h"
#include "python/arrays.h"
#include "python/common.h"
#include "query/aggregate.h"
#include "query/plan.h"
#include "query/scan.h"
#include "query/time_series.h"
#include "record/fields.h"

namespace weir::python {

std::vector<std::string> SelectRepositoryFiles(const std::string& root,
                                               const std::string& site_config,
                                               const FileSelection& selection) {
  auto site = LoadSite(site_config, root);
  QuerySpec spec;
  spec.selecting = true;
  spec.selection = selection;
  return Check(PlanQuery(spec, *site, LocateRoot(root), NowMillis())).inputs;
}

// Aggregation (stats, uniq) into key and value columns.
py::dict Aggregate(const std::vector<std::string>& paths, const std::vector<std::string>& keys,
                   const std::string& values, const std::string& expr,
                   const std::string& site_config, const std::string& root, int64_t bin_ms,
                   int threads) {
  auto site = LoadSite(site_config, root);
  AggregateSpec spec;
  for (const std::string& k : keys) spec.keys.push_back(Check(FindField(k)));
  spec.values = Check(ParseValues(values));
  spec.bin_ms = bin_ms;
  const Predicate predicate = PlanPredicate(expr, *site);
  Aggregator aggregator(spec);
  ScanOptions options;
  options.columns = aggregator.columns();
  options.predicate = predicate.is_all() ? nullptr : &predicate;
  options.threads = threads;
  std::vector<Aggregator::Scratch> scratch(ScanWorkers(threads));
  ScanReleasingGil(
      paths, options,
      [&](int worker, const FlowBatch& b, std::span<const uint32_t> rows, const RawBlock&) {
        aggregator.Add(b, rows, scratch[worker], worker);
        return true;
      });
  {
    py::gil_scoped_release release;
    aggregator.Finish();
  }
  const size_t n = aggregator.groups();
  py::dict out;
  for (FieldId k : spec.keys) {
    const std::string name(GetField(k).name);
    const Kind kind = KindOf(k);
    if (kind == Kind::kAddress) {
      AddressCoder coder;
      std::vector<int32_t> codes(n);
      for (size_t g = 0; g < n; ++g) codes[g] = coder.Code(GetIp(aggregator.KeyRecord(g), k));
      coder.SortCodes(codes);
      py::list categories = AddressCategories(coder.values());
      out[name.c_str()] =
          py::make_tuple("category", ToArray(std::move(codes)), std::move(categories));
    } else if (kind == Kind::kName) {
      std::vector<int32_t> codes(n);
      for (size_t g = 0; g < n; ++g)
        codes[g] = static_cast<int32_t>(GetUnsigned(aggregator.KeyRecord(g), k));
      py::list categories = NameCategories(*site, k, codes);
      out[name.c_str()] =
          py::make_tuple("category", ToArray(std::move(codes)), std::move(categories));
    } else if (kind == Kind::kTime) {
      std::vector<int64_t> ms(n);
      for (size_t g = 0; g < n; ++g)
        ms[g] = static_cast<int64_t>(GetUnsigned(aggregator.KeyRecord(g), k));
      out[name.c_str()] = py::make_tuple("time", ToArray(MillisToNanos(std::move(ms))));
    } else {
      std::vector<uint64_t> values(n);
      for (size_t g = 0; g < n; ++g) values[g] = GetUnsigned(aggregator.KeyRecord(g), k);
      out[name.c_str()] = py::make_tuple("uint", ToArray(std::move(values)), FieldMaxValue(k));
    }
  }
  for (size_t v = 0; v < spec.values.size(); ++v) {
    std::vector<int64_t> values(n);
    for (size_t g = 0; g < n; ++g) values[g] = static_cast<int64_t>(aggregator.Value(g, v));
    const ValueKind kind = spec.values[v].kind;
    const char* title = spec.values[v].title.c_str();
    if (kind == ValueKind::kStimeEarliest || kind == ValueKind::kEtimeLatest)
      out[title] = py::make_tuple("time", ToArray(MillisToNanos(std::move(values))));
    else
      out[title] = py::make_tuple("int", ToArray(std::move(values)));
  }
  return out;
}

// Time series (rwcount): bins with records, packets and bytes.
py::dict Count(const std::vector<std::string>& paths, int64_t bin_ms, const std::string& scheme,
               const std::string& expr, const std::string& site_config, const std::string& root,
               int threads) {
  auto site = LoadSite(site_config, root);
  LoadScheme load = Check(ParseLoadScheme(scheme));
  if (bin_ms <= 0) Raise(Status::Invalid("bin size must be positive"));
  const Predicate predicate = PlanPredicate(expr, *site);
  ScanOptions options;
  options.columns = TimeSeries::Columns();
  options.predicate = predicate.is_all() ? nullptr : &predicate;
  options.threads = threads;
  std::vector<TimeSeries> series(ScanWorkers(threads), TimeSeries(bin_ms, 0, load));
  ScanReleasingGil(
      paths, options,
      [&](int worker, const FlowBatch& b, std::span<const uint32_t> rows, const RawBlock&) {
        series[worker].Add(b, rows);
        return true;
      });
  for (size_t i = 1; i < series.size(); ++i) series[0].Merge(series[i]);
  const TimeSeries& t = series[0];
  if (t.overflowed()) Raise(Status::Invalid("too many bins; use a larger bin size"));
  std::vector<int64_t> starts;
  std::vector<double> records, packets, bytes;
  if (!t.empty()) {
    for (int64_t at = t.first_bin_ms(); at <= t.last_bin_ms(); at += bin_ms) {
      TimeBin bin = t.At(at);
      starts.push_back(at);
      records.push_back(bin.records);
      packets.push_back(bin.packets);
      bytes.push_back(bin.bytes);
    }
  }
  py::dict out;
  out["stime"] = py::make_tuple("time", ToArray(MillisToNanos(std::move(starts))));
  out["records"] = py::make_tuple("float", ToArray(std::move(records)));
  out["packets"] = py::make_tuple("float", ToArray(std::move(packets)));
  out["bytes"] = py::make_tuple("float", ToArray(std::move(bytes)));
  return out;
}

}  // namespace weir::python
