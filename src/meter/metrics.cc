#include "meter/metrics.h"

#include "base/prometheus.h"

namespace weir {

std::string FormatPrometheus(const MeterStats& s, std::string_view version) {
  PrometheusText w;
  auto Label = PrometheusText::Label;
  w.BuildInfo(version);
  w.Family("weir_meter_start_time_seconds", "gauge", "when the meter started (Unix time)");
  w.Sample("weir_meter_start_time_seconds", "", static_cast<uint64_t>(s.started_ms / 1000));

  struct Metric {
    const char* name;
    const char* type;
    const char* help;
    uint64_t value;
  };
  const Metric metrics[] = {
      {"weir_meter_frames_total", "counter", "packets read from the sources", s.frames},
      {"weir_meter_packets_total", "counter", "IP packets metered (after sampling)", s.packets},
      {"weir_meter_bytes_total", "counter", "IP bytes of the packets metered", s.bytes},
      {"weir_meter_sampled_out_total", "counter", "packets left out by --sampling", s.sampled_out},
      {"weir_meter_non_ip_total", "counter", "frames that are not IP (ARP, STP ...)", s.non_ip},
      {"weir_meter_truncated_total", "counter", "IP headers cut short", s.truncated},
      {"weir_meter_fragments_total", "counter", "IP fragments", s.fragments},
      {"weir_meter_orphan_fragments_total", "counter", "later fragments without their first",
       s.orphan_fragments},
      {"weir_meter_flows_created_total", "counter", "flows begun", s.flows_created},
      {"weir_meter_flows_ended_total", "counter", "flows ended", s.flows_ended},
      {"weir_meter_flows_ended_early_total", "counter", "flows ended early for --max-flows",
       s.early_expired},
      {"weir_meter_stored_total", "counter", "records written to the repository or flow file",
       s.stored},
      {"weir_meter_active_flows", "gauge", "flows in the cache", s.active_flows},
      {"weir_meter_peak_flows", "gauge", "the most flows the cache held", s.peak_flows},
  };
  for (const Metric& m : metrics) {
    w.Family(m.name, m.type, m.help);
    w.Sample(m.name, "", m.value);
  }

  struct SourceMetric {
    const char* name;
    const char* help;
    uint64_t SourceCounters::*field;
  };
  static constexpr SourceMetric kSource[] = {
      {"weir_meter_source_packets_total", "packets handed to the meter", &SourceCounters::packets},
      {"weir_meter_kernel_drops_total", "packets the kernel dropped, its buffer full",
       &SourceCounters::dropped},
      {"weir_meter_interface_drops_total", "packets the interface or driver dropped",
       &SourceCounters::if_dropped},
  };
  for (const SourceMetric& m : kSource) {
    w.Family(m.name, "counter", std::string(m.help) + ", per source");
    for (const SourceCounters& c : s.sources) w.Sample(m.name, Label("source", c.name), c.*m.field);
  }

  struct ExportMetric {
    const char* name;
    const char* type;
    const char* help;
    uint64_t MeterStats::Export::*field;
  };
  static constexpr ExportMetric kExport[] = {
      {"weir_meter_export_messages_total", "counter", "messages sent",
       &MeterStats::Export::messages},
      {"weir_meter_export_records_total", "counter", "flow records sent",
       &MeterStats::Export::records},
      {"weir_meter_export_errors_total", "counter", "messages not sent",
       &MeterStats::Export::errors},
      {"weir_meter_export_not_carried_total", "counter",
       "flows the protocol cannot carry (IPv6 in v5)", &MeterStats::Export::skipped},
      {"weir_meter_export_dropped_total", "counter",
       "flows dropped while a TCP destination was down and its buffer full",
       &MeterStats::Export::dropped},
      {"weir_meter_export_held_flows", "gauge", "flows held while a TCP destination is down",
       &MeterStats::Export::buffered},
  };
  for (const ExportMetric& m : kExport) {
    w.Family(m.name, m.type, std::string(m.help) + ", per destination");
    for (const MeterStats::Export& e : s.exports)
      w.Sample(m.name, Label("destination", e.target), e.*m.field);
  }
  return w.text();
}

}  // namespace weir
