// The state of live detection for operators: the rules in force, the open
// incidents, the detector's counters and each alert destination's, as text
// (weir detect --status) and JSON (--status --json, the web API). weir collect
// --detect rewrites both every second under ROOT/.weir/.
#pragma once

#include <string>
#include <vector>

#include "detect/alerts.h"
#include "detect/bgp.h"
#include "detect/live.h"

namespace weir {

struct DetectStatus {
  int64_t now_ms = 0;
  std::string rules_source;
  std::vector<std::string> rules;  // DescribeRule of each
  std::vector<OpenIncident> open;
  LiveStats stats;
  std::vector<AlertCounters> alerts;
  bool bgp = false;
  BgpCounters bgp_counters;
};

std::string DetectStatusText(const DetectStatus& status);
// The counters as Prometheus metric families (weir_detect_*), to append to the
// collector's --metrics-listen page.
std::string DetectStatusPrometheus(const DetectStatus& status);
std::string DetectStatusJson(const DetectStatus& status);

// Where weir collect --detect keeps them.
inline std::string DetectStatusPath(const std::string& root, bool json) {
  return root + (json ? "/.weir/detect.json" : "/.weir/detect.status");
}

// Where weir collect --detect appends its events unless --alert-output says otherwise.
inline std::string DetectAlertsPath(const std::string& root) { return root + "/.weir/alerts.json"; }

// What the web API serves for a repository: {"status": the running detector's
// status (null when none has written one), "events": the newest `limit` events of
// its alert file, oldest first}.
std::string DetectionJson(const std::string& root, size_t limit);

}  // namespace weir
