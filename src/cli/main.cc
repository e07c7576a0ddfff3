// weir: one binary, git-style subcommands. Each subcommand lives in its own file
// and only parses switches and calls the libraries.
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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
int RunDetect(int argc, char** argv);
int RunEve(int argc, char** argv);
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
      {"detect", "describe attack traffic: victims, vectors, rates, top sources", RunDetect},
      {"eve", "Suricata EVE: import flow events, correlate alerts with the flows behind them",
       RunEve},
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

namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WEIR_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEIR_SANITIZED 1
#endif

// The heap's memory comes in huge pages: a scan's block and column buffers then
// fault in 2 MiB at a time instead of 4 KiB, which on a virtual machine is much of
// a scan's system time (JSON export of 1.1 M of 10 M flows on two workers: 0.75 ->
// 0.55 s of CPU). The kernel gives huge pages only to memory advised so (THP
// "madvise" mode), and the heap's later growth would not inherit the advice, so
// the heap grows by kReserve once, here, and that range is advised: address space
// only, its pages are faulted in as they are used. Frees do not give it back
// (trim threshold above it). Blocks of 0.1-4 MiB stay in the heap for reuse:
// above glibc's default mmap threshold each would be a fresh mapping. This
// replaces glibc's own hugetlb tunable, which needs a second exec of the program
// (about 15 ms per command). A caller's GLIBC_TUNABLES stand instead (with the
// mmap and trim thresholds of 32 MiB).
void UseHugePageHeap() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
#ifndef WEIR_SANITIZED
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  constexpr size_t kReserve = size_t{256} << 20;
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * kReserve));
  mallopt(M_TOP_PAD, static_cast<int>(kReserve));
  const auto start = reinterpret_cast<uintptr_t>(sbrk(0));
  void* volatile grow = malloc(1 << 20);  // volatile: the pair is not optimised away
  free(grow);
  const auto end = reinterpret_cast<uintptr_t>(sbrk(0));
  mallopt(M_TOP_PAD, 4 << 20);
  const uintptr_t from = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (start != static_cast<uintptr_t>(-1) && end > from)
    madvise(reinterpret_cast<void*>(from), end - from, MADV_HUGEPAGE);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  UseHugePageHeap();
  // One heap for every thread. glibc gives threads heaps of their own of at most
  // 64 MiB, which grow and shrink (and fault their pages in again) as multi-MiB
  // block and text buffers come and go; weir's threads allocate per block, not per
  // record, so sharing costs little (10 M flows, export of 1.1 M as JSON: 24 k ->
  // 2 k page faults, 0.8 -> 0.5 s).
  mallopt(M_ARENA_MAX, 1);
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
