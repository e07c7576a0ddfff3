// The collector's counters in Prometheus's text exposition format (version
// 0.0.4), for --metrics-listen: the numbers of the status page, with documented
// names and labels (doc/collect.md, "Metrics"). Counters end in _total.
#pragma once

#include <string>
#include <string_view>

#include "collect/collector.h"

namespace weir {

std::string FormatPrometheus(const CollectorSnapshot& s, std::string_view version);

}  // namespace weir
