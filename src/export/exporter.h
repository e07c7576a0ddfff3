// Exporter: weir export's engine. Reads records (files and streams once, or a
// repository continuously behind the collector), filters them with the query
// engine's Predicate, formats them (formatter.h) and hands batches to a Sink.
//
// Follow mode keeps an ExportCursor: after the sink has acknowledged a batch the
// cursor records, in one transaction, how far each file has been exported, the
// sink's own state and the open long flows. A restart (or a crash of either
// program) continues from there: every stored record is delivered once (at
// least once to sinks that cannot take a record twice harmlessly; see
// doc/export.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "export/formatter.h"
#include "export/long_flows.h"
#include "export/repository_tail.h"
#include "export/sink.h"
#include "query/predicate.h"

namespace weir {

struct ExportOptions {
  RecordFormat format;
  const Predicate* predicate = nullptr;  // null: every record
  int threads = 0;                       // one-shot formatting workers; 0: one per core
  LongFlows::Options long_flows;
  size_t batch_bytes = 4 << 20;             // deliver when a batch reaches this size
  const std::atomic<bool>* stop = nullptr;  // set by SIGTERM/SIGINT
  // One-shot: called after each delivered batch with the records exported so far.
  std::function<void(uint64_t)> on_progress;

  // One-shot: these files and streams ("-": standard input), in order.
  std::vector<std::string> inputs;

  // Follow: this repository, from this cursor.
  bool follow = false;
  std::string root;
  TailSelection selection;
  std::string cursor_path;
  std::string start = "now";  // first run: "now", "beginning" or a time
  int64_t poll_ms = 1000;
  int64_t duration_ms = 0;    // follow: stop after this long; 0: until stopped
  bool retry_forever = true;  // follow: retry failed deliveries until stopped
};

struct ExportStats {
  uint64_t records_read = 0;
  uint64_t records_exported = 0;
  uint64_t batches = 0;
  uint64_t errors = 0;  // damaged blocks, unreadable files
};

// Runs the export; returns the first error that stopped it. Progress and
// damaged-input messages go to on_message.
Status RunExport(const ExportOptions& options, Sink& sink, ExportStats& stats,
                 const std::function<void(const std::string&)>& on_message);

}  // namespace weir
