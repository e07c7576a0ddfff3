// The meter's statistics in Prometheus's text format, for --metrics-listen
// (doc/meter.md, "Metrics").
#pragma once

#include <string>
#include <string_view>

#include "meter/meter.h"

namespace weir {

std::string FormatPrometheus(const MeterStats& s, std::string_view version);

}  // namespace weir
