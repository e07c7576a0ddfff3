// Detection rules: what weir detect, weir collect --detect and weir detect --follow
// watch for. A rule set is a TOML file (doc/detect.md, "Rules"); weir has a
// documented default set for the networks sensor.conf calls internal. Errors name
// FILE:LINE. A Rule is plain data; the Detector (detect/detector.h) runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "net/ip_set.h"
#include "query/predicate.h"
#include "record/fields.h"
#include "site/sensor_config.h"
#include "site/site_config.h"

namespace weir {

// What a rule counts its value per: each host of a population, the sum over a
// prefix of it, a sensor, an interface of a sensor, or any record field.
enum class RuleScope : uint8_t { kHost, kPrefix, kSensor, kInterface, kKey };

// Incoming: towards the population (the key is the destination); outgoing: from it.
enum class RuleDirection : uint8_t { kIncoming, kOutgoing, kAny };

enum class Metric : uint8_t {
  kBytes,       // bytes/s
  kBits,        // bits/s
  kPackets,     // packets/s
  kFlows,       // flow records/s
  kSources,     // distinct source addresses per window
  kDports,      // distinct destination ports per window
  kSynPackets,  // packets/s of TCP flows with SYN and no ACK
  kFragments,   // packets/s of later IP fragments (ports 0 in a TCP/UDP record)
  kOutInRatio,  // a host's outgoing bytes over its incoming bytes
};
std::string_view MetricName(Metric m);
std::string_view ScopeName(RuleScope s);
std::string_view DirectionName(RuleDirection d);
// True for the metrics counted per second (the others are per window).
bool IsRate(Metric m);

// A learned threshold: a per-key moving mean and variance of the window values
// (exponentially weighted, half-life `half_life_ms`), scaled by the rule's
// time-of-day profile; the rule fires at mean + k standard deviations, and never
// below `floor`. Until a key has been learned for `warmup_ms` (a host never seen
// before), its limit is `cold` (default: 10 x floor; 0 and no floor: none).
struct Baseline {
  double k = 0;  // 0: no learned threshold
  double floor = 0;
  double cold = 0;
  int64_t half_life_ms = 3600'000;
  int64_t warmup_ms = 3600'000;
  bool time_of_day = true;  // learn a 24-hour profile of the whole rule's traffic
};

struct Rule {
  std::string name;
  std::string where;  // "rules.toml:12"
  RuleScope scope = RuleScope::kHost;
  RuleDirection direction = RuleDirection::kIncoming;
  Metric metric = Metric::kPackets;
  // The population: internal (sensor.conf's internal blocks, or --internal-ipblocks),
  // or the CIDRs and IP set files the rule lists.
  IpSet hosts;
  std::string hosts_text;              // as written, for --verify and the API
  int prefix_v4 = 24, prefix_v6 = 64;  // prefix scope
  FieldId key_field = FieldId::kSip;   // key scope
  std::string filter_text;             // the expression language; empty: every flow
  std::optional<Predicate> filter;
  double threshold = 0;  // static; 0: none (a baseline must be given)
  Baseline baseline;
  int64_t window_ms = 1000;
  int windows = 1;               // consecutive windows above the threshold to start
  double hysteresis = 0.5;       // an incident ends below threshold x hysteresis ...
  int64_t clear_ms = 30'000;     // ... held this long
  int64_t min_duration_ms = 0;   // an incident lasts at least this long
  int64_t cooldown_ms = 60'000;  // after an end, no new incident for the key this long
  double min_sources =
      0;  // a window counts only with this many distinct sources (outgoing: destinations)
  double min_bytes = 0;                // out_in_ratio: outgoing bytes/s below this never fire
  IpSet whitelist;                     // keys (hosts, prefixes) that never alert
  IpSet ignore_sources;                // flows from these are not counted
  std::vector<uint16_t> ignore_ports;  // flows from or to these ports are not counted (sorted)
  size_t max_keys = 1u << 20;          // tracked keys (doc/detect.md: "State and eviction")

  // The key of a prefix scope for an address.
  IpAddress PrefixKey(const IpAddress& a) const {
    return a.is_v4() ? a.MaskedTo(96 + prefix_v4) : a.MaskedTo(prefix_v6);
  }
};

struct RuleSet {
  std::vector<Rule> rules;
  int64_t update_ms = 10'000;  // update events of an open incident, at most this often
  std::string source;          // the file, or "(default rules)"
};

// What rules resolve against: flowtype names for filters, and the internal
// networks for `hosts = "internal"`.
struct RuleContext {
  const SiteConfig* site = nullptr;
  IpSet internal;
};

Result<RuleSet> ParseRules(std::string_view text, const std::string& name,
                           const RuleContext& context);
Result<RuleSet> LoadRules(const std::string& path, const RuleContext& context);
// The documented default rule set (doc/detect.md), as TOML.
std::string_view DefaultRulesText();
Result<RuleSet> DefaultRules(const RuleContext& context);

// Whether two rules key records alike (scope, direction, hosts, prefix lengths,
// key field, ratio or not): the detector gives them one key table.
bool SameKeying(const Rule& a, const Rule& b);
// Whether a rule counts a record at all: its filter and what it ignores.
bool RuleCounts(const Rule& rule, const FlowRecord& r);
// The keys a record counts for under a rule's keying (none, one, or for
// out_in_ratio the source and the destination host), each with whether it is
// the incoming side.
int RuleKeys(const Rule& rule, const FlowRecord& r, IpAddress keys[2], bool incoming[2]);

// One line per rule, for weir detect --verify and --status.
std::string DescribeRule(const Rule& rule);

}  // namespace weir
