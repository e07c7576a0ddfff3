// The filter expression language, in nfdump's style, compiled to a Predicate:
//
//   proto tcp and dst port 443 and bytes > 1M and not src net 10.0.0.0/8
//   (src ip 192.168.1.1 or dst ip in [10.0.0.0/8 172.16.0.0/12]) and flags S and not flags A
//   dport in [80 443 8000-8999] and stime >= 2026/11/27:13 and duration > 30
//
// Words are case-insensitive; `and`, `or`, `not` (also &&, ||, !) and parentheses
// combine; any registry field can be compared (= != < <= > >=, `in [ ... ]`).
// Numbers take k, M, G, T suffixes (powers of 1000, as nfdump); durations are seconds
// unless suffixed ms, s, m or h. doc/query.md ("The expression language") has the whole language.
#pragma once

#include <string_view>

#include "base/status.h"
#include "query/predicate.h"
#include "record/names.h"

namespace weir {

// Parses text; names (may be null) resolves sensor, class and type names. Errors
// say where: "expression: at 'bytes >' (offset 9): expected a number".
Result<Predicate> ParseExpression(std::string_view text, const FlowtypeNames* names);

}  // namespace weir
