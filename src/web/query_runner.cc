#include "web/query_runner.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "base/time.h"
#include "query/aggregate.h"
#include "query/group_table.h"
#include "query/scan.h"
#include "query/time_series.h"
#include "store/flow_reader.h"
#include "web/query_scan.h"

namespace weir::web {

namespace {

// Values for display and for pivots: ISO times, unpadded flags, sensor names.
FormatOptions DisplayOptions(const SiteConfig& site) {
  FormatOptions o;
  o.time_format = TimeFormat::kIso;
  o.padded_flags = false;
  o.names = &site;
  return o;
}

bool IsNumeric(FieldId id) {
  FieldType t = GetField(id).type;
  return t == FieldType::kUnsigned || t == FieldType::kDuration || t == FieldType::kDecimal;
}

void AppendKey(std::string& out, std::string_view key) {
  AppendJsonString(out, key);
  out += ':';
}

void AppendNumber(std::string& out, uint64_t v) { out += std::to_string(v); }

// Whole numbers print whole; shares of flows spread over bins keep 3 decimals.
void AppendDouble(std::string& out, double v) {
  char buf[48];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3f", v);
  out += buf;
}

// One cell: numbers bare, everything else as a JSON string.
void AppendCell(std::string& out, const FlowRecord& r, FieldId id, const FormatOptions& o,
                std::string& cell) {
  cell.clear();
  AppendFieldValue(cell, r, id, o);
  if (IsNumeric(id) && !cell.empty())
    out += cell;
  else
    AppendJsonString(out, cell);
}

void AppendColumn(std::string& out, std::string_view name, std::string_view title, bool numeric) {
  out += "{\"name\":";
  AppendJsonString(out, name);
  out += ",\"title\":";
  AppendJsonString(out, title);
  out += numeric ? ",\"numeric\":true}" : ",\"numeric\":false}";
}

void AppendFieldColumns(std::string& out, const std::vector<FieldId>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const FieldInfo& f = GetField(fields[i]);
    AppendColumn(out, f.name, f.title, IsNumeric(fields[i]));
  }
}

void AppendStats(std::string& out, RunContext& run) {
  const ScanStats& s = run.stats;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                ",\"stats\":{\"files\":%" PRIu64 ",\"records_read\":%" PRIu64
                ",\"records_passed\":%" PRIu64 ",\"blocks_read\":%" PRIu64
                ",\"blocks_skipped\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"elapsed_ms\":%" PRId64,
                s.files, s.records_read, s.records_passed, s.blocks_read, s.blocks_skipped,
                s.errors, NowMillis() - run.started_ms);
  out += buf;
  out += ",\"filter\":";
  AppendJsonString(out, run.plan.description);
  out += ",\"warnings\":[";
  for (size_t i = 0; i < run.errors.messages.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, WithoutServerPaths(run.errors.messages[i], run.plan.root));
  }
  out += "]}";
}

Status Stopped(QueryControl& control) { return Status::Unsupported(control.Explain()); }

// ---- records ---------------------------------------------------------------

// Where a record is stored, and its sort key (smaller first).
struct Position {
  uint64_t high = 0, low = 0;  // the sort key
  uint32_t input = 0, row = 0;
  uint64_t offset = 0;  // the block's offset in its file
  auto Tie() const { return std::tie(high, low, input, offset, row); }
  bool operator<(const Position& o) const { return Tie() < o.Tie(); }
};

void SortKey(const FlowBatch& batch, FieldId field, size_t row, bool descending, Position& p) {
  const FieldInfo& f = GetField(field);
  if (f.type == FieldType::kIp) {
    const IpAddress& a = batch.Ip(field, row);
    p.high = a.high64();
    p.low = a.low64();
  } else {
    p.high = 0;
    p.low = batch.Unsigned(field, row);
    if (f.type == FieldType::kTime) p.low ^= uint64_t{1} << 63;  // signed order
  }
  if (descending) {
    p.high = ~p.high;
    p.low = ~p.low;
  }
}

// The positions of the page [offset, offset + limit) of the matching records, in
// storage order or sorted; *total gets the number of matches when it is known
// (always when sorted), *more whether records follow the page.
Result<std::vector<Position>> PagePositions(RunContext& run, const QueryRequest& q, uint64_t limit,
                                            std::optional<uint64_t>* total, bool* more) {
  std::vector<Position> page;
  uint64_t end = q.offset + limit;
  if (!q.sorted) {
    // In order, reading only the filter's columns, until one past the page.
    uint64_t index = 0;
    *more = false;
    run.stats = BoundedScan(
        run, ColumnSet::None(), /*ordered=*/true,
        [&](int, const FlowBatch&, std::span<const uint32_t> rows, const RawBlock& raw) {
          if (index + rows.size() <= q.offset) {
            index += rows.size();
            return true;
          }
          for (uint32_t r : rows) {
            if (index >= end) {
              *more = true;
              return false;
            }
            if (index >= q.offset) page.push_back({0, 0, raw.input, r, raw.offset});
            ++index;
          }
          return true;
        });
    if (!*more) *total = index;
    if (run.control.reason() != StopReason::kNone) return Stopped(run.control);
    return page;
  }
  // Sorted: every worker keeps its best `end` candidates, pruning as it goes.
  size_t keep = static_cast<size_t>(end);
  size_t workers = static_cast<size_t>(ScanWorkers(run.control.limits().threads));
  if (static_cast<double>(keep) * 2 * sizeof(Position) * static_cast<double>(workers) >
      static_cast<double>(run.control.limits().memory_bytes)) {
    run.control.Stop(StopReason::kMemory);
    return Stopped(run.control);
  }
  // Per worker: the candidates, and once pruned, the key of the worst one kept;
  // later rows with a larger key can never make the page and are not stored.
  struct Best {
    std::vector<Position> candidates;
    bool pruned = false;
    uint64_t worst_high = 0, worst_low = 0;
  };
  std::vector<Best> best(workers);
  ColumnSet columns = ColumnSet::Of({q.sort});
  run.stats = BoundedScan(
      run, columns, /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock& raw) {
        Best& mine = best[static_cast<size_t>(worker)];
        auto& list = mine.candidates;
        Position p;
        p.input = raw.input;
        p.offset = raw.offset;
        for (uint32_t r : rows) {
          SortKey(batch, q.sort, r, q.descending, p);
          if (mine.pruned &&
              (p.high > mine.worst_high || (p.high == mine.worst_high && p.low > mine.worst_low)))
            continue;
          p.row = r;
          list.push_back(p);
        }
        if (list.size() > 2 * keep + 65536) {
          auto kth = list.begin() + static_cast<ptrdiff_t>(keep - 1);
          std::nth_element(list.begin(), kth, list.end());
          mine.pruned = true;
          mine.worst_high = kth->high;
          mine.worst_low = kth->low;
          list.resize(keep);
        }
        return true;
      });
  if (run.control.reason() != StopReason::kNone) return Stopped(run.control);
  std::vector<Position> all;
  for (auto& b : best) all.insert(all.end(), b.candidates.begin(), b.candidates.end());
  size_t shown = std::min(all.size(), keep);
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(shown), all.end());
  *total = run.stats.records_passed;
  *more = run.stats.records_passed > end;
  if (q.offset < shown)
    page.assign(all.begin() + static_cast<ptrdiff_t>(q.offset),
                all.begin() + static_cast<ptrdiff_t>(shown));
  return page;
}

// Reads the records at the given positions, in the same order.
Status FetchRecords(const std::vector<std::string>& inputs, const std::vector<Position>& positions,
                    ColumnSet columns, std::vector<FlowRecord>& out) {
  out.assign(positions.size(), FlowRecord());
  // Visit blocks in file order, each once.
  std::vector<uint32_t> order(positions.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const Position &x = positions[a], &y = positions[b];
    return std::tie(x.input, x.offset, x.row) < std::tie(y.input, y.offset, y.row);
  });
  std::unique_ptr<FlowFileReader> reader;
  uint32_t reader_input = UINT32_MAX;
  uint64_t batch_offset = UINT64_MAX;
  FlowBatch batch;
  for (uint32_t i : order) {
    const Position& p = positions[i];
    if (p.input != reader_input) {
      auto r = FlowFileReader::Open(inputs[p.input]);
      if (!r.ok()) return r.status();
      reader = std::move(*r);
      reader->SetColumns(columns);
      reader_input = p.input;
      batch_offset = UINT64_MAX;
    }
    if (p.offset != batch_offset) {
      if (Status s = reader->SkipTo(p.offset); !s.ok()) return s;
      if (!reader->Next(batch))
        return Status::Corruption(inputs[p.input] + ": the block at offset " +
                                  std::to_string(p.offset) + " can no longer be read");
      batch_offset = p.offset;
    }
    if (p.row >= batch.size())
      return Status::Corruption(inputs[p.input] + ": the block at offset " +
                                std::to_string(p.offset) + " changed while it was read");
    batch.GetRow(p.row, out[i]);
  }
  return Status::Ok();
}

Result<std::string> RunRecords(RunContext& run, const QueryRequest& q, const SiteConfig& site) {
  uint64_t limit = std::max<uint64_t>(1, std::min(q.limit, run.control.limits().max_rows));
  std::optional<uint64_t> total;
  bool more = false;
  auto page = PagePositions(run, q, limit, &total, &more);
  if (!page.ok()) return page.status();
  std::vector<FlowRecord> records;
  if (Status s = FetchRecords(run.plan.inputs, *page, ColumnSet::Of(q.fields), records); !s.ok())
    return s;
  std::string out = "{\"view\":\"records\",\"columns\":[";
  AppendFieldColumns(out, q.fields);
  out += "],\"rows\":[";
  FormatOptions options = DisplayOptions(site);
  std::string cell;
  for (size_t i = 0; i < records.size(); ++i) {
    out += i ? ",[" : "[";
    for (size_t f = 0; f < q.fields.size(); ++f) {
      if (f) out += ',';
      AppendCell(out, records[i], q.fields[f], options, cell);
    }
    out += ']';
  }
  out += "],\"offset\":" + std::to_string(q.offset) + ",\"limit\":" + std::to_string(limit);
  out += more ? ",\"more\":true" : ",\"more\":false";
  out += ",\"total\":" + (total ? std::to_string(*total) : std::string("null"));
  AppendStats(out, run);
  out += '}';
  return out;
}

// ---- groups ------------------------------------------------------------------

Result<std::string> RunGroups(RunContext& run, const QueryRequest& q, const SiteConfig& site) {
  auto agg = BuildGroups(run, q);
  if (!agg.ok()) return agg.status();
  const Aggregator& groups = **agg;
  RankOptions rank;
  rank.count = std::min(q.count, run.control.limits().max_rows);
  rank.bottom = q.bottom;
  Ranking ranking = RankGroups(groups, rank);
  bool top = q.view == View::kTop;
  std::string out = top ? "{\"view\":\"top\",\"columns\":[" : "{\"view\":\"group\",\"columns\":[";
  AppendFieldColumns(out, q.keys);
  for (const auto& v : q.values) {
    out += ',';
    bool is_time = v.kind == ValueKind::kStimeEarliest || v.kind == ValueKind::kEtimeLatest;
    AppendColumn(out, ToLower(v.title), v.title, !is_time);
  }
  if (top) {
    out += ',';
    AppendColumn(out, "percent", "%" + q.values[0].title, true);
    out += ',';
    AppendColumn(out, "cumulative", "cumul_%", true);
  }
  out += "],\"keys\":" + std::to_string(q.keys.size()) + ",\"rows\":[";
  FormatOptions options = DisplayOptions(site);
  std::string cell;
  uint64_t cumulative = 0;
  double total = static_cast<double>(ranking.total);
  for (size_t i = 0; i < ranking.order.size(); ++i) {
    uint32_t g = ranking.order[i];
    out += i ? ",[" : "[";
    FlowRecord key = groups.KeyRecord(g);
    for (size_t k = 0; k < q.keys.size(); ++k) {
      if (k) out += ',';
      AppendCell(out, key, q.keys[k], options, cell);
    }
    for (size_t v = 0; v < q.values.size(); ++v) {
      out += ',';
      uint64_t x = groups.Value(g, v);
      ValueKind kind = q.values[v].kind;
      if (kind == ValueKind::kStimeEarliest || kind == ValueKind::kEtimeLatest) {
        cell.clear();
        AppendTime(cell, static_cast<int64_t>(x), TimeFormat::kIso);
        AppendJsonString(out, cell);
      } else {
        AppendNumber(out, x);
      }
    }
    if (top) {
      uint64_t x = groups.Value(g, 0);
      cumulative += x;
      out += ',';
      AppendDouble(out, total > 0 ? 100.0 * static_cast<double>(x) / total : 0);
      out += ',';
      AppendDouble(out, total > 0 ? 100.0 * static_cast<double>(cumulative) / total : 0);
    }
    out += ']';
  }
  out += "],\"groups\":" + std::to_string(groups.groups());
  out += ",\"total\":" + std::to_string(ranking.total);
  AppendStats(out, run);
  out += '}';
  return out;
}

// ---- series and summary ----------------------------------------------------------

// ,"bins":[[start_ms, records, bytes, packets], ...] for every bin of [start, end).
void AppendBins(std::string& out, const TimeSeries& series, int64_t start_ms, int64_t end_ms,
                std::string_view name = "bins") {
  out += ',';
  AppendKey(out, name);
  out += '[';
  bool comma = false;
  for (int64_t t = series.BinStart(start_ms); t <= series.BinStart(end_ms - 1);
       t += series.bin_ms()) {
    TimeBin bin = series.At(t);
    out += comma ? ",[" : "[";
    comma = true;
    out += std::to_string(t);
    for (double v : {bin.records, bin.bytes, bin.packets}) {
      out += ',';
      AppendDouble(out, v);
    }
    out += ']';
  }
  out += ']';
}

Result<std::string> RunSeries(RunContext& run, const QueryRequest& q) {
  auto series = BuildSeries(run, q);
  if (!series.ok()) return series.status();
  std::string out = "{\"view\":\"series\",\"bin_ms\":" + std::to_string(q.bin_ms);
  AppendBins(out, *series, q.start_ms, q.end_ms);
  AppendStats(out, run);
  out += '}';
  return out;
}

Result<std::string> RunSummary(RunContext& run) {
  struct alignas(64) Sums {
    uint64_t records = 0, bytes = 0, packets = 0;
  };
  std::vector<Sums> sums(static_cast<size_t>(ScanWorkers(run.control.limits().threads)));
  ColumnSet columns;
  columns.Add(FieldId::kBytes);
  columns.Add(FieldId::kPackets);
  run.stats = BoundedScan(
      run, columns, /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        Sums& s = sums[static_cast<size_t>(worker)];
        s.records += rows.size();
        for (uint32_t r : rows) {
          s.bytes += batch.bytes[r];
          s.packets += batch.packets[r];
        }
        return true;
      });
  if (run.control.reason() != StopReason::kNone) return Stopped(run.control);
  Sums total;
  for (const Sums& s : sums) {
    total.records += s.records;
    total.bytes += s.bytes;
    total.packets += s.packets;
  }
  std::string out = "{\"view\":\"summary\",\"records\":" + std::to_string(total.records) +
                    ",\"bytes\":" + std::to_string(total.bytes) +
                    ",\"packets\":" + std::to_string(total.packets);
  AppendStats(out, run);
  out += '}';
  return out;
}

void AppendTopList(std::string& out, std::string_view name, const Aggregator& agg, FieldId key,
                   const FormatOptions& options) {
  RankOptions rank;
  rank.count = 10;
  Ranking ranking = RankGroups(agg, rank);
  out += ',';
  AppendKey(out, name);
  out += '[';
  std::string cell;
  for (size_t i = 0; i < ranking.order.size(); ++i) {
    out += i ? ",[" : "[";
    FlowRecord r = agg.KeyRecord(ranking.order[i]);
    cell.clear();
    AppendFieldValue(cell, r, key, options);
    AppendJsonString(out, cell);
    out += ',';
    AppendNumber(out, agg.Value(ranking.order[i], 0));
    out += ']';
  }
  out += ']';
}

}  // namespace

Result<std::string> RunOverview(const QueryPlan& plan, const SiteConfig& site,
                                QueryControl& control, int64_t start_ms, int64_t end_ms) {
  RunContext run{plan, control, {}, {}};
  auto values = ParseValues("bytes");
  auto sensor_values = ParseValues("records,bytes,packets");
  Aggregator sensors({{FieldId::kSensor}, *sensor_values, 0});
  Aggregator talkers({{FieldId::kSip}, *values, 0});
  Aggregator ports({{FieldId::kDport}, *values, 0});
  Aggregator protocols({{FieldId::kProtocol}, *values, 0});
  Aggregator* all[] = {&sensors, &talkers, &ports, &protocols};
  int64_t span = end_ms - start_ms;
  int64_t bin_ms = std::max<int64_t>(1000, FloorTo(span / 30, 1000));
  size_t workers = static_cast<size_t>(ScanWorkers(control.limits().threads));
  std::vector<std::array<Aggregator::Scratch, 4>> scratch(workers);
  std::vector<TimeSeries> parts(
      workers, TimeSeries(bin_ms, FloorTo(start_ms, bin_ms), LoadScheme::kTimeProportional));
  ColumnSet columns = TimeSeries::Columns();
  for (Aggregator* a : all)
    for (int id = 1; id <= kMaxFieldId; ++id)
      if (a->columns().Has(static_cast<FieldId>(id))) columns.Add(static_cast<FieldId>(id));
  run.stats = BoundedScan(
      run, columns, /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        auto w = static_cast<size_t>(worker);
        for (size_t a = 0; a < 4; ++a) all[a]->Add(batch, rows, scratch[w][a], worker);
        parts[w].Add(batch, rows);
        if (talkers.MemoryBytes() > control.limits().memory_bytes) {
          control.Stop(StopReason::kMemory);
          return false;
        }
        return true;
      });
  if (control.reason() != StopReason::kNone) return Stopped(control);
  for (Aggregator* a : all) a->Finish();
  for (size_t w = 1; w < parts.size(); ++w) parts[0].Merge(parts[w]);

  FormatOptions options = DisplayOptions(site);
  double seconds = static_cast<double>(span) / 1000.0;
  std::string out = "{\"view\":\"overview\",\"start\":" + std::to_string(start_ms) +
                    ",\"end\":" + std::to_string(end_ms) + ",\"sensors\":[";
  std::string cell;
  for (size_t g = 0; g < sensors.groups(); ++g) {
    out += g ? ",{" : "{";
    AppendKey(out, "sensor");
    cell.clear();
    AppendFieldValue(cell, sensors.KeyRecord(g), FieldId::kSensor, options);
    AppendJsonString(out, cell);
    out += ",\"flows\":" + std::to_string(sensors.Value(g, 0));
    out += ",\"flows_per_s\":";
    AppendDouble(out, static_cast<double>(sensors.Value(g, 0)) / seconds);
    out += ",\"bits_per_s\":";
    AppendDouble(out, 8.0 * static_cast<double>(sensors.Value(g, 1)) / seconds);
    out += ",\"packets_per_s\":";
    AppendDouble(out, static_cast<double>(sensors.Value(g, 2)) / seconds);
    out += '}';
  }
  out += ']';
  AppendTopList(out, "talkers", talkers, FieldId::kSip, options);
  AppendTopList(out, "ports", ports, FieldId::kDport, options);
  AppendTopList(out, "protocols", protocols, FieldId::kProtocol, options);
  out += ",\"bin_ms\":" + std::to_string(bin_ms);
  AppendBins(out, parts[0], start_ms, end_ms, "series");
  AppendStats(out, run);
  out += '}';
  return out;
}

Result<std::string> RunQuery(const QueryRequest& request, const QueryPlan& plan,
                             const SiteConfig& site, QueryControl& control) {
  RunContext run{plan, control, {}, {}};
  switch (request.view) {
    case View::kRecords:
      return RunRecords(run, request, site);
    case View::kTop:
    case View::kGroup:
      return RunGroups(run, request, site);
    case View::kSeries:
      return RunSeries(run, request);
    case View::kSummary:
      return RunSummary(run);
  }
  return Status::Invalid("unknown view");
}

}  // namespace weir::web
