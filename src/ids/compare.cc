#include "ids/compare.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "base/hash.h"
#include "base/time.h"
#include "ids/eve.h"
#include "ids/line_reader.h"
#include "ids/stored_range.h"
#include "query/plan.h"
#include "query/scan.h"

namespace weir {

namespace {

// A directional 5-tuple (ICMP: type and code in dport, as stored).
struct Key {
  IpAddress sip, dip;
  uint16_t sport = 0, dport = 0;
  uint8_t protocol = 0;
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    return IpAddressHash()(k.sip) ^ IpAddressHash()(k.dip) * 31 ^
           static_cast<size_t>(
               Mix64(uint64_t{k.sport} << 24 | uint64_t{k.dport} << 8 | k.protocol));
  }
};

Key KeyOf(const FlowRecord& r) { return {r.sip, r.dip, r.sport, r.dport, r.protocol}; }

std::vector<double> Quantiles(std::vector<double> v, std::initializer_list<double> qs) {
  std::vector<double> out;
  if (v.empty()) return out;
  std::sort(v.begin(), v.end());
  for (double q : qs) out.push_back(v[static_cast<size_t>(std::llround(q * (v.size() - 1)))]);
  return out;
}

struct Stored {
  FlowRecord r;
  bool matched = false;
};

}  // namespace

Result<CompareReport> CompareEve(const std::vector<std::string>& files, const CompareOptions& o) {
  CompareReport rep;
  EveParser parser;
  EveFlow flow;
  std::vector<FlowRecord> eve;
  std::vector<double> delays;
  for (const std::string& f : files) {
    auto reader = LineReader::Open(f);
    if (!reader.ok()) return reader.status();
    std::string_view line;
    bool too_long;
    while ((*reader)->Next(&line, &too_long)) {
      if (line.empty()) continue;
      auto type = too_long ? Result<EveType>(Status::Invalid("a line longer than 1 MiB"))
                           : parser.Parse(line, &flow, nullptr);
      if (!type.ok()) {
        ++rep.malformed;
        if (rep.problems.size() < 10)
          rep.problems.push_back((*reader)->name() + ":" +
                                 std::to_string((*reader)->line_number()) + ": " +
                                 type.status().message());
        continue;
      }
      if (*type != EveType::kFlow && *type != EveType::kNetflow) continue;
      ++rep.eve_events;
      for (int i = 0; i < flow.count; ++i) eve.push_back(flow.records[i]);
      if (flow.count && flow.event_ms)
        delays.push_back(static_cast<double>(flow.event_ms - flow.records[0].etime_ms()) / 1000);
    }
    WEIR_RETURN_IF_ERROR((*reader)->status());
  }
  rep.eve_records = eve.size();
  if (eve.empty()) return rep;
  rep.first_ms = INT64_MAX;
  rep.last_ms = INT64_MIN;
  for (const FlowRecord& r : eve) {
    rep.first_ms = std::min(rep.first_ms, r.stime_ms);
    rep.last_ms = std::max(rep.last_ms, r.etime_ms());
  }

  // The stored records of the same time (all of them: those EVE lacks count too).
  const int64_t from = rep.first_ms - o.tolerance_ms, to = rep.last_ms + o.tolerance_ms;
  auto plan = PlanStoredRange(o.root, *o.site, o.selection, o.expr, /*threads=*/1, from, to);
  if (!plan.ok()) return plan.status();
  std::unordered_map<Key, std::vector<Stored>, KeyHash> stored;
  ScanOptions scan;
  scan.columns = ColumnSet::Of({FieldId::kSip, FieldId::kDip, FieldId::kSport, FieldId::kDport,
                                FieldId::kProtocol, FieldId::kPackets, FieldId::kBytes,
                                FieldId::kStime, FieldId::kDuration});
  scan.predicate = plan->predicate.is_all() ? nullptr : &plan->predicate;
  scan.threads = 1;
  Status scan_error = Status::Ok();
  Scan(
      plan->inputs, scan,
      [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        FlowRecord r;
        for (uint32_t row : rows) {
          batch.GetRow(row, r);
          stored[KeyOf(r)].push_back({r, false});
          ++rep.stored_records;
        }
        return true;
      },
      [&](const Status& s) {
        if (scan_error.ok()) scan_error = s;
      });
  WEIR_RETURN_IF_ERROR(scan_error);

  std::vector<double> byte_diffs, packet_diffs;
  for (const FlowRecord& e : eve) {
    auto it = stored.find(KeyOf(e));
    uint64_t bytes = 0, packets = 0;
    bool any = false;
    if (it != stored.end())
      for (Stored& s : it->second)
        if (s.r.stime_ms <= e.etime_ms() + o.tolerance_ms &&
            s.r.etime_ms() >= e.stime_ms - o.tolerance_ms) {
          s.matched = any = true;
          bytes += s.r.bytes;
          packets += s.r.packets;
        }
    if (!any) {
      ++rep.eve_only;
      rep.eve_only_bytes += e.bytes;
      continue;
    }
    ++rep.pairs;
    rep.same_packets += packets == e.packets;
    const double diff = static_cast<double>(e.bytes) - static_cast<double>(bytes);
    byte_diffs.push_back(diff);
    packet_diffs.push_back(static_cast<double>(e.packets) - static_cast<double>(packets));
    if (packets == e.packets && diff == 14.0 * static_cast<double>(packets))
      ++rep.per_packet_14;
    else if (packets == e.packets && diff == 18.0 * static_cast<double>(packets))
      ++rep.per_packet_18;
    else if (diff == 0)
      ++rep.per_packet_0;
    else
      ++rep.per_packet_other;
  }
  for (const auto& [key, v] : stored)
    for (const Stored& s : v)
      if (!s.matched) {
        ++rep.stored_only;
        rep.stored_only_bytes += s.r.bytes;
      }
  rep.byte_quantiles = Quantiles(byte_diffs, {0, 0.1, 0.5, 0.9, 1});
  rep.packet_quantiles = Quantiles(packet_diffs, {0, 0.1, 0.5, 0.9, 1});
  rep.eve_delay_quantiles = Quantiles(delays, {0, 0.5, 0.9, 1});
  return rep;
}

namespace {

std::string Numbers(const std::vector<double>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%g", i ? ", " : "", v[i]);
    out += buf;
  }
  return out.empty() ? "-" : out;
}

std::string JsonNumbers(const std::vector<double>& v) {
  std::string out(1, '[');
  if (!v.empty()) out += Numbers(v);
  out += ']';
  return out;
}

}  // namespace

std::string CompareText(const CompareReport& r) {
  auto n = [](uint64_t v) { return std::to_string(v); };
  std::string out;
  out += "EVE: " + n(r.eve_events) + " flow events, " + n(r.eve_records) +
         " directional records, " + FormatTime(r.first_ms, TimeFormat::kIso) + " to " +
         FormatTime(r.last_ms, TimeFormat::kIso) + "\n";
  out += "stored: " + n(r.stored_records) + " records in that time\n";
  out += "pairs: " + n(r.pairs) + " EVE records with stored records (" + n(r.same_packets) +
         " with the same packet count)\n";
  out += "bytes, EVE - stored, per pair: min, p10, p50, p90, max = " + Numbers(r.byte_quantiles) +
         "\n";
  out +=
      "packets, EVE - stored, per pair: min, p10, p50, p90, max = " + Numbers(r.packet_quantiles) +
      "\n";
  out += "explained: " + n(r.per_packet_14) +
         " pairs differ by exactly 14 bytes a packet (the Ethernet header Suricata counts), " +
         n(r.per_packet_18) + " by 18 (with a VLAN tag), " + n(r.per_packet_0) + " not at all; " +
         n(r.per_packet_other) + " otherwise\n";
  out += "only in EVE: " + n(r.eve_only) + " records, " + n(r.eve_only_bytes) + " bytes\n";
  out += "only stored: " + n(r.stored_only) + " records, " + n(r.stored_only_bytes) + " bytes\n";
  out += "EVE's delay from a flow's end to its event, s: min, p50, p90, max = " +
         Numbers(r.eve_delay_quantiles) + "\n";
  return out;
}

std::string CompareJson(const CompareReport& r) {
  auto n = [](uint64_t v) { return std::to_string(v); };
  return "{\"eve_events\":" + n(r.eve_events) + ",\"eve_records\":" + n(r.eve_records) +
         ",\"stored_records\":" + n(r.stored_records) + ",\"pairs\":" + n(r.pairs) +
         ",\"same_packets\":" + n(r.same_packets) + ",\"per_packet_14\":" + n(r.per_packet_14) +
         ",\"per_packet_18\":" + n(r.per_packet_18) + ",\"per_packet_0\":" + n(r.per_packet_0) +
         ",\"per_packet_other\":" + n(r.per_packet_other) +
         ",\"byte_quantiles\":" + JsonNumbers(r.byte_quantiles) +
         ",\"packet_quantiles\":" + JsonNumbers(r.packet_quantiles) +
         ",\"eve_only\":" + n(r.eve_only) + ",\"eve_only_bytes\":" + n(r.eve_only_bytes) +
         ",\"stored_only\":" + n(r.stored_only) +
         ",\"stored_only_bytes\":" + n(r.stored_only_bytes) +
         ",\"eve_delay_quantiles\":" + JsonNumbers(r.eve_delay_quantiles) +
         ",\"malformed\":" + n(r.malformed) + "}";
}

}  // namespace weir
