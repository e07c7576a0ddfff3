// weir export: flow records as JSON Lines or CSV for SIEMs, once or continuously
// behind the collector (--follow) from a durable cursor.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <ctime>

#include "base/strings.h"
#include "cli/common.h"
#include "cli/query_options.h"
#include "export/exporter.h"
#include "export/spool.h"

namespace weir::cli {

namespace {

void LogLine(const std::string& message) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::fprintf(stderr, "%s weir export: %s\n", stamp, message.c_str());
}

// "10M", "1G", "500k" or plain bytes.
std::optional<uint64_t> ParseSize(std::string_view text) {
  uint64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        unit = 1ULL << 10;
        break;
      case 'm':
      case 'M':
        unit = 1ULL << 20;
        break;
      case 'g':
      case 'G':
        unit = 1ULL << 30;
        break;
      default:
        break;
    }
    if (unit != 1) text.remove_suffix(1);
  }
  auto v = ParseUint(text, UINT64_MAX / unit);
  if (!v) return std::nullopt;
  return *v * unit;
}

// The registry fields a SIEM wants by default: the stored ones that say what
// happened, plus end time and ICMP type/code.
std::vector<FieldId> DefaultExportFields() {
  using F = FieldId;
  return {F::kSip,         F::kDip,      F::kSport,        F::kDport,        F::kProtocol,
          F::kPackets,     F::kBytes,    F::kFlags,        F::kStime,        F::kEtime,
          F::kDuration,    F::kSensor,   F::kClass,        F::kType,         F::kInput,
          F::kOutput,      F::kNhip,     F::kInitialFlags, F::kSessionFlags, F::kAttributes,
          F::kApplication, F::kTos,      F::kVlan,         F::kSrcAs,        F::kDstAs,
          F::kExporter,    F::kIcmpType, F::kIcmpCode};
}

}  // namespace

int RunExport(int argc, char** argv) {
  CLI::App app(
      "Export flow records for SIEMs as JSON Lines (weir's field names, Elastic Common Schema\n"
      "or Suricata EVE netflow events) or CSV, with Community ID and long-flow ids; once from\n"
      "files, a stream or a repository selection, or continuously with --follow behind the\n"
      "collector, delivering every stored record once from a durable cursor. Sinks: standard\n"
      "output, rotating files, Elasticsearch/OpenSearch _bulk, Splunk HEC, HTTP POST.",
      "export");
  std::string output_format = "json", schema = "weir", fields_text, output_path = "-";
  bool no_community_id = false, no_flow_id = false, follow = false, final_only = false;
  bool print_statistics = false;
  uint16_t seed = 0;
  std::string cursor_path, start = "now", rotate_size, sink_kind, url, index, token, ca_file;
  std::string rejected_path, sourcetype = "weir:flow", timestamp_format = "iso";
  std::vector<std::string> headers;
  double poll_s = 1, rotate_interval_s = 0, final_timeout_s = 3600, gap_s = 600, duration_s = 0;
  int keep = 0, timeout_s = 30, max_attempts = 0;
  bool splunk_ack = false, insecure = false, compress = false;
  std::string batch_size = "4M", spool_dir, spool_size = "1G";
  QueryOptions query;

  app.add_option("--output-format", output_format, "json (JSON Lines, default) or csv")
      ->group("Format");
  app.add_option("--schema", schema,
                 "JSON layout: weir (registry field names, default), ecs (Elastic Common "
                 "Schema), eve (Suricata EVE netflow events)")
      ->group("Format");
  app.add_option("--fields", fields_text,
                 "fields for the weir layout and CSV, by name or number (default: the stored "
                 "fields, end time and ICMP type/code)")
      ->group("Format");
  app.add_option("--timestamp-format", timestamp_format,
                 "weir layout and CSV: iso (RFC 3339 UTC with ms, default), epoch, epoch-ms, "
                 "default (SiLK's)")
      ->group("Format");
  app.add_flag("--no-community-id", no_community_id, "leave out the Community ID")->group("Format");
  app.add_option("--community-id-seed", seed, "Community ID seed (default 0)")->group("Format");
  app.add_flag("--no-flow-id", no_flow_id, "leave out the flow id that ties long-flow parts")
      ->group("Format");

  app.add_flag("--follow", follow,
               "keep exporting what is stored in the repository, from --cursor, until stopped")
      ->group("Follow");
  app.add_option("--cursor", cursor_path,
                 "the follow cursor (an SQLite file, created on the first run)")
      ->group("Follow");
  app.add_option("--start", start,
                 "first run of a cursor: now (default: only what is stored from now on), "
                 "beginning, or a time (YYYY/MM/DD[:HH]): files of earlier hours are skipped")
      ->group("Follow");
  app.add_option("--poll-interval", poll_s, "seconds between looks at the repository (default 1)")
      ->group("Follow");
  app.add_option("--stop-after", duration_s,
                 "stop after this many seconds (default: run until "
                 "SIGTERM/SIGINT)")
      ->group("Follow");

  app.add_flag("--final-only", final_only,
               "hold the parts of flows cut by the active timeout and emit one merged record "
               "per flow")
      ->group("Long flows");
  app.add_option("--final-timeout", final_timeout_s,
                 "--final-only: emit what is held after this many seconds (default 3600)")
      ->group("Long flows");
  app.add_option("--long-flow-gap", gap_s,
                 "a part starting more than this many seconds after the previous part ended "
                 "starts a new flow (default 600)")
      ->group("Long flows");

  app.add_option("--output-path", output_path, "file or - (standard output, default)")
      ->group("Sink");
  app.add_option("--rotate-size", rotate_size, "rotate the output file at this size (10M, 1G)")
      ->group("Sink");
  app.add_option("--rotate-interval", rotate_interval_s,
                 "rotate the output file after this many seconds")
      ->group("Sink");
  app.add_option("--keep", keep, "rotated files to keep (default: all)")->group("Sink");
  app.add_option("--sink", sink_kind,
                 "send over HTTP instead of writing a file: elasticsearch (also opensearch), "
                 "splunk (HEC), http (POST of JSON lines, e.g. Sumo Logic)")
      ->group("Sink");
  app.add_option("--url", url, "the HTTP sink's base URL (http:// or https://)")->group("Sink");
  app.add_option("--index", index,
                 "elasticsearch: index name, strftime-like %Y %m %d %H of each record's start "
                 "(default weir-flows-%Y.%m.%d)")
      ->group("Sink");
  app.add_option("--token", token,
                 "splunk: the HEC token (default: $WEIR_HEC_TOKEN, which keeps it out of ps)")
      ->group("Sink");
  app.add_flag("--splunk-ack", splunk_ack, "splunk: wait for indexer acknowledgements")
      ->group("Sink");
  app.add_option("--sourcetype", sourcetype, "splunk: sourcetype (default weir:flow)")
      ->group("Sink");
  app.add_option("--header", headers, "extra HTTP header 'Name: value' (repeatable)")
      ->group("Sink");
  app.add_option("--ca-file", ca_file, "TLS: trust the CAs in this PEM file")->group("Sink");
  app.add_flag("--insecure", insecure, "TLS: do not verify the server's certificate")
      ->group("Sink");
  app.add_flag("--compress", compress, "gzip HTTP request bodies")->group("Sink");
  app.add_option("--timeout", timeout_s, "HTTP timeout in seconds (default 30)")->group("Sink");
  app.add_option(
         "--max-attempts", max_attempts,
         "HTTP: attempts per batch before giving up (default 8; with --follow: until it works)")
      ->group("Sink");
  app.add_option("--rejected-path", rejected_path,
                 "where records a receiver refused for good are kept (default: "
                 "weir-export-rejected.jsonl, or beside the cursor)")
      ->group("Sink");
  app.add_option("--spool-dir", spool_dir,
                 "HTTP sinks reading files or a stream: keep batches here while the receiver "
                 "is down, and send them first when it answers (also in the next run)")
      ->group("Sink");
  app.add_option("--spool-size", spool_size, "largest the spool may grow (default 1G)")
      ->group("Sink");
  app.add_option("--batch-size", batch_size, "deliver in batches of about this size (default 4M)")
      ->group("Sink");
  app.add_flag("--print-statistics", print_statistics,
               "print records read and exported to stderr at the end");
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  auto fail = [](const std::string& message, int code) {
    PrintError("export", message);
    return code;
  };
  ExportOptions options;
  if (output_format == "csv")
    options.format.format = OutputFormat::kCsv;
  else if (output_format != "json")
    return fail("invalid --output-format '" + output_format + "' (json, csv)", kExitUsage);
  auto parsed_schema = ParseJsonSchema(schema);
  if (!parsed_schema.ok()) return fail("--schema: " + parsed_schema.status().message(), kExitUsage);
  if (options.format.format == OutputFormat::kCsv && *parsed_schema != JsonSchema::kFields)
    return fail("--schema applies to JSON; CSV uses field names", kExitUsage);
  auto time_format = ParseTimeFormat(timestamp_format);
  if (!time_format.ok()) return fail(time_format.status().message(), kExitUsage);
  std::vector<FieldId> fields = DefaultExportFields();
  if (!fields_text.empty()) {
    auto parsed = ParseFieldList(fields_text);
    if (!parsed.ok()) return fail("--fields: " + parsed.status().message(), kExitUsage);
    fields = *parsed;
  }
  auto batch_bytes = ParseSize(batch_size);
  if (!batch_bytes || *batch_bytes == 0)
    return fail("invalid --batch-size '" + batch_size + "' (bytes, or 512K, 4M ...)", kExitUsage);
  uint64_t rotate_bytes = 0;
  if (!rotate_size.empty()) {
    auto v = ParseSize(rotate_size);
    if (!v) return fail("invalid --rotate-size '" + rotate_size + "' (10M, 1G ...)", kExitUsage);
    rotate_bytes = *v;
  }
  auto spool_bytes = ParseSize(spool_size);
  if (!spool_bytes) return fail("invalid --spool-size '" + spool_size + "'", kExitUsage);
  if (!spool_dir.empty() && (follow || sink_kind.empty()))
    return fail(
        "--spool-dir applies to HTTP sinks without --follow (the repository is the "
        "spool of --follow)",
        kExitUsage);
  if (follow && cursor_path.empty())
    return fail("--follow needs --cursor=PATH (where the export remembers how far it got)",
                kExitUsage);
  if (!follow && !cursor_path.empty()) return fail("--cursor applies to --follow", kExitUsage);
  if (poll_s <= 0 || final_timeout_s <= 0 || gap_s <= 0)
    return fail("--poll-interval, --final-timeout and --long-flow-gap must be positive",
                kExitUsage);

  int rc = kExitOk;
  auto prepared = query.Prepare("export", &rc, follow);
  if (!prepared) return rc;

  options.format.json.schema = *parsed_schema;
  options.format.json.fields = fields;
  options.format.json.value.names = &prepared->site;
  options.format.json.value.time_format = *time_format;
  options.format.json.value.padded_flags = false;
  options.format.json.community_id = !no_community_id;
  options.format.json.community_id_seed = seed;
  options.format.json.flow_id = !no_flow_id;
  options.format.csv.value = options.format.json.value;
  options.format.csv.titles = true;
  options.predicate = prepared->predicate.is_all() ? nullptr : &prepared->predicate;
  options.threads = prepared->threads;
  options.long_flows = {.final_only = final_only,
                        .gap_ms = static_cast<int64_t>(gap_s * 1000),
                        .hold_ms = static_cast<int64_t>(final_timeout_s * 1000)};
  options.batch_bytes = *batch_bytes;
  options.stop = &StopFlag();
  options.inputs = prepared->inputs;
  options.follow = follow;
  options.root = prepared->root;
  options.selection.flowtype_sensors = prepared->flowtype_sensors;
  options.selection.first_hour_ms = prepared->first_hour_ms;
  options.cursor_path = cursor_path;
  options.start = start;
  options.poll_ms = static_cast<int64_t>(poll_s * 1000);
  options.duration_ms = static_cast<int64_t>(duration_s * 1000);

  std::unique_ptr<Sink> sink;
  if (!sink_kind.empty()) {
    auto kind = ParseHttpKind(sink_kind);
    if (!kind.ok()) return fail("--sink: " + kind.status().message(), kExitUsage);
    if (url.empty()) return fail("--sink needs --url", kExitUsage);
    if (options.format.format != OutputFormat::kJson)
      return fail("HTTP sinks take JSON; drop --output-format=csv", kExitUsage);
    HttpSinkOptions ho;
    ho.kind = *kind;
    ho.url = url;
    ho.headers = headers;
    if (!index.empty()) ho.index = index;
    ho.token = token;
    if (ho.token.empty())
      if (const char* env = std::getenv("WEIR_HEC_TOKEN")) ho.token = env;
    ho.splunk_ack = splunk_ack;
    ho.sourcetype = sourcetype;
    ho.ca_file = ca_file;
    ho.insecure = insecure;
    ho.compress = compress;
    ho.timeout_s = timeout_s;
    ho.max_attempts = follow ? max_attempts : (max_attempts ? max_attempts : 8);
    if (!spool_dir.empty()) ho.max_attempts = 1;  // the spool retries
    ho.rejected_path = !rejected_path.empty() ? rejected_path
                       : follow               ? cursor_path + ".rejected.jsonl"
                                              : "weir-export-rejected.jsonl";
    ho.stop = &StopFlag();
    auto opened = OpenHttpSink(ho);
    if (!opened.ok()) return fail(opened.status().message(), kExitUsage);
    sink = std::move(*opened);
    if (!spool_dir.empty()) {
      auto spooled =
          OpenSpoolingSink(std::move(sink), {.dir = spool_dir,
                                             .max_bytes = *spool_bytes,
                                             .max_attempts = max_attempts ? max_attempts : 8,
                                             .stop = &StopFlag()});
      if (!spooled.ok()) return fail(spooled.status().message(), kExitFailure);
      sink = std::move(*spooled);
    }
  } else {
    FileSinkOptions fo;
    fo.path = output_path;
    fo.rotate_bytes = rotate_bytes;
    fo.rotate_ms = static_cast<int64_t>(rotate_interval_s * 1000);
    fo.keep = keep;
    // Each batch is synced before the cursor moves past it; a one-shot export has
    // no cursor, and like any tool writing a file leaves flushing to the system
    // (syncing each 4 MiB batch made exporting 600 MB of JSON to a file 3x slower).
    fo.sync = follow;
    if (options.format.format == OutputFormat::kCsv) {
      RecordFormatter formatter(options.format);
      fo.header = formatter.Header();
    }
    auto opened = OpenFileSink(fo);
    if (!opened.ok()) return fail(opened.status().message(), kExitFailure);
    sink = std::move(*opened);
  }

  StopOnSignals();
  // HTTP connections closed by the peer are errors to retry; a closed pipe on
  // standard output ends weir export as it ends every Unix tool.
  if (!sink_kind.empty()) signal(SIGPIPE, SIG_IGN);

  ExportStats stats;
  Progress progress;  // one-shot exports on a terminal
  if (!follow)
    options.on_progress = [&progress](uint64_t n) {
      progress.Update("exported " + std::to_string(n) + " records");
    };
  std::function<void(const std::string&)> on_message = LogLine;
  if (!follow) on_message = [](const std::string& m) { PrintError("export", m); };
  Status status = weir::RunExport(options, *sink, stats, on_message);
  if (Status closed = sink->Close(); status.ok()) status = closed;
  progress.Done();
  if (print_statistics)
    std::fprintf(stderr, "Read %llu records, exported %llu in %llu batches, %llu errors\n",
                 static_cast<unsigned long long>(stats.records_read),
                 static_cast<unsigned long long>(stats.records_exported),
                 static_cast<unsigned long long>(stats.batches),
                 static_cast<unsigned long long>(stats.errors));
  if (!status.ok()) return fail(status.message(), kExitFailure);
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
