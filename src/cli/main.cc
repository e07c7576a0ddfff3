// weir: one binary, git-style subcommands. Each subcommand lives in its own file
// and only parses switches and calls the libraries.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/common.h"

namespace weir::cli {

int RunBag(int argc, char** argv);
int RunCat(int argc, char** argv);
int RunCollect(int argc, char** argv);
int RunCount(int argc, char** argv);
int RunCut(int argc, char** argv);
int RunExport(int argc, char** argv);
int RunFglob(int argc, char** argv);
int RunFilter(int argc, char** argv);
int RunGen(int argc, char** argv);
int RunInfo(int argc, char** argv);
int RunMeter(int argc, char** argv);
int RunNetmask(int argc, char** argv);
int RunServe(int argc, char** argv);
int RunSet(int argc, char** argv);
int RunSite(int argc, char** argv);
int RunSort(int argc, char** argv);
int RunStats(int argc, char** argv);
int RunUniq(int argc, char** argv);
int RunUser(int argc, char** argv);

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"bag", "counters per key: build, cat, add, subtract, threshold (rwbag tools)", RunBag},
      {"cat", "concatenate flow files and streams (rwcat)", RunCat},
      {"collect", "receive NetFlow, IPFIX and sFlow into the repository (rwflowpack)", RunCollect},
      {"count", "records, bytes and packets per time bin (rwcount)", RunCount},
      {"cut", "print flow records as text, CSV or JSON (rwcut)", RunCut},
      {"export",
       "JSON Lines or CSV for SIEMs, once or following the repository (files, "
       "Elasticsearch, Splunk, HTTP)",
       RunExport},
      {"fglob", "list repository files for a selection (rwfglob)", RunFglob},
      {"filter", "select flow records by switches or an expression (rwfilter)", RunFilter},
      {"gen", "generate realistic synthetic flows", RunGen},
      {"info", "describe flow files (rwfileinfo)", RunInfo},
      {"meter", "packets to flows from pcap files or interfaces, exported or stored (softflowd)",
       RunMeter},
      {"netmask", "zero the host bits of addresses (rwnetmask)", RunNetmask},
      {"serve", "the web UI and JSON API: query builder, charts, dashboards, users", RunServe},
      {"set", "IP sets: build, text, cat, union, intersect, difference, member (rwset tools)",
       RunSet},
      {"site", "print the site configuration (rwsiteinfo)", RunSite},
      {"sort", "sort flow records by key fields, in memory or on disk (rwsort)", RunSort},
      {"stats", "top-N groups by records, packets, bytes or distinct counts (rwstats)", RunStats},
      {"uniq", "every group by key fields with its values (rwuniq)", RunUniq},
      {"user", "manage weir serve's users and API tokens", RunUser},
  };
  return commands;
}

namespace {

void Usage(FILE* to) {
  std::fprintf(to,
               "weir %s: network flow monitoring toolkit\n\n"
               "Usage: weir <command> [switches] [files]\n\nCommands:\n",
               WEIR_VERSION);
  for (const auto& c : Commands()) std::fprintf(to, "  %-8s %s\n", c.name, c.summary);
  std::fprintf(to, "  %-8s %s\n", "help",
               "show this list, or a command's help: weir help <command>");
  std::fprintf(to, "\nEvery command takes --help. Switches may be shortened to a unique prefix.\n");
}

}  // namespace

int Main(int argc, char** argv) {
  if (argc < 2) {
    Usage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--version" || name == "version") {
    std::printf("weir %s\n", WEIR_VERSION);
    return kExitOk;
  }
  if (name == "help" || name == "--help" || name == "-h") {
    if (argc > 2) {
      for (const auto& c : Commands())
        if (c.name == std::string(argv[2])) {
          char help[] = "--help";
          char* args[] = {argv[2], help, nullptr};
          return c.run(2, args);
        }
      std::fprintf(stderr, "weir: unknown command '%s'\n", argv[2]);
      return kExitUsage;
    }
    Usage(stdout);
    return kExitOk;
  }
  for (const auto& c : Commands())
    if (c.name == name) return c.run(argc - 1, argv + 1);
  std::fprintf(stderr, "weir: unknown command '%s' (see 'weir help')\n", name.c_str());
  return kExitUsage;
}

}  // namespace weir::cli

int main(int argc, char** argv) {
  // Block buffers (0.1-4 MiB) are allocated and freed all the time. Above glibc's
  // default mmap threshold each one would be a fresh mapping whose every page
  // faults again, and below it a free heap top over 128 KiB goes back to the
  // system, to fault again on the next block. A fixed 32 MiB threshold and 32 MiB
  // of free heap kept keep them in the heap for reuse (10 M flows: filter count
  // 12 k -> 8 k page faults, 0.18 -> 0.14 s; filter to a pipe 17 k -> 8 k faults,
  // 0.28 -> 0.17 s).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  // The edge of the program: anything thrown below becomes one line, never a trace.
  try {
    return weir::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weir: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "weir: internal error\n");
  }
  return weir::cli::kExitFailure;
}
