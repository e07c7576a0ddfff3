// The collector's status page, in the spirit of ipt_netflow's /proc/net/stat/ipt_netflow:
// totals, then one line per probe and per exporter with rates since the previous
// snapshot (or since start).
#include <cinttypes>
#include <cstdio>
#include <map>

#include "collect/collector.h"

namespace weir {

namespace {

std::string Duration(int64_t ms) {
  int64_t s = ms / 1000;
  char out[48];
  std::snprintf(out, sizeof out, "%" PRId64 "d %02" PRId64 ":%02" PRId64 ":%02" PRId64, s / 86400,
                s / 3600 % 24, s / 60 % 60, s % 60);
  return out;
}

}  // namespace

std::string Collector::FormatStatus(const CollectorSnapshot& now, const CollectorSnapshot* before) {
  const int64_t since = before ? before->now_ms : now.started_ms;
  const double seconds = std::max<int64_t>(1, now.now_ms - since) / 1000.0;
  std::map<std::string, const ProbeCounters*> old_probes;
  std::map<std::string, const ExporterStatus*> old_exporters;
  if (before) {
    for (const auto& p : before->probes) old_probes[p.name] = &p;
    for (const auto& e : before->exporters) old_exporters[e.address + "/" + e.probe] = &e;
  }
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "weir collect: up %s; %" PRIu64 " records stored, %" PRIu64
                " files opened, %.1f MB written; rates over the last %.0f s\n",
                Duration(now.now_ms - now.started_ms).c_str(), now.stored, now.files_opened,
                now.bytes_written / 1e6, seconds);
  out += line;
  std::snprintf(line, sizeof line, "\n%-20s %-10s %12s %14s %12s %10s %12s %10s %9s %9s\n", "probe",
                "listen", "datagrams", "records", "records/s", "Mbit/s", "stored", "discarded",
                "rejected", "dropped");
  out += line;
  for (const auto& p : now.probes) {
    auto it = old_probes.find(p.name);
    uint64_t records = p.records - (it == old_probes.end() ? 0 : it->second->records);
    uint64_t bytes = p.bytes - (it == old_probes.end() ? 0 : it->second->bytes);
    std::snprintf(line, sizeof line,
                  "%-20s %-10s %12" PRIu64 " %14" PRIu64 " %12.0f %10.2f %12" PRIu64 " %10" PRIu64
                  " %9" PRIu64 " %9" PRIu64 "\n",
                  p.name.c_str(), p.listen.c_str(), p.datagrams, p.records, records / seconds,
                  bytes * 8 / seconds / 1e6, p.stored, p.discarded, p.rejected, p.socket_drops);
    out += line;
  }
  std::snprintf(line, sizeof line, "\n%-40s %-16s %4s %10s %12s %10s %9s %9s %9s %9s %9s %7s\n",
                "exporter", "probe", "ver", "datagrams", "records", "records/s", "lost-rec",
                "lost-dgm", "malformed", "no-tmpl", "empty", "tmpl");
  out += line;
  for (const auto& e : now.exporters) {
    auto it = old_exporters.find(e.address + "/" + e.probe);
    const ExporterCounters& c = e.counters;
    uint64_t records = c.records - (it == old_exporters.end() ? 0 : it->second->counters.records);
    std::string version = e.version == 50 ? "sf5" : std::to_string(e.version);
    std::snprintf(line, sizeof line,
                  "%-40s %-16s %4s %10" PRIu64 " %12" PRIu64 " %10.0f %9" PRIu64 " %9" PRIu64
                  " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %7zu\n",
                  e.address.c_str(), e.probe.c_str(), version.c_str(), c.datagrams, c.records,
                  records / seconds, c.lost_records, c.lost_datagrams, c.malformed, c.no_template,
                  c.empty_records, e.templates);
    out += line;
  }
  // Interfaces the exporters told about: names (v9/IPFIX options) and the latest
  // sFlow counters.
  bool header = false;
  for (const auto& e : now.exporters) {
    std::map<uint32_t, bool> indexes;
    for (const auto& [index, name] : e.interface_names) indexes[index] = true;
    for (const auto& [index, c] : e.interface_counters) indexes[index] = true;
    for (const auto& [index, unused] : indexes) {
      if (!header) {
        std::snprintf(line, sizeof line, "\n%-40s %10s %-20s %12s %16s %16s %10s %10s\n",
                      "interface of exporter", "index", "name", "speed", "in octets", "out octets",
                      "in errors", "out errors");
        out += line;
        header = true;
      }
      auto name = e.interface_names.find(index);
      auto c = e.interface_counters.find(index);
      InterfaceCounters none;
      const InterfaceCounters& k = c == e.interface_counters.end() ? none : c->second;
      std::snprintf(line, sizeof line,
                    "%-40s %10u %-20s %12" PRIu64 " %16" PRIu64 " %16" PRIu64 " %10u %10u\n",
                    e.address.c_str(), index,
                    name == e.interface_names.end() ? "-" : name->second.substr(0, 20).c_str(),
                    k.speed, k.in_octets, k.out_octets, k.in_errors, k.out_errors);
      out += line;
    }
  }
  return out;
}

}  // namespace weir
