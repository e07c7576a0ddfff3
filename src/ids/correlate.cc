#include "ids/correlate.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "base/flat_index.h"
#include "base/hash.h"
#include "base/time.h"
#include "ids/stored_range.h"
#include "net/community_id.h"
#include "query/scan.h"

namespace weir {

namespace {

struct PortHash {
  size_t operator()(uint16_t p) const { return static_cast<size_t>(Mix64(p)); }
};

// Bytes by key, every key (a flat table: one probe per record, no node per key).
// Bounded only by kMaxKeys, far above what an hour of one host holds; `full` says
// that keys beyond it were not counted.
template <typename Key, typename Hash>
struct Counter {
  static constexpr size_t kMaxKeys = size_t{1} << 24;
  FlatIndex<Key, Hash> index;
  std::vector<Key> keys;
  std::vector<uint64_t> bytes;
  bool full = false;

  void Add(const Key& k, uint64_t b) {
    uint32_t slot = index.Find(k);
    if (slot == FlatIndex<Key, Hash>::kMissing) {
      if (keys.size() >= kMaxKeys) {
        full = true;
        return;
      }
      slot = static_cast<uint32_t>(keys.size());
      index.Insert(k, slot);
      keys.push_back(k);
      bytes.push_back(0);
    }
    bytes[slot] += b;
  }
  void Merge(const Counter& o) {
    for (size_t i = 0; i < o.keys.size(); ++i) Add(o.keys[i], o.bytes[i]);
    full = full || o.full;
  }
};

// A connection's 5-tuple, the same either way: the smaller endpoint first. ICMP
// keeps no ports (a request and its reply differ in type).
struct Tuple {
  IpAddress a, b;
  uint16_t pa = 0, pb = 0;
  uint8_t protocol = 0;
  bool operator==(const Tuple&) const = default;
};

struct TupleHash {
  size_t operator()(const Tuple& t) const {
    return IpAddressHash()(t.a) ^ (IpAddressHash()(t.b) * 31) ^
           (size_t{t.pa} << 24 | size_t{t.pb} << 8 | t.protocol) * 0x9E3779B97F4A7C15ull;
  }
};

Tuple MakeTuple(const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp, uint8_t proto) {
  if (proto == kProtoIcmp || proto == kProtoIcmpV6) sp = dp = 0;
  Tuple t{s, d, sp, dp, proto};
  if (std::tie(t.b, t.pb) < std::tie(t.a, t.pa)) {
    std::swap(t.a, t.b);
    std::swap(t.pa, t.pb);
  }
  return t;
}

Tuple RecordTuple(const FlowRecord& r) {
  return MakeTuple(r.sip, r.dip, r.sport, r.dport, r.protocol);
}

// What the host summaries count, per (address, hour of the alert): an internal
// host's traffic (Tally::host), and the internal hosts an alert's other address
// exchanged traffic with (Tally::spread). Alerts of one host in one hour share
// their tallies.
struct TallyKey {
  IpAddress address;
  int64_t hour;
  auto operator<=>(const TallyKey&) const = default;
};

struct HostAcc {
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0, records = 0;
  Counter<IpAddress, IpAddressHash> peers;
  Counter<uint16_t, PortHash> ports;
};

using SpreadAcc = Counter<IpAddress, IpAddressHash>;

struct Worker {
  std::vector<FlowRecord> candidates;
  std::vector<std::unique_ptr<HostAcc>> hosts;      // by host tally
  std::vector<std::unique_ptr<SpreadAcc>> spreads;  // by spread tally
};

// Tallies of one kind: their keys, and by address the tallies of its hours.
struct Tallies {
  std::vector<TallyKey> keys;
  std::map<TallyKey, uint32_t> index;
  std::unordered_map<IpAddress, std::vector<uint32_t>, IpAddressHash> by_address;

  uint32_t Add(const IpAddress& a, int64_t hour) {
    auto [it, added] = index.emplace(TallyKey{a, hour}, static_cast<uint32_t>(keys.size()));
    if (added) {
      keys.push_back(it->first);
      by_address[a].push_back(it->second);
    }
    return it->second;
  }
};

// The n keys with the most bytes, without `skip` (when given).
template <typename Key, typename Hash, typename Text>
std::vector<TopEntry> Top(const Counter<Key, Hash>& m, int n, Text text,
                          const Key* skip = nullptr) {
  std::vector<std::pair<uint64_t, Key>> v;
  v.reserve(m.keys.size());
  for (size_t i = 0; i < m.keys.size(); ++i)
    if (!skip || m.keys[i] != *skip) v.emplace_back(m.bytes[i], m.keys[i]);
  const size_t keep = std::min(v.size(), static_cast<size_t>(std::max(n, 0)));
  std::partial_sort(v.begin(), v.begin() + static_cast<ptrdiff_t>(keep), v.end(),
                    [](const auto& x, const auto& y) {
                      return x.first != y.first ? x.first > y.first : x.second < y.second;
                    });
  std::vector<TopEntry> out;
  for (size_t i = 0; i < keep; ++i) out.push_back({text(v[i].second), v[i].first});
  return out;
}

std::string RecordCommunityId(const FlowRecord& r, uint16_t seed) {
  if (r.is_icmp()) return CommunityId(seed, r.sip, r.dip, r.protocol, r.icmp_type(), r.icmp_code());
  return CommunityId(seed, r.sip, r.dip, r.protocol, r.sport, r.dport);
}

}  // namespace

std::string CorrelationFilter(const EveAlert& a, int64_t from, int64_t to) {
  const bool icmp = a.protocol == kProtoIcmp || a.protocol == kProtoIcmpV6;
  std::string s = "--start-date=" + HourText(from) + " --end-date=" + HourText(to) +
                  " --stime=" + FormatTime(from, TimeFormat::kSilk) + "-" +
                  FormatTime(to, TimeFormat::kSilk) + " --expr='proto " +
                  std::to_string(a.protocol) + " and (";
  auto side = [&](const IpAddress& x, const IpAddress& y, uint16_t px, uint16_t py) {
    std::string t = "src ip " + x.ToString() + " and dst ip " + y.ToString();
    if (!icmp) t += " and src port " + std::to_string(px) + " and dst port " + std::to_string(py);
    return t;
  };
  s += "(" + side(a.src, a.dest, a.sport, a.dport) + ") or (" +
       side(a.dest, a.src, a.dport, a.sport) + "))'";
  return s;
}

std::string_view CorrelationMatchName(CorrelationMatch m) {
  switch (m) {
    case CorrelationMatch::kFlowId:
      return "flow_id";
    case CorrelationMatch::kCommunityId:
      return "community_id";
    case CorrelationMatch::kFiveTuple:
      return "5-tuple";
    case CorrelationMatch::kNone:
      break;
  }
  return "none";
}

namespace {

// One scan over the hours of a cluster of alerts close in time.
class ClusterScan {
 public:
  ClusterScan(std::vector<CorrelatedAlert>& alerts, std::span<const uint32_t> members,
              const CorrelateOptions& options)
      : alerts_(alerts), members_(members), o_(options) {}

  Status Run(CorrelateStats* stats, const std::function<void(const Status&)>& on_error) {
    Index();
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (uint32_t i : members_) {
      first = std::min(first, alerts_[i].alert.time_ms);
      last = std::max(last, alerts_[i].alert.time_ms);
    }
    const int64_t from =
        first - std::max(o_.active_timeout_ms + o_.tolerance_ms, o_.host_window_ms);
    const int64_t to = last + std::max(o_.follow_ms, o_.host_window_ms) + o_.tolerance_ms;
    auto plan = PlanStoredRange(o_.root, *o_.site, o_.selection, o_.expr, o_.threads, from, to);
    if (!plan.ok()) return plan.status();
    auto addresses = std::make_shared<IpSet>();
    for (uint32_t i : members_) {
      addresses->Add(alerts_[i].alert.src);
      addresses->Add(alerts_[i].alert.dest);
    }
    addresses->Finish();
    Predicate predicate = Predicate::And(
        {plan->predicate, Predicate::Or({Predicate::InSet(FieldId::kSip, addresses),
                                         Predicate::InSet(FieldId::kDip, addresses)})});
    ScanOptions scan;
    scan.columns =
        ColumnSet::Of({FieldId::kSip, FieldId::kDip, FieldId::kSport, FieldId::kDport,
                       FieldId::kProtocol, FieldId::kPackets, FieldId::kBytes, FieldId::kStime,
                       FieldId::kDuration, FieldId::kSensor, FieldId::kFlowId, FieldId::kFlags});
    scan.predicate = &predicate;
    scan.threads = plan->threads;
    workers_.resize(static_cast<size_t>(ScanSlots(scan)));
    for (Worker& w : workers_) {
      w.hosts.resize(hosts_.keys.size());
      w.spreads.resize(spreads_.keys.size());
    }
    ScanStats s = Scan(
        plan->inputs, scan,
        [this](int worker, const FlowBatch& batch, std::span<const uint32_t> rows,
               const RawBlock&) {
          Worker& w = workers_[static_cast<size_t>(worker)];
          FlowRecord r;
          for (uint32_t row : rows) {
            batch.GetRow(row, r);
            Consume(w, r);
          }
          return true;
        },
        on_error);
    stats->records_read += s.records_read;
    stats->files += s.files;
    stats->blocks_read += s.blocks_read;
    stats->blocks_skipped += s.blocks_skipped;
    stats->errors += s.errors;
    ++stats->scans;
    Finish(from, to);
    return Status::Ok();
  }

 private:
  void Index() {
    for (uint32_t i : members_) {
      const EveAlert& a = alerts_[i].alert;
      tuples_[MakeTuple(a.src, a.dest, a.sport, a.dport, a.protocol)].push_back(i);
      if (a.flow_id) flow_ids_[a.flow_id].push_back(i);
      // The host: the internal one of the two; the destination when both or neither are.
      const bool src_in = o_.internal.Contains(a.src), dest_in = o_.internal.Contains(a.dest);
      const IpAddress& host = src_in && !dest_in ? a.src : a.dest;
      const IpAddress& peer = src_in && !dest_in ? a.dest : a.src;
      const int64_t hour = FloorTo(a.time_ms, kMillisPerHour);
      tallies_of_[i] = {hosts_.Add(host, hour), spreads_.Add(peer, hour)};
    }
  }

  // The window of a tally's hour: host_window before it to host_window after it.
  bool InWindow(const TallyKey& key, int64_t t) const {
    return t >= key.hour - o_.host_window_ms && t < key.hour + kMillisPerHour + o_.host_window_ms;
  }

  template <typename Acc>
  static Acc& Slot(std::vector<std::unique_ptr<Acc>>& v, uint32_t i) {
    if (!v[i]) v[i] = std::make_unique<Acc>();
    return *v[i];
  }

  void Consume(Worker& w, const FlowRecord& r) {
    if (tuples_.count(RecordTuple(r)) || (r.flow_id && flow_ids_.count(r.flow_id)))
      w.candidates.push_back(r);
    auto host_side = [&](const IpAddress& host, bool out) {
      auto it = hosts_.by_address.find(host);
      if (it == hosts_.by_address.end()) return;
      for (uint32_t s : it->second) {
        if (!InWindow(hosts_.keys[s], r.stime_ms)) continue;
        HostAcc& h = Slot(w.hosts, s);
        ++h.records;
        (out ? h.bytes_out : h.bytes_in) += r.bytes;
        (out ? h.packets_out : h.packets_in) += r.packets;
        h.peers.Add(out ? r.dip : r.sip, r.bytes);
        h.ports.Add(r.is_icmp() ? 0 : std::min(r.sport, r.dport), r.bytes);
      }
    };
    host_side(r.sip, true);
    if (r.dip != r.sip) host_side(r.dip, false);
    auto spread = [&](const IpAddress& peer, const IpAddress& other) {
      auto it = spreads_.by_address.find(peer);
      if (it == spreads_.by_address.end() || !o_.internal.Contains(other)) return;
      for (uint32_t s : it->second)
        if (InWindow(spreads_.keys[s], r.stime_ms)) Slot(w.spreads, s).Add(other, r.bytes);
    };
    spread(r.sip, r.dip);
    spread(r.dip, r.sip);
  }

  void Finish(int64_t from, int64_t to) {
    // The candidates by 5-tuple and by flow id, in time order.
    std::unordered_map<Tuple, std::vector<FlowRecord>, TupleHash> by_tuple;
    std::unordered_map<uint64_t, std::vector<FlowRecord>> by_flow_id;
    for (Worker& w : workers_)
      for (const FlowRecord& r : w.candidates) {
        if (tuples_.count(RecordTuple(r))) by_tuple[RecordTuple(r)].push_back(r);
        if (r.flow_id && flow_ids_.count(r.flow_id)) by_flow_id[r.flow_id].push_back(r);
      }
    auto by_time = [](const FlowRecord& x, const FlowRecord& y) {
      return std::tie(x.stime_ms, x.sensor, x.sport) < std::tie(y.stime_ms, y.sensor, y.sport);
    };
    for (auto& [k, v] : by_tuple) std::sort(v.begin(), v.end(), by_time);
    for (auto& [k, v] : by_flow_id) std::sort(v.begin(), v.end(), by_time);
    std::vector<HostSummary> summaries(hosts_.keys.size());
    for (size_t s = 0; s < hosts_.keys.size(); ++s) Summarise(s, summaries[s]);
    std::vector<SpreadAcc> spreads(spreads_.keys.size());
    for (const Worker& w : workers_)
      for (size_t s = 0; s < w.spreads.size(); ++s)
        if (w.spreads[s]) spreads[s].Merge(*w.spreads[s]);

    for (uint32_t i : members_) {
      CorrelatedAlert& c = alerts_[i];
      const EveAlert& a = c.alert;
      std::vector<FlowRecord> flows;
      if (a.flow_id) {
        auto it = by_flow_id.find(a.flow_id);
        if (it != by_flow_id.end()) flows = it->second, c.match = CorrelationMatch::kFlowId;
      }
      if (flows.empty()) {
        auto it = by_tuple.find(MakeTuple(a.src, a.dest, a.sport, a.dport, a.protocol));
        if (it != by_tuple.end()) flows = Connection(it->second, a.time_ms);
        if (!flows.empty()) {
          c.match = !a.community_id.empty() &&
                            RecordCommunityId(flows.front(), o_.community_seed) == a.community_id
                        ? CorrelationMatch::kCommunityId
                        : CorrelationMatch::kFiveTuple;
        }
      }
      Traffic(flows, c.traffic);
      if (flows.size() > o_.max_flows) flows.resize(o_.max_flows);
      c.flows = std::move(flows);
      c.has_host = true;
      const auto [host, spread] = tallies_of_.at(i);
      c.host = summaries[host];
      // The spread: the other internal hosts, without the alert's own.
      const SpreadAcc& others = spreads[spread];
      c.host.peer = spreads_.keys[spread].address;
      c.host.spread = Top(
          others, o_.top, [](const IpAddress& a) { return a.ToString(); }, &c.host.host);
      c.host.spread_hosts = others.keys.size() - (others.index.Find(c.host.host) !=
                                                  FlatIndex<IpAddress, IpAddressHash>::kMissing);
      c.filter = CorrelationFilter(a, from, to);
    }
  }

  // The records of one 5-tuple (by start time) that make up the alert's
  // connection. The tuple's records are cut into connections: a TCP record with
  // SYN that starts after the connection so far has ended (plus the tolerance)
  // opens a new one, as does, for other protocols, a gap of more than the
  // tolerance. Records split by an active or an inactive timeout (a quiet
  // keep-alive connection) stay in one. The alert's connection is the one whose
  // span holds its time, give or take the tolerance.
  std::vector<FlowRecord> Connection(const std::vector<FlowRecord>& v, int64_t t) const {
    const int64_t tol = o_.tolerance_ms;
    size_t begin = 0;
    int64_t lo = 0, hi = INT64_MIN;
    for (size_t i = 0; i <= v.size(); ++i) {
      const bool opens = i == v.size() || (i > begin && v[i].stime_ms > hi + tol &&
                                           (v[i].protocol != kProtoTcp || (v[i].flags & kTcpSyn)));
      if (opens && i > begin) {
        if (t >= lo - tol && t <= hi + tol)
          return std::vector<FlowRecord>(v.begin() + static_cast<ptrdiff_t>(begin),
                                         v.begin() + static_cast<ptrdiff_t>(i));
        begin = i;
      }
      if (i == v.size()) break;
      if (i == begin) lo = v[i].stime_ms, hi = INT64_MIN;
      hi = std::max(hi, v[i].etime_ms());
    }
    return {};
  }

  // Toward the server: the direction of the earliest record (the originator's).
  static void Traffic(const std::vector<FlowRecord>& flows, AlertTraffic& t) {
    if (flows.empty()) return;
    const FlowRecord* first = &flows.front();
    for (const FlowRecord& r : flows)
      if (r.stime_ms == first->stime_ms && r.sport > first->sport) first = &r;
    t.first_seen_ms = INT64_MAX;
    t.last_seen_ms = INT64_MIN;
    for (const FlowRecord& r : flows) {
      const bool toserver = r.sip == first->sip && r.sport == first->sport;
      (toserver ? t.bytes_toserver : t.bytes_toclient) += r.bytes;
      (toserver ? t.packets_toserver : t.packets_toclient) += r.packets;
      t.first_seen_ms = std::min(t.first_seen_ms, r.stime_ms);
      t.last_seen_ms = std::max(t.last_seen_ms, r.etime_ms());
      ++t.records;
    }
  }

  void Summarise(size_t s, HostSummary& out) const {
    const TallyKey& key = hosts_.keys[s];
    HostAcc all;
    for (const Worker& w : workers_) {
      if (!w.hosts[s]) continue;
      const HostAcc& h = *w.hosts[s];
      all.bytes_in += h.bytes_in;
      all.bytes_out += h.bytes_out;
      all.packets_in += h.packets_in;
      all.packets_out += h.packets_out;
      all.records += h.records;
      all.peers.Merge(h.peers);
      all.ports.Merge(h.ports);
    }
    out.host = key.address;
    out.start_ms = key.hour - o_.host_window_ms;
    out.end_ms = key.hour + kMillisPerHour + o_.host_window_ms;
    out.bytes_in = all.bytes_in;
    out.bytes_out = all.bytes_out;
    out.packets_in = all.packets_in;
    out.packets_out = all.packets_out;
    out.records = all.records;
    out.peers = all.peers.keys.size();
    out.peers_capped = all.peers.full;
    auto address = [](const IpAddress& a) { return a.ToString(); };
    out.top_peers = Top(all.peers, o_.top, address);
    out.top_ports = Top(all.ports, o_.top, [](uint16_t p) { return std::to_string(p); });
  }

  std::vector<CorrelatedAlert>& alerts_;
  std::span<const uint32_t> members_;
  const CorrelateOptions& o_;
  std::unordered_map<Tuple, std::vector<uint32_t>, TupleHash> tuples_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> flow_ids_;
  Tallies hosts_, spreads_;
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>>
      tallies_of_;  // alert -> (host, spread)
  std::vector<Worker> workers_;
};

}  // namespace

Result<std::vector<CorrelatedAlert>> Correlate(std::vector<CorrelatedAlert> alerts,
                                               const CorrelateOptions& options,
                                               CorrelateStats* stats,
                                               const std::function<void(const Status&)>& on_error) {
  CorrelateStats local;
  if (!stats) stats = &local;
  stats->alerts += alerts.size();
  std::vector<uint32_t> order(alerts.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    return alerts[x].alert.time_ms < alerts[y].alert.time_ms;
  });
  // Clusters: alerts whose read ranges would overlap share one scan; at most a
  // day of alerts per scan keeps each one's tables small.
  const int64_t gap = 2 * std::max(options.host_window_ms, options.follow_ms);
  size_t begin = 0;
  while (begin < order.size()) {
    size_t end = begin + 1;
    while (end < order.size() &&
           alerts[order[end]].alert.time_ms - alerts[order[end - 1]].alert.time_ms <= gap &&
           alerts[order[end]].alert.time_ms - alerts[order[begin]].alert.time_ms <= kMillisPerDay)
      ++end;
    ClusterScan scan(alerts, std::span(order).subspan(begin, end - begin), options);
    WEIR_RETURN_IF_ERROR(scan.Run(stats, on_error));
    begin = end;
  }
  for (const CorrelatedAlert& a : alerts) {
    stats->matched += a.match != CorrelationMatch::kNone;
    stats->by_flow_id += a.match == CorrelationMatch::kFlowId;
    stats->by_community_id += a.match == CorrelationMatch::kCommunityId;
    stats->by_tuple += a.match == CorrelationMatch::kFiveTuple;
  }
  return alerts;
}

}  // namespace weir
