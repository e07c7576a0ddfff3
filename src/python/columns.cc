#include "python/columns.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <map>
#include <optional>

#include "base/hash.h"
#include "base/time.h"
#include "python/common.h"
#include "query/aggregate.h"
#include "query/expression.h"
#include "query/scan.h"
#include "query/time_series.h"
#include "record/fields.h"

namespace weir::python {

namespace {

// A NumPy array that owns a C++ vector.
template <typename T>
py::array_t<T> ToArray(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({owned->size()}, {sizeof(T)}, owned->data(), free);
}

// Distinct values to small codes: an open-addressing table over 128-bit keys.
class Coder {
 public:
  int32_t Code(uint64_t high, uint64_t low) {
    if ((values_.size() + 1) * 2 > slots_.size()) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t s = Mix64(high * 0x9e3779b97f4a7c15ull ^ low) & mask;; s = (s + 1) & mask) {
      int32_t c = slots_[s];
      if (c < 0) {
        slots_[s] = static_cast<int32_t>(values_.size());
        values_.push_back({high, low});
        return slots_[s];
      }
      if (values_[c].first == high && values_[c].second == low) return c;
    }
  }
  const std::vector<std::pair<uint64_t, uint64_t>>& values() const { return values_; }

 private:
  void Grow() {
    slots_.assign(std::max<size_t>(1024, slots_.size() * 2), -1);
    size_t mask = slots_.size() - 1;
    for (size_t c = 0; c < values_.size(); ++c) {
      size_t s = Mix64(values_[c].first * 0x9e3779b97f4a7c15ull ^ values_[c].second) & mask;
      while (slots_[s] >= 0) s = (s + 1) & mask;
      slots_[s] = static_cast<int32_t>(c);
    }
  }
  std::vector<int32_t> slots_;
  std::vector<std::pair<uint64_t, uint64_t>> values_;
};

// How a field crosses into Python.
enum class Kind { kUnsigned, kTime, kDuration, kAddress, kName, kDecimal };

Kind KindOf(FieldId id) {
  switch (GetField(id).type) {
    case FieldType::kIp:
      return Kind::kAddress;
    case FieldType::kTime:
      return Kind::kTime;
    case FieldType::kDuration:
      return Kind::kDuration;
    case FieldType::kSensor:
    case FieldType::kClassName:
    case FieldType::kTypeName:
    case FieldType::kFlowtype:
      return Kind::kName;
    case FieldType::kDecimal:
      return Kind::kDecimal;
    default:
      return Kind::kUnsigned;
  }
}

// One output column being filled.
struct Column {
  FieldId id;
  Kind kind;
  std::vector<uint64_t> unsigned_values;
  std::vector<int64_t> signed_values;
  std::vector<double> decimals;
  std::vector<int32_t> codes;
  Coder coder;
};

// A name column as categorical codes: ids that share a name (the flowtypes of
// one class, for `class`) share a category.
py::tuple NameCategories(const SiteConfig& site, Column& c) {
  std::map<std::string, int32_t> by_name;
  std::vector<int32_t> remap;
  py::list values;
  for (const auto& [high, low] : c.coder.values()) {
    auto [it, added] =
        by_name.emplace(NameOf(site, c.id, low), static_cast<int32_t>(by_name.size()));
    if (added) values.append(it->first);
    remap.push_back(it->second);
  }
  for (int32_t& code : c.codes) code = remap[code];
  return py::make_tuple("category", ToArray(std::move(c.codes)), values);
}

// The value of a field in row i of a batch: stored columns straight from their
// vectors, derived ones through a record.
struct RowReader {
  const FlowBatch& b;
  FlowRecord record;
  size_t loaded = SIZE_MAX;
  const FlowRecord& Record(size_t i) {
    if (loaded != i) {
      record = FlowRecord();
      b.GetRow(i, record);
      loaded = i;
    }
    return record;
  }
};

const IpAddress& StoredIp(const FlowBatch& b, FieldId id, size_t i) {
  switch (id) {
    case FieldId::kSip:
      return b.sip[i];
    case FieldId::kDip:
      return b.dip[i];
    case FieldId::kNhip:
      return b.nhip[i];
    default:
      return b.exporter[i];
  }
}

ColumnSet SourcesOf(const std::vector<FieldId>& fields) { return ColumnSet::Of(fields); }

// Scans with the GIL released (the scan's threads never touch Python); the first
// unreadable file or damaged block is raised once the scan is done.
ScanStats ScanReleasingGil(const std::vector<std::string>& paths, const ScanOptions& options,
                           const ScanConsumer& consumer) {
  std::string first_error;
  ScanStats stats;
  {
    py::gil_scoped_release release;
    stats = Scan(paths, options, consumer, [&](const Status& s) {
      if (first_error.empty()) first_error = s.message();
    });
  }
  if (!first_error.empty()) Raise(Status::Corruption(first_error));
  return stats;
}

}  // namespace

// Reads paths into columns (in file order), through the expression when given.
py::dict ReadColumns(const std::vector<std::string>& paths, const std::vector<std::string>& names,
                     const std::string& expr, const std::string& site_config,
                     const std::string& root, int threads) {
  auto site = LoadSite(site_config, root);
  std::vector<FieldId> fields;
  for (const std::string& n : names) fields.push_back(Check(FindField(n)));
  std::optional<Predicate> predicate;
  if (!expr.empty()) predicate = Check(ParseExpression(expr, site.get()));
  std::vector<Column> columns;
  for (FieldId id : fields) columns.push_back(Column{id, KindOf(id), {}, {}, {}, {}, {}});
  ScanOptions options;
  options.columns = SourcesOf(fields);
  options.predicate = predicate ? &*predicate : nullptr;
  options.threads = threads;
  options.ordered = true;
  ScanStats stats = ScanReleasingGil(
      paths, options,
      [&](int, const FlowBatch& b, std::span<const uint32_t> rows, const RawBlock&) {
        RowReader reader{b, {}};
        for (Column& c : columns) {
          const FieldInfo& info = GetField(c.id);
          // Times and names come straight from their columns; other derived
          // fields go through a record.
          const bool direct = info.stored || c.kind == Kind::kTime || c.kind == Kind::kName;
          for (uint32_t i : rows) {
            const FlowRecord* r = direct ? nullptr : &reader.Record(i);
            switch (c.kind) {
              case Kind::kAddress: {
                const IpAddress& a = r ? GetIp(*r, c.id) : StoredIp(b, c.id, i);
                c.codes.push_back(c.coder.Code(a.high64(), a.low64()));
                break;
              }
              case Kind::kTime:
                c.signed_values.push_back(b.stime_ms[i] +
                                          (c.id == FieldId::kEtime ? b.duration_ms[i] : 0));
                break;
              case Kind::kName:  // by sensor id or flowtype id; named at the end
                c.codes.push_back(
                    c.coder.Code(0, c.id == FieldId::kSensor ? b.sensor[i] : b.flowtype[i]));
                break;
              case Kind::kDecimal: {
                const FlowRecord& x = r ? *r : reader.Record(i);
                c.decimals.push_back(x.packets ? static_cast<double>(x.bytes) /
                                                     static_cast<double>(x.packets)
                                               : 0.0);
                break;
              }
              default:
                c.unsigned_values.push_back(info.stored ? b.Unsigned(c.id, i)
                                                        : GetUnsigned(*r, c.id));
                break;
            }
          }
        }
        return true;
      });
  py::dict out;
  for (size_t k = 0; k < columns.size(); ++k) {
    Column& c = columns[k];
    const std::string& name = names[k];  // as asked (an alias stays an alias)
    switch (c.kind) {
      case Kind::kAddress: {
        py::list values;
        for (const auto& [high, low] : c.coder.values())
          values.append(IpAddress::FromHalves(high, low).ToString());
        out[name.c_str()] = py::make_tuple("category", ToArray(std::move(c.codes)), values);
        break;
      }
      case Kind::kName:
        out[name.c_str()] = NameCategories(*site, c);
        break;
      case Kind::kTime:
        out[name.c_str()] = py::make_tuple("time", ToArray(std::move(c.signed_values)));
        break;
      case Kind::kDuration:
        out[name.c_str()] = py::make_tuple("duration", ToArray(std::move(c.unsigned_values)));
        break;
      case Kind::kDecimal:
        out[name.c_str()] = py::make_tuple("float", ToArray(std::move(c.decimals)));
        break;
      default:
        out[name.c_str()] =
            py::make_tuple("uint", ToArray(std::move(c.unsigned_values)), FieldMaxValue(c.id));
        break;
    }
  }
  out["__records_read__"] = stats.records_read;
  return out;
}

std::vector<std::string> SelectRepositoryFiles(const std::string& root,
                                               const std::string& site_config,
                                               const FileSelection& selection) {
  auto site = LoadSite(site_config, root);
  std::vector<std::string> paths;
  for (const SelectedFile& f : Check(SelectFiles(*site, root, selection, NowMillis())))
    if (f.exists) paths.push_back(f.path);
  return paths;
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
  std::optional<Predicate> predicate;
  if (!expr.empty()) predicate = Check(ParseExpression(expr, site.get()));
  Aggregator aggregator(spec);
  ScanOptions options;
  options.columns = aggregator.columns();
  options.predicate = predicate ? &*predicate : nullptr;
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
    Column c{k, KindOf(k), {}, {}, {}, {}, {}};
    for (size_t g = 0; g < n; ++g) {
      FlowRecord r = aggregator.KeyRecord(g);
      if (c.kind == Kind::kAddress) {
        IpAddress a = GetIp(r, k);
        c.codes.push_back(c.coder.Code(a.high64(), a.low64()));
      } else if (c.kind == Kind::kName) {
        c.codes.push_back(c.coder.Code(0, GetUnsigned(r, k)));
      } else if (c.kind == Kind::kTime) {
        c.signed_values.push_back(static_cast<int64_t>(GetUnsigned(r, k)));
      } else {
        c.unsigned_values.push_back(GetUnsigned(r, k));
      }
    }
    std::string name(GetField(k).name);
    if (c.kind == Kind::kAddress) {
      py::list values;
      for (const auto& [high, low] : c.coder.values())
        values.append(IpAddress::FromHalves(high, low).ToString());
      out[name.c_str()] = py::make_tuple("category", ToArray(std::move(c.codes)), values);
    } else if (c.kind == Kind::kName) {
      out[name.c_str()] = NameCategories(*site, c);
    } else if (c.kind == Kind::kTime) {
      out[name.c_str()] = py::make_tuple("time", ToArray(std::move(c.signed_values)));
    } else {
      out[name.c_str()] =
          py::make_tuple("uint", ToArray(std::move(c.unsigned_values)), FieldMaxValue(k));
    }
  }
  for (size_t v = 0; v < spec.values.size(); ++v) {
    std::vector<int64_t> values(n);
    for (size_t g = 0; g < n; ++g) values[g] = static_cast<int64_t>(aggregator.Value(g, v));
    const ValueKind kind = spec.values[v].kind;
    const char* how =
        kind == ValueKind::kStimeEarliest || kind == ValueKind::kEtimeLatest ? "time" : "int";
    out[spec.values[v].title.c_str()] = py::make_tuple(how, ToArray(std::move(values)));
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
  std::optional<Predicate> predicate;
  if (!expr.empty()) predicate = Check(ParseExpression(expr, site.get()));
  ScanOptions options;
  options.columns = TimeSeries::Columns();
  options.predicate = predicate ? &*predicate : nullptr;
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
  out["stime"] = py::make_tuple("time", ToArray(std::move(starts)));
  out["records"] = py::make_tuple("float", ToArray(std::move(records)));
  out["packets"] = py::make_tuple("float", ToArray(std::move(packets)));
  out["bytes"] = py::make_tuple("float", ToArray(std::move(bytes)));
  return out;
}

}  // namespace weir::python
