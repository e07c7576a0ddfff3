#include "detect/follow.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "base/time.h"
#include "export/cursor.h"
#include "query/scan.h"

namespace weir {

namespace {

// Sleeps ms, waking early when stop is set; false when stopped.
bool Nap(int64_t ms, const std::atomic<bool>* stop) {
  const int64_t until = NowMillis() + ms;
  while (NowMillis() < until) {
    if (stop && stop->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, ms)));
  }
  return !(stop && stop->load());
}

}  // namespace

Result<FollowStats> FollowRepository(const FollowOptions& options, Detector& detector,
                                     const std::function<void(const std::string&)>& on_message) {
  constexpr int64_t kQuietMs = 2000;
  auto cursor = ExportCursor::Open(options.cursor_path);
  if (!cursor.ok()) return cursor.status();
  if (Status s = StartCursor(**cursor, options.root, options.selection, options.start); !s.ok())
    return s;
  on_message("following " + options.root + " from " +
             ((*cursor)->created() ? options.start + " (new cursor " : "cursor (") +
             options.cursor_path + ")");
  RepositoryTail tail(options.root, options.selection);
  ScanOptions scan;
  scan.columns = ColumnSet::All();
  scan.predicate = options.predicate;
  BlockSelector selector(ColumnSet::All(), scan);
  FollowStats stats;
  FlowBatch batch;
  std::vector<uint32_t> rows;
  std::vector<FlowRecord> records;
  std::vector<PendingFile> pending;
  std::vector<std::string> gone;
  const int64_t started = NowMillis();
  int64_t last_records = started, newest = std::numeric_limits<int64_t>::min();
  auto report = [&](const Status& s) {
    on_message(s.message());
    ++stats.errors;
  };
  while (!(options.stop && options.stop->load())) {
    ++stats.polls;
    if (Status s = tail.Poll(**cursor, pending, gone); !s.ok()) return s;
    ExportCursor::Update update;
    update.forget = gone;
    records.clear();
    for (const PendingFile& file : pending) {
      auto done = tail.Read(
          file,
          [&](RawBlock& raw, uint64_t end) {
            auto selected = selector.Select(raw, batch, rows);
            if (!selected.ok()) {
              report(selected.status());
            } else {
              FlowRecord r;
              for (uint32_t row : rows) {
                batch.GetRow(row, r);
                records.push_back(r);
              }
            }
            update.offsets[file.path] = end;
            return true;
          },
          report);
      if (!done.ok())
        report(done.status());  // removed or replaced meanwhile: next poll
      else if (*done > file.offset)
        update.offsets[file.path] = *done;
    }
    const int64_t now = NowMillis();
    if (!records.empty()) {
      std::stable_sort(
          records.begin(), records.end(),
          [](const FlowRecord& a, const FlowRecord& b) { return a.etime_ms() < b.etime_ms(); });
      for (size_t i = 0; i < records.size(); i += 8192)
        detector.Add(std::span(records).subspan(i, std::min<size_t>(8192, records.size() - i)));
      stats.records += records.size();
      newest = std::max(newest, records.back().etime_ms());
      last_records = now;
    } else if (newest != std::numeric_limits<int64_t>::min() && now - last_records >= kQuietMs) {
      detector.Advance(newest + (now - last_records));
    }
    if (!update.offsets.empty() || !update.forget.empty())
      if (Status s = (*cursor)->Commit(update); !s.ok()) return s;
    if (options.duration_ms && now - started >= options.duration_ms) break;
    if (!Nap(options.poll_ms, options.stop)) break;
  }
  detector.Finish();
  return stats;
}

}  // namespace weir
