#include "query/control.h"

#include <cstdio>

#include "base/time.h"

namespace weir {

bool QueryControl::ShouldStop() {
  if (reason_.load() != 0) return true;
  if (NowMillis() > deadline_ms_) Stop(StopReason::kTimeout);
  return reason_.load() != 0;
}

std::string QueryControl::Explain() const {
  switch (reason()) {
    case StopReason::kNone:
      return "the query finished";
    case StopReason::kCancelled:
      return "the query was cancelled";
    case StopReason::kTimeout: {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(limits_.timeout_ms) / 1000);
      return std::string("the query ran longer than ") + seconds +
             " s, the server's limit; narrow the time range or the filter";
    }
    case StopReason::kMemory:
      return "the query needs more than " + std::to_string(limits_.memory_bytes >> 20) +
             " MiB, the server's limit; narrow the query or the key";
    case StopReason::kRows:
      return "the result has more than " + std::to_string(limits_.max_rows) +
             " rows, the server's limit";
  }
  return "the query stopped";
}

}  // namespace weir
