// Detection behind a repository (weir detect --follow): what a collector (or
// meter) stores is read from a cursor, as weir export --follow reads it, and run
// through a Detector. Each poll's new records go in sorted by end time; the cursor
// is committed once they are detected and their events handed to the alert
// destinations. When nothing new is stored for 2 seconds the watermark moves on
// at the clock's pace from the newest record time, so incidents end.
//
// The detector's state (windows, baselines, open incidents) lives in memory: a
// restart starts it afresh from the cursor, and incidents open at a crash get no
// end event.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "base/status.h"
#include "detect/detector.h"
#include "export/repository_tail.h"
#include "query/predicate.h"

namespace weir {

struct FollowOptions {
  std::string root;
  TailSelection selection;
  std::string cursor_path;
  std::string start = "now";             // a new cursor: beginning, now, or a time
  const Predicate* predicate = nullptr;  // partitioning switches and --expr
  int64_t poll_ms = 1000;
  int64_t duration_ms = 0;  // 0: until stop
  const std::atomic<bool>* stop = nullptr;
};

struct FollowStats {
  uint64_t records = 0;
  uint64_t polls = 0;
  uint64_t errors = 0;  // damaged blocks, unreadable files (reported and passed over)
};

// Runs until stop (or duration), then finishes the detector (open incidents end).
Result<FollowStats> FollowRepository(const FollowOptions& options, Detector& detector,
                                     const std::function<void(const std::string&)>& on_message);

}  // namespace weir
