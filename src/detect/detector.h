// Detector: runs a rule set over a flow stream and reports incidents.
//
// Time is the flows' own (each record counts in the window of its end time), so the
// same flows give the same incidents whether they come live through weir collect,
// from a repository being followed, or from history. Per rule and key it keeps the
// current window's value, a baseline, and the incident state (doc/detect.md, "How
// rules run"):
//
// - a window's value is compared with the rule's limit (the static threshold, or
//   the learned baseline, whichever is lower once the baseline is warm); a record
//   of a long flow adds the share of its packets and bytes one window holds;
// - a key whose value passes the limit in `windows` consecutive windows starts an
//   incident as soon as its last window's running sum passes (not at the window's
//   end), unless it is whitelisted or cooling down;
// - an open incident sends an update at most every update interval and ends once
//   the value stays below limit x hysteresis for the rule's clear time (and the
//   incident has lasted its minimum duration);
// - windows close when a later record of the key arrives, or for every key when
//   Advance() moves the watermark (the newest record time, or the clock) past them.
//
// Not thread-safe: one thread adds records and advances.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "detect/report.h"
#include "detect/rules.h"
#include "record/flow_record.h"
#include "record/names.h"

namespace weir {

enum class EventKind : uint8_t { kStart, kUpdate, kEnd };
std::string_view EventKindName(EventKind kind);

struct DetectEvent {
  EventKind kind = EventKind::kStart;
  std::string rule;  // the rule's name, scope, direction and metric
  RuleScope scope = RuleScope::kHost;
  RuleDirection direction = RuleDirection::kIncoming;
  Metric metric = Metric::kPackets;
  std::string incident;  // stable: a hash of the rule, the key and the start window
  std::string key;       // the victim address, the prefix, the sensor ...
  IpPrefix address;      // host and prefix scopes (and IP keys): the key as a prefix
  bool has_address = false;
  int64_t time_ms = 0;               // when this happened, in flow time
  int64_t start_ms = 0;              // the incident's first window
  double value = 0;                  // the metric in the last window (per second for rates)
  double limit = 0;                  // the limit it was compared with (same unit)
  double peak = 0;                   // the largest window value of the incident
  double bps = 0, pps = 0, fps = 0;  // the key's flows the rule counts, last window
  std::string vector;                // the report's main vector ("" when none)
  std::string link;                  // the incident's flows in the web UI ("": no --ui-url)
  AttackReport report;
};
using EventHandler = std::function<void(const DetectEvent&)>;

struct DetectorOptions {
  // Windows close this long after the watermark passes their end, so records that
  // arrive a little late still count in them.
  int64_t lateness_ms = 2000;
  // Recent records kept to seed a new incident's report with the window that
  // started it.
  size_t recent_records = 65536;
  size_t report_entries = 4096;  // per table of an incident's report
  ReportOptions report;
  // weir serve's address (https://weir.example.net): each event of an address key
  // links to the query builder on the key's flows around the incident.
  std::string ui_url;
};

// The web UI's query builder on an address's (or prefix's) flows from `from_ms`
// to `to_ms`, top sources by bytes: ui_url/#/query?q=... (the state as the UI
// keeps it in its URL).
std::string IncidentLink(const std::string& ui_url, const IpPrefix& key, bool outgoing,
                         int64_t from_ms, int64_t to_ms);

struct DetectorStats {
  uint64_t records = 0;
  uint64_t incidents = 0;    // started
  uint64_t open = 0;         // open now
  uint64_t keys = 0;         // tracked now, all rules
  uint64_t evicted = 0;      // keys dropped to stay within max_keys
  uint64_t refused = 0;      // new keys not tracked: max_keys reached and none idle
  uint64_t whitelisted = 0;  // incidents not started: the key is whitelisted
  int64_t watermark_ms = 0;
};

// An open incident, for --status and the web page.
struct OpenIncident {
  std::string incident, rule, key;
  int64_t start_ms = 0;
  double value = 0, limit = 0, peak = 0;
};

class Detector {
 public:
  Detector(RuleSet rules, const FlowtypeNames* names, DetectorOptions options,
           EventHandler on_event);
  ~Detector();
  Detector(Detector&&) noexcept;

  // Records in about the order they were exported.
  void Add(std::span<const FlowRecord> records);
  // No record older than watermark_ms is expected (less lateness): windows before
  // it close, and incidents whose traffic stopped end.
  void Advance(int64_t watermark_ms);
  // The end of the input: every window closes and every open incident ends.
  void Finish();

  DetectorStats Stats() const;
  std::vector<OpenIncident> Open() const;
  const RuleSet& rules() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One JSON line (without the newline): event, incident, rule, key, direction,
// vector, time, start, metric, value, limit, peak, rates, report.
std::string EventJson(const DetectEvent& event);
// The same in Elastic Common Schema: @timestamp, event (kind alert, action
// incident-start/update/end, id, start, end, duration), rule.name, destination.ip
// or source.ip, network.direction, observer, message, and the whole weir event
// under "weir".
std::string EventEcsJson(const DetectEvent& event);

}  // namespace weir
