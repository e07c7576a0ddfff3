// weir set: IP sets (rwset, rwsetbuild, rwsetcat, rwsettool, rwsetmember).
#include <mutex>

#include "cli/query_options.h"
#include "net/ip_wildcard.h"
#include "store/ip_set_file.h"

namespace weir::cli {

namespace {

constexpr const char* kUsage =
    "Usage: weir set ACTION [switches]\n\n"
    "Actions:\n"
    "  build   addresses of flow records into set files (rwset): --sip-file, --dip-file,\n"
    "          --nhip-file, --any-file; takes weir filter's inputs and switches\n"
    "  text    a set file from text: addresses, CIDR blocks, wildcards (rwsetbuild)\n"
    "  cat     print sets: addresses, --cidr-blocks, or --count-ips (rwsetcat)\n"
    "  union, intersect, difference   combine sets into --output-path (rwsettool)\n"
    "  member  which set files hold an address or wildcard (rwsetmember)\n\n"
    "Each action takes --help. Set files: doc/formats/ipset.md.\n";

int Build(int argc, char** argv) {
  CLI::App app("Collect the addresses of flow records into IP set files (like rwset).",
               "set build");
  std::string sip_file, dip_file, nhip_file, any_file;
  QueryOptions query;
  app.add_option("--sip-file", sip_file, "write the source addresses here")->group("Sets");
  app.add_option("--dip-file", dip_file, "write the destination addresses here")->group("Sets");
  app.add_option("--nhip-file", nhip_file, "write the next-hop addresses here")->group("Sets");
  app.add_option("--any-file", any_file, "write source and destination addresses here")
      ->group("Sets");
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  struct Target {
    std::string* path;
    std::vector<FieldId> fields;
  };
  std::vector<Target> targets;
  for (auto t :
       {Target{&sip_file, {FieldId::kSip}}, Target{&dip_file, {FieldId::kDip}},
        Target{&nhip_file, {FieldId::kNhip}}, Target{&any_file, {FieldId::kSip, FieldId::kDip}}})
    if (!t.path->empty()) targets.push_back(t);
  if (targets.empty())
    return PrintError("set", "give --sip-file, --dip-file, --nhip-file or --any-file"), kExitUsage;
  int rc = kExitOk;
  auto prepared = query.Prepare("set", &rc);
  if (!prepared) return rc;
  std::vector<FieldId> columns;
  for (const auto& t : targets) columns.insert(columns.end(), t.fields.begin(), t.fields.end());
  // One set per target and worker; a set is compacted after every million adds.
  int workers = ScanWorkers(prepared->threads);
  std::vector<std::vector<IpSet>> sets(static_cast<size_t>(workers),
                                       std::vector<IpSet>(targets.size()));
  std::vector<std::vector<size_t>> pending(static_cast<size_t>(workers),
                                           std::vector<size_t>(targets.size(), 0));
  ScanStats stats = RunScan(
      "set", *prepared, ColumnSet::Of(columns), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        auto w = static_cast<size_t>(worker);
        for (size_t t = 0; t < targets.size(); ++t) {
          IpSet& set = sets[w][t];
          for (FieldId f : targets[t].fields)
            for (uint32_t r : rows) set.Add(batch.Ip(f, r));
          pending[w][t] += rows.size() * targets[t].fields.size();
          if (pending[w][t] > (1u << 20)) {
            set.Finish();
            pending[w][t] = 0;
          }
        }
        return true;
      });
  for (size_t t = 0; t < targets.size(); ++t) {
    IpSet merged;
    for (auto& per_worker : sets) merged.AddSet(per_worker[t]);
    merged.Finish();
    if (Status s = SaveIpSetFile(merged, *targets[t].path); !s.ok())
      return PrintError("set", s.message()), kExitFailure;
  }
  return stats.errors ? kExitFailure : kExitOk;
}

int Text(int argc, char** argv) {
  CLI::App app(
      "Make an IP set file from text: addresses, CIDR blocks and IP wildcards, one or more\n"
      "per line, '#' comments (like rwsetbuild).",
      "set text");
  std::string output_path;
  std::vector<std::string> files;
  app.add_option("--output-path", output_path, "the set file to write (- for stdout)")->required();
  app.add_option("files", files, "text files (default: stdin)");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (files.empty()) files.push_back("-");
  IpSet all;
  for (const auto& f : files) {
    auto set = LoadIpSetFile(f);  // text, or a set file
    if (!set.ok()) return PrintError("set", set.status().message()), kExitFailure;
    all.AddSet(*set);
  }
  all.Finish();
  if (Status s = SaveIpSetFile(all, output_path); !s.ok())
    return PrintError("set", s.message()), kExitFailure;
  return kExitOk;
}

int Cat(int argc, char** argv) {
  CLI::App app("Print IP sets: every address, or CIDR blocks, or counts (like rwsetcat).",
               "set cat");
  bool cidr = false, count = false;
  std::vector<std::string> files;
  app.add_flag("--cidr-blocks", cidr, "print the fewest CIDR blocks that make up the set");
  app.add_flag("--count-ips", count, "print only the number of addresses");
  app.add_option("files", files, "set files (default: stdin)");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (files.empty()) files.push_back("-");
  Output out;
  for (const auto& f : files) {
    auto set = LoadIpSetFile(f);
    if (!set.ok()) return PrintError("set", set.status().message()), kExitFailure;
    if (count) {
      Uint128 n = set->AddressCount();
      std::string digits;
      do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
        n /= 10;
      } while (n != 0);
      out.buffer() += (files.size() > 1 ? f + ":" : "") + digits + "\n";
      continue;
    }
    if (cidr) {
      for (const auto& p : set->ToPrefixes()) out.buffer() += p.ToString() + "\n";
    } else {
      for (const auto& r : set->ranges()) {
        if (r.high - r.low > (Uint128{1} << 32))
          return PrintError("set", f + ": more than 2^32 addresses; use --cidr-blocks"), kExitUsage;
        for (Uint128 v = r.low;; ++v) {
          FromUint128(v).AppendTo(out.buffer());
          out.buffer() += '\n';
          if (Status s = out.MaybeFlush(); !s.ok())
            return PrintError("set", s.message()), kExitFailure;
          if (v == r.high) break;
        }
      }
    }
    if (Status s = out.MaybeFlush(); !s.ok()) return PrintError("set", s.message()), kExitFailure;
  }
  if (Status s = out.Flush(); !s.ok()) return PrintError("set", s.message()), kExitFailure;
  return kExitOk;
}

int Combine(const std::string& action, int argc, char** argv) {
  CLI::App app("Combine IP set files: " + action + " (like rwsettool --" + action + ").",
               "set " + action);
  std::string output_path;
  std::vector<std::string> files;
  app.add_option("--output-path", output_path, "the set file to write (- for stdout)")->required();
  app.add_option("files", files, "set files, two or more; difference: the first minus the rest")
      ->required();
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  IpSet result;
  for (size_t i = 0; i < files.size(); ++i) {
    auto set = LoadIpSetFile(files[i]);
    if (!set.ok()) return PrintError("set", set.status().message()), kExitFailure;
    if (i == 0)
      result = std::move(*set);
    else if (action == "union")
      result = IpSet::Union(result, *set);
    else if (action == "intersect")
      result = IpSet::Intersection(result, *set);
    else
      result = IpSet::Difference(result, *set);
  }
  if (Status s = SaveIpSetFile(result, output_path); !s.ok())
    return PrintError("set", s.message()), kExitFailure;
  return kExitOk;
}

int Member(int argc, char** argv) {
  CLI::App app(
      "Print the set files that hold an address, CIDR block or wildcard (like rwsetmember);\n"
      "exit 0 when at least one does, 1 when none does.",
      "set member");
  std::string pattern;
  std::vector<std::string> files;
  bool count = false;
  app.add_option("pattern", pattern, "address, CIDR block or IP wildcard")->required();
  app.add_option("files", files, "set files")->required();
  app.add_flag("--count", count, "also print how many addresses of the pattern each file holds");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  IpSet wanted;
  if (Status s = AddIpText(pattern, wanted); !s.ok())
    return PrintError("set", s.message()), kExitUsage;
  bool any = false;
  for (const auto& f : files) {
    auto set = LoadIpSetFile(f);
    if (!set.ok()) return PrintError("set", set.status().message()), kExitFailure;
    IpSet both = IpSet::Intersection(wanted, *set);
    if (both.empty()) continue;
    any = true;
    if (count)
      std::printf("%s:%llu\n", f.c_str(), static_cast<unsigned long long>(both.AddressCount()));
    else
      std::printf("%s\n", f.c_str());
  }
  return any ? kExitOk : kExitFailure;
}

}  // namespace

int RunSet(int argc, char** argv) {
  std::string action = argc > 1 ? argv[1] : "";
  if (action == "--help" || action == "-h" || action == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (action == "build") return Build(argc - 1, argv + 1);
  if (action == "text") return Text(argc - 1, argv + 1);
  if (action == "cat") return Cat(argc - 1, argv + 1);
  if (action == "union" || action == "intersect" || action == "difference")
    return Combine(action, argc - 1, argv + 1);
  if (action == "member") return Member(argc - 1, argv + 1);
  std::fputs(kUsage, stderr);
  if (!action.empty()) PrintError("set", "unknown action '" + action + "'");
  return kExitUsage;
}

}  // namespace weir::cli
