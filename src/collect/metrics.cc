#include "collect/metrics.h"

#include "base/prometheus.h"

namespace weir {

std::string FormatPrometheus(const CollectorSnapshot& s, std::string_view version) {
  PrometheusText w;
  auto Label = PrometheusText::Label;
  w.BuildInfo(version);
  w.Family("weir_collect_start_time_seconds", "gauge", "when the collector started (Unix time)");
  w.Sample("weir_collect_start_time_seconds", "", static_cast<uint64_t>(s.started_ms / 1000));

  struct ProbeMetric {
    const char* name;
    const char* help;
    uint64_t ProbeCounters::*field;
  };
  static constexpr ProbeMetric kProbe[] = {
      {"weir_collect_datagrams_total", "datagrams (or TCP messages) received",
       &ProbeCounters::datagrams},
      {"weir_collect_received_bytes_total", "bytes of datagrams received", &ProbeCounters::bytes},
      {"weir_collect_records_total", "flow records decoded", &ProbeCounters::records},
      {"weir_collect_stored_total", "records stored (a record kept by two sensors counts twice)",
       &ProbeCounters::stored},
      {"weir_collect_discarded_total", "records discarded by discard-when/discard-unless",
       &ProbeCounters::discarded},
      {"weir_collect_rejected_total", "datagrams from hosts not in accept-from-host",
       &ProbeCounters::rejected},
      {"weir_collect_socket_drops_total", "datagrams the kernel dropped, its buffer full",
       &ProbeCounters::socket_drops},
  };
  for (const ProbeMetric& m : kProbe) {
    w.Family(m.name, "counter", std::string(m.help) + ", per probe");
    for (const ProbeCounters& p : s.probes)
      w.Sample(m.name, Label("probe", p.name) + "," + Label("listen", p.listen), p.*m.field);
  }

  struct ExporterMetric {
    const char* name;
    const char* help;
    uint64_t ExporterCounters::*field;
  };
  static constexpr ExporterMetric kExporter[] = {
      {"weir_collect_exporter_datagrams_total", "datagrams", &ExporterCounters::datagrams},
      {"weir_collect_exporter_records_total", "flow records decoded", &ExporterCounters::records},
      {"weir_collect_exporter_malformed_total", "datagrams or sets that could not be decoded",
       &ExporterCounters::malformed},
      {"weir_collect_exporter_template_misses_total", "data sets dropped for want of a template",
       &ExporterCounters::no_template},
      {"weir_collect_exporter_lost_records_total", "records lost by sequence numbers",
       &ExporterCounters::lost_records},
      {"weir_collect_exporter_lost_datagrams_total", "datagrams lost by sequence numbers",
       &ExporterCounters::lost_datagrams},
      {"weir_collect_exporter_templates_total", "template records accepted",
       &ExporterCounters::templates},
  };
  for (const ExporterMetric& m : kExporter) {
    w.Family(m.name, "counter", std::string(m.help) + ", per exporter and probe");
    for (const ExporterStatus& e : s.exporters)
      w.Sample(m.name, Label("exporter", e.address) + "," + Label("probe", e.probe),
               e.counters.*m.field);
  }

  w.Family("weir_collect_files_opened_total", "counter", "repository files opened for appending");
  w.Sample("weir_collect_files_opened_total", "", s.files_opened);
  w.Family("weir_collect_written_bytes_total", "counter", "bytes written to repository files");
  w.Sample("weir_collect_written_bytes_total", "", s.bytes_written);
  w.Family("weir_collect_queue_drops_total", "counter",
           "datagram batches dropped between receiver and decoder");
  w.Sample("weir_collect_queue_drops_total", "", s.queue_drops);
  return w.text();
}

}  // namespace weir
