// Reading alerts from EVE files, for weir eve correlate and weir serve's IDS view.
#include "ids/correlate.h"
#include "ids/line_reader.h"

namespace weir {

Status ReadEveAlerts(const std::string& path, EveAlertInput& in, int64_t from_ms, int64_t to_ms) {
  EveParser parser;
  EveAlert alert;
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  LineReader& r = **reader;
  std::string_view line;
  bool too_long;
  while (r.Next(&line, &too_long)) {
    ++in.lines;
    auto problem = [&](const std::string& what) {
      ++in.malformed;
      if (in.problems.size() < 10)
        in.problems.push_back(r.name() + ":" + std::to_string(r.line_number()) + ": " + what);
    };
    if (too_long) {
      problem("a line longer than 1 MiB");
      continue;
    }
    if (line.empty()) continue;
    auto type = parser.Parse(line, nullptr, &alert);
    if (!type.ok()) {
      problem(type.status().message());
    } else if (*type != EveType::kAlert) {
      ++in.other;
    } else if (alert.time_ms >= from_ms && alert.time_ms < to_ms) {
      CorrelatedAlert& c = in.alerts.emplace_back();
      c.alert = std::move(alert);
      c.line = line;
    }
  }
  return r.status();
}

}  // namespace weir
