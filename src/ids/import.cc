#include "ids/import.h"

#include "ids/eve.h"
#include "ids/line_reader.h"
#include "store/repository_writer.h"

namespace weir {

namespace {
constexpr size_t kBatch = 65536;
}

struct EveImporter::Impl {
  EveImportOptions options;
  EveImportStats stats;
  EveParser parser;
  EveFlow flow;
  std::unique_ptr<RepositoryWriter> writer;
  std::vector<FlowRecord> pending;
  std::vector<std::pair<uint16_t, uint8_t>> targets;

  Status Store() {
    if (pending.empty()) return Status::Ok();
    if (!writer) {
      const SiteConfig* site = options.site;
      writer = std::make_unique<RepositoryWriter>(
          options.root,
          [site](uint8_t flowtype, uint16_t sensor, int64_t hour) {
            return site->FilePath(flowtype, sensor, hour);
          },
          options.writer, /*keep_open_hours=*/48);
    }
    Status s = writer->AppendRecords(pending);
    stats.stored += s.ok() ? pending.size() : 0;
    pending.clear();
    return s;
  }

  void Problem(const std::string& where, uint64_t line, const std::string& what) {
    ++stats.malformed;
    if (stats.problems.size() < options.max_reported)
      stats.problems.push_back(where + ":" + std::to_string(line) + ": " + what);
  }

  Status Add(const FlowRecord& r, const std::string& iface) {
    ++stats.records;
    targets.clear();
    options.sensors->Classify(options.probe, r, options.classify, targets);
    std::optional<uint16_t> sensor = options.sensor;
    if (!iface.empty()) {
      auto it = options.interface_sensor.find(iface);
      if (it != options.interface_sensor.end()) sensor = it->second;
    }
    for (const auto& [classified_sensor, flowtype] : targets) {
      FlowRecord& c = pending.emplace_back(r);
      c.sensor = sensor.value_or(classified_sensor);
      c.flowtype = flowtype;
      if (sensor) break;  // one sensor named: one record
    }
    return pending.size() >= kBatch ? Store() : Status::Ok();
  }
};

EveImporter::EveImporter(EveImportOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
EveImporter::~EveImporter() = default;

const EveImportStats& EveImporter::stats() const { return impl_->stats; }

Status EveImporter::ImportFile(const std::string& path) {
  Impl& m = *impl_;
  auto reader = LineReader::Open(path, m.options.max_line);
  if (!reader.ok()) return reader.status();
  LineReader& in = **reader;
  std::string_view line;
  bool too_long = false;
  while (in.Next(&line, &too_long)) {
    ++m.stats.lines;
    if (too_long) {
      ++m.stats.too_long;
      m.Problem(in.name(), in.line_number(),
                "a line longer than " + std::to_string(m.options.max_line) + " bytes");
      continue;
    }
    if (line.empty()) continue;
    auto type = m.parser.Parse(line, &m.flow, nullptr);
    if (!type.ok()) {
      m.Problem(in.name(), in.line_number(), type.status().message());
      continue;
    }
    if (*type == EveType::kOther || *type == EveType::kAlert) {
      ++m.stats.other_events;
      continue;
    }
    ++(*type == EveType::kFlow ? m.stats.flow_events : m.stats.netflow_events);
    for (int i = 0; i < m.flow.count; ++i)
      WEIR_RETURN_IF_ERROR(m.Add(m.flow.records[i], m.flow.in_iface));
  }
  WEIR_RETURN_IF_ERROR(in.status());
  return m.Store();
}

Status EveImporter::Close() {
  WEIR_RETURN_IF_ERROR(impl_->Store());
  if (impl_->writer) {
    Status s = impl_->writer->Close();
    impl_->writer.reset();
    return s;
  }
  return Status::Ok();
}

std::string EveImportSummary(const EveImportStats& s) {
  std::string out = std::to_string(s.lines) + " lines: " + std::to_string(s.flow_events) +
                    " flow and " + std::to_string(s.netflow_events) + " netflow events, " +
                    std::to_string(s.other_events) + " of other types (skipped), " +
                    std::to_string(s.malformed) + " malformed (" + std::to_string(s.too_long) +
                    " too long); " + std::to_string(s.records) + " records, " +
                    std::to_string(s.stored) + " stored";
  return out;
}

}  // namespace weir
