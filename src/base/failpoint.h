// Failure injection for tests: named points in long-running threads where a test
// makes weir fail as the machine would. WEIR_FAILPOINTS=NAME[@N][,NAME[@N]...] in
// the environment makes the Nth pass (default the first) through point NAME throw
// std::bad_alloc, an allocation failure. Unset (always, outside tests), a point
// costs one relaxed load.
//
// Points: collect.receive (a datagram received), collect.decode (a batch of
// datagrams decoded), collect.write (a batch of records stored), store.encode (a
// block compressed), scan.block (a block scanned), export.send (a batch sent).
#pragma once

#include <atomic>
#include <string_view>

namespace weir {

namespace failpoint_internal {
extern std::atomic<bool> armed;
void Pass(std::string_view name);
}  // namespace failpoint_internal

inline void FailPoint(std::string_view name) {
  if (failpoint_internal::armed.load(std::memory_order_relaxed)) failpoint_internal::Pass(name);
}

}  // namespace weir
