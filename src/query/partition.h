// rwfilter's partitioning switches (--saddress, --dport, --flags-initial, ...):
// their names and help text for every command that takes them, and their values
// turned into one Predicate (all switches ANDed, as rwfilter does).
//
// The table lives here, not in the CLI, so the web UI and Python accept the same
// switch names with the same meaning.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "query/predicate.h"
#include "record/names.h"

namespace weir {

struct PartitionSwitch {
  std::string_view name;  // without "--": "saddress", "not-saddress", "dport"
  std::string_view help;
};

// Every partitioning switch, in help order.
const std::vector<PartitionSwitch>& PartitionSwitches();

// Switch values as given: (name, value) pairs, names as in PartitionSwitches().
using SwitchValues = std::vector<std::pair<std::string, std::string>>;

struct PartitionContext {
  const FlowtypeNames* names = nullptr;  // for --sensors-like values; may be null
};

// Builds the AND of every given switch. Errors name the switch and the bad value.
Result<Predicate> BuildPartition(const SwitchValues& values, const PartitionContext& context);

// Pieces shared with the expression parser.
// "S/SA,SA/SA": TCP flag letters FSRPAUEC (case-insensitive), HIGH/MASK; "S" alone is S/S.
Result<std::vector<Predicate::FlagTest>> ParseFlagTests(std::string_view text,
                                                        std::string_view letters);
Result<uint8_t> ParseFlagLetters(std::string_view text, std::string_view letters);
inline constexpr std::string_view kTcpFlagLetters = "FSRPAUEC";
inline constexpr std::string_view kAttributeLetters = "TCFS";
// "2026/11/27:13-2026/11/27:14" or one time; the end is rounded up to the end of
// its precision (a whole hour here), as rwfilter does.
Result<Predicate::Range> ParseTimeRange(std::string_view text);
// Decimal seconds "0.5-60" or "60-" to milliseconds.
Result<std::vector<Predicate::Range>> ParseSecondsRanges(std::string_view text);

}  // namespace weir
