// weir netmask: zero the host bits of flow addresses (rwnetmask).
#include "cli/query_options.h"
#include "store/flow_writer.h"

namespace weir::cli {

namespace {

IpAddress Mask(const IpAddress& a, int v4_length, int v6_length) {
  int length = a.is_v4() ? v4_length : v6_length;
  if (length < 0) return a;
  return a.MaskedTo(a.is_v4() ? 96 + length : length);
}

}  // namespace

int RunNetmask(int argc, char** argv) {
  CLI::App app(
      "Zero the host bits of source, destination and next-hop addresses and write the\n"
      "records as a flow stream (like rwnetmask).",
      "netmask");
  int sip4 = -1, dip4 = -1, nhip4 = -1, sip6 = -1, dip6 = -1, nhip6 = -1;
  std::string output_path = "-";
  QueryOptions query;
  app.add_option("--4sip-prefix-length,--sip-prefix-length", sip4, "IPv4 source prefix (0-32)")
      ->check(CLI::Range(0, 32));
  app.add_option("--4dip-prefix-length,--dip-prefix-length", dip4, "IPv4 destination prefix (0-32)")
      ->check(CLI::Range(0, 32));
  app.add_option("--4nhip-prefix-length,--nhip-prefix-length", nhip4, "IPv4 next-hop prefix (0-32)")
      ->check(CLI::Range(0, 32));
  app.add_option("--6sip-prefix-length", sip6, "IPv6 source prefix (0-128)")
      ->check(CLI::Range(0, 128));
  app.add_option("--6dip-prefix-length", dip6, "IPv6 destination prefix (0-128)")
      ->check(CLI::Range(0, 128));
  app.add_option("--6nhip-prefix-length", nhip6, "IPv6 next-hop prefix (0-128)")
      ->check(CLI::Range(0, 128));
  app.add_option("--output-path", output_path, "write the stream here (default: stdout)");
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (sip4 < 0 && dip4 < 0 && nhip4 < 0 && sip6 < 0 && dip6 < 0 && nhip6 < 0)
    return PrintError("netmask", "give at least one --*-prefix-length"), kExitUsage;
  bool to_stdout = output_path == "-" || output_path == "stdout";
  if (to_stdout && IsTerminal(1))
    return PrintError("netmask", "will not write binary flow records to a terminal"), kExitUsage;
  int rc = kExitOk;
  auto prepared = query.Prepare("netmask", &rc);
  if (!prepared) return rc;
  WriterOptions wo;
  wo.compression = DefaultCompression(output_path);
  wo.threads = ScanWorkers(prepared->threads);
  wo.annotations = {{"created-by", "weir netmask"}};
  auto writer = FlowFileWriter::Create(output_path, wo);
  if (!writer.ok()) return PrintError("netmask", writer.status().message()), kExitFailure;
  Status status;
  FlowBatch out;
  ScanStats stats =
      RunScan("netmask", *prepared, ColumnSet::All(), /*ordered=*/true,
              [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
                out.Clear();
                out.AppendRows(batch, rows);
                for (size_t i = 0; i < out.size(); ++i) {
                  out.sip[i] = Mask(out.sip[i], sip4, sip6);
                  out.dip[i] = Mask(out.dip[i], dip4, dip6);
                  out.nhip[i] = Mask(out.nhip[i], nhip4, nhip6);
                }
                status = (*writer)->AppendBatch(std::move(out));
                return status.ok();
              });
  Status closed = (*writer)->Close();
  if (status.ok()) status = closed;
  if (!status.ok()) return PrintError("netmask", status.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
