// weir eve correlate: each Suricata alert joined to the flows behind it in a
// repository, and the internal host's traffic around it (doc/ids.md).
//
// The joins, in this order; the one that found the flows is reported:
// - flow_id: stored records imported from EVE (weir eve import) carry Suricata's
//   flow_id; the alert's own flow_id finds them at any time of the range read.
// - community_id: the alert has one, and a stored record of the alert's
//   connection (its 5-tuple either way, within the time window below) has the
//   same Community ID, computed with the given seed.
// - 5-tuple: a stored record of the 5-tuple, in either direction, whose time
//   overlaps [alert - active timeout - tolerance, alert + tolerance].
// - none: nothing found.
// The records that matched directly are extended to the whole connection: other
// records of its 5-tuple that follow or precede them with gaps of at most the
// tolerance (an exporter splits a long connection by its active timeout).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "ids/eve.h"
#include "net/ip_set.h"
#include "query/plan.h"
#include "site/site_config.h"

namespace weir {

struct CorrelateOptions {
  std::string root;
  const SiteConfig* site = nullptr;
  FileSelection selection;                // classes, types, sensors; the dates come from the alerts
  std::string expr;                       // narrows the records read (the expression language)
  int64_t active_timeout_ms = 1'800'000;  // the exporters' active timeout
  int64_t tolerance_ms = 30'000;          // clock differences, splits of a connection
  int64_t follow_ms = 3'600'000;          // how long after an alert its connection is followed
  int64_t host_window_ms = 3'600'000;     // the host summary covers the alert +- this
  uint16_t community_seed = 0;
  IpSet internal;          // the networks whose hosts are summarised
  size_t max_flows = 100;  // records listed per alert (all are counted)
  int top = 5;             // entries of the host summary's top lists
  int threads = 0;
};

enum class CorrelationMatch { kNone, kFlowId, kCommunityId, kFiveTuple };
std::string_view CorrelationMatchName(CorrelationMatch m);

struct AlertTraffic {
  uint64_t bytes_toserver = 0, bytes_toclient = 0, packets_toserver = 0, packets_toclient = 0;
  int64_t first_seen_ms = 0, last_seen_ms = 0;
  uint64_t records = 0;
};

struct TopEntry {
  std::string key;
  uint64_t bytes = 0;
};

struct HostSummary {
  IpAddress host, peer;              // the internal host; the alert's other address
  int64_t start_ms = 0, end_ms = 0;  // the window: the alert's hour +- host_window
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0, records = 0;
  uint64_t peers = 0;         // distinct peers (counted up to 16 M)
  bool peers_capped = false;  // more peers than that: the top lists count the first ones
  std::vector<TopEntry> top_peers, top_ports;
  // Other internal hosts that exchanged traffic with `peer` in the window.
  std::vector<TopEntry> spread;
  uint64_t spread_hosts = 0;
};

struct CorrelatedAlert {
  EveAlert alert;
  std::string line;  // as it came
  CorrelationMatch match = CorrelationMatch::kNone;
  std::vector<FlowRecord> flows;  // the connection's records, by start time (max_flows)
  AlertTraffic traffic;
  bool has_host = false;
  HostSummary host;
  std::string filter;  // the records read for it, as weir filter switches
};

struct CorrelateStats {
  uint64_t alerts = 0, matched = 0, by_flow_id = 0, by_community_id = 0, by_tuple = 0;
  uint64_t records_read = 0, files = 0, blocks_read = 0, blocks_skipped = 0, scans = 0;
  uint64_t errors = 0;
};

// Alerts read from EVE files: other events skipped and counted, bad lines counted
// and named ("FILE:LINE: what", the first ten).
struct EveAlertInput {
  std::vector<CorrelatedAlert> alerts;
  uint64_t lines = 0, other = 0, malformed = 0;
  std::vector<std::string> problems;
};
// Appends the alerts of a file (gzip too; "-": standard input) whose time is in
// [from_ms, to_ms). Errors are those of reading the file.
Status ReadEveAlerts(const std::string& path, EveAlertInput& in, int64_t from_ms = INT64_MIN,
                     int64_t to_ms = INT64_MAX);

// Correlates alerts (any order). Reading errors of single files are reported to
// on_error and counted; the rest is returned.
Result<std::vector<CorrelatedAlert>> Correlate(std::vector<CorrelatedAlert> alerts,
                                               const CorrelateOptions& options,
                                               CorrelateStats* stats,
                                               const std::function<void(const Status&)>& on_error);

// The records of an alert's connection read over [from, to], as weir filter
// switches (the dates, --stime and an --expr of the 5-tuple either way).
std::string CorrelationFilter(const EveAlert& alert, int64_t from, int64_t to);

// The alert's line with a "weir" member added: match, flows, traffic, host.
std::string CorrelatedJson(const CorrelatedAlert& a, const FlowtypeNames* names);

// Per signature: alerts, alerts matched, internal hosts, and the bytes of the
// distinct connections matched; a text table, largest byte count first.
std::string SignatureSummary(const std::vector<CorrelatedAlert>& alerts);

}  // namespace weir
