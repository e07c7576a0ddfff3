// sysUpTime arithmetic shared by NetFlow v5 and v9 (and IPFIX's flowStartSysUpTime).
#pragma once

#include <cstdint>

namespace weir {

// How long before the export an event at uptime `event_ms` happened, given the
// export's uptime. Uptimes are 32-bit milliseconds that wrap every 49.7 days, so
// the age is taken modulo 2^32: a flow always starts before it is exported. Events
// up to a minute after the export's uptime (exporters whose clocks disagree with
// their own header) count as that little in the future, not as 49 days old.
inline int64_t UptimeAge(uint32_t export_uptime_ms, uint32_t event_ms) {
  constexpr uint32_t kSkewMs = 60'000;
  uint32_t age = export_uptime_ms - event_ms;
  if (age > UINT32_MAX - kSkewMs) return -static_cast<int64_t>(UINT32_MAX - age) - 1;
  return age;
}

}  // namespace weir
