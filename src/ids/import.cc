#include "ids/import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <future>
#include <thread>

#include "base/file.h"
#include "base/time.h"
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

  // A parsed record and the sensor its interface names (kNoSensor: none).
  static constexpr uint32_t kNoSensor = UINT32_MAX;
  struct Parsed {
    FlowRecord r;
    uint32_t sensor = kNoSensor;
  };

  // One line of a file: its records appended to out, or skipped, or counted as a
  // problem. Touches only the parsing side of stats (lines, events, problems).
  void ParseLine(const std::string& name, uint64_t number, std::string_view line, bool too_long,
                 std::vector<Parsed>& out) {
    ++stats.lines;
    if (too_long || line.size() > options.max_line) {
      ++stats.too_long;
      Problem(name, number, "a line longer than " + std::to_string(options.max_line) + " bytes");
      return;
    }
    if (line.empty()) return;
    auto type = parser.Parse(line, &flow, nullptr);
    if (!type.ok()) {
      Problem(name, number, type.status().message());
      return;
    }
    if (*type == EveType::kOther || *type == EveType::kAlert) {
      ++stats.other_events;
      return;
    }
    ++(*type == EveType::kFlow ? stats.flow_events : stats.netflow_events);
    uint32_t sensor = kNoSensor;
    if (!flow.in_iface.empty() && !options.interface_sensor.empty()) {
      auto it = options.interface_sensor.find(flow.in_iface);
      if (it != options.interface_sensor.end()) sensor = it->second;
    }
    for (int i = 0; i < flow.count; ++i) out.push_back({flow.records[i], sensor});
  }

  // Classifies and stores parsed records. Touches only records, stored.
  Status AddAll(const std::vector<Parsed>& parsed) {
    for (const Parsed& p : parsed) WEIR_RETURN_IF_ERROR(Add(p));
    return Status::Ok();
  }

  // One line of a file, parsed and stored.
  Status Line(const std::string& name, uint64_t number, std::string_view line, bool too_long) {
    one_.clear();
    ParseLine(name, number, line, too_long, one_);
    return AddAll(one_);
  }
  std::vector<Parsed> one_;

  Status Add(const Parsed& p) {
    const FlowRecord& r = p.r;
    ++stats.records;
    targets.clear();
    options.sensors->Classify(options.probe, r, options.classify, targets);
    std::optional<uint16_t> sensor = options.sensor;
    if (p.sensor != kNoSensor) sensor = static_cast<uint16_t>(p.sensor);
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
  // Parsing (here) and storing (another thread) overlap: this thread parses a
  // batch of lines while the previous batch is classified, encoded and written.
  constexpr size_t kLines = 16384;
  std::vector<Impl::Parsed> parsing, storing;
  std::future<Status> stored;
  bool more = true;
  while (more) {
    parsing.clear();
    for (size_t n = 0; n < kLines && (more = in.Next(&line, &too_long)); ++n)
      m.ParseLine(in.name(), in.line_number(), line, too_long, parsing);
    if (stored.valid()) WEIR_RETURN_IF_ERROR(stored.get());
    std::swap(parsing, storing);
    stored = std::async(std::launch::async, [&m, &storing] { return m.AddAll(storing); });
  }
  if (stored.valid()) WEIR_RETURN_IF_ERROR(stored.get());
  WEIR_RETURN_IF_ERROR(in.status());
  return m.Store();
}

namespace {

struct Cursor {
  uint64_t inode = 0, offset = 0;
};

Cursor ReadCursor(const std::string& path) {
  Cursor c;
  auto text = ReadFileToString(path);
  if (text.ok()) std::sscanf(text->c_str(), "%" SCNu64 " %" SCNu64, &c.inode, &c.offset);
  return c;
}

}  // namespace

Status EveImporter::Follow(const std::string& path, const EveFollowOptions& f) {
  Impl& m = *impl_;
  const int64_t started = NowMillis();
  Cursor cursor = ReadCursor(f.cursor);
  int fd = -1;
  uint64_t inode = 0, offset = 0, line_number = 0;
  std::string pending;    // the start of a line not yet complete
  bool skipping = false;  // inside a line too long to hold
  auto open_path = [&](bool resume) -> Status {
    if (fd >= 0) ::close(fd);
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
    struct stat st;
    ::fstat(fd, &st);
    inode = st.st_ino;
    offset = 0;
    line_number = 0;
    pending.clear();
    skipping = false;
    if (resume && cursor.inode == inode && cursor.offset <= static_cast<uint64_t>(st.st_size)) {
      offset = cursor.offset;
      ::lseek(fd, static_cast<off_t>(offset), SEEK_SET);
    }
    return Status::Ok();
  };
  WEIR_RETURN_IF_ERROR(open_path(/*resume=*/true));
  std::vector<char> buffer(1 << 20);
  Status result = Status::Ok();
  auto lines = [&](bool final) -> Status {
    size_t begin = 0;
    for (size_t nl; (nl = pending.find('\n', begin)) != std::string::npos; begin = nl + 1)
      WEIR_RETURN_IF_ERROR(
          m.Line(path, ++line_number, std::string_view(pending).substr(begin, nl - begin), false));
    pending.erase(0, begin);
    if (pending.size() > m.options.max_line) {  // a line too long: counted, not held
      WEIR_RETURN_IF_ERROR(m.Line(path, ++line_number, pending, true));
      pending.clear();
      skipping = true;
    }
    if (final && !pending.empty()) {  // a rotated file's last line, without its newline
      WEIR_RETURN_IF_ERROR(m.Line(path, ++line_number, pending, false));
      pending.clear();
    }
    return Status::Ok();
  };
  while (true) {
    ssize_t n;
    while ((n = ::read(fd, buffer.data(), buffer.size())) > 0) {
      offset += static_cast<uint64_t>(n);
      std::string_view got(buffer.data(), static_cast<size_t>(n));
      if (skipping) {  // the rest of a line too long
        const size_t nl = got.find('\n');
        if (nl == std::string_view::npos) continue;
        got.remove_prefix(nl + 1);
        skipping = false;
      }
      pending.append(got);
      if (Status s = lines(false); !s.ok()) return ::close(fd), s;
    }
    // At the end: store and flush, then move the cursor past the lines stored.
    if (Status s = m.Store(); !s.ok()) return ::close(fd), s;
    if (m.writer) {
      if (Status s = m.writer->Flush(/*sync=*/true); !s.ok()) return ::close(fd), s;
    }
    const std::string text =
        std::to_string(inode) + " " + std::to_string(offset - pending.size()) + "\n";
    if (Status s = WriteFileAtomically(f.cursor, text); !s.ok()) return ::close(fd), s;
    const bool stopping = (f.stop && f.stop->load()) ||
                          (f.stop_after_ms > 0 && NowMillis() - started >= f.stop_after_ms);
    if (stopping) break;
    struct stat now;
    if (::stat(path.c_str(), &now) == 0 && now.st_ino != inode) {
      // Rotated: the old file is read to its end (above); the new one from its start.
      if (Status s = lines(true); !s.ok()) return ::close(fd), s;
      cursor = {};
      if (Status s = open_path(false); !s.ok()) return s;
      continue;
    }
    struct stat st;
    if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) < offset) {
      // Truncated in place (copytruncate): from the start again.
      ::lseek(fd, 0, SEEK_SET);
      offset = 0;
      line_number = 0;
      pending.clear();
      continue;
    }
    for (int64_t waited = 0; waited < f.poll_ms && !(f.stop && f.stop->load()); waited += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::close(fd);
  return result;
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
