// Meter: the engine behind `weir meter`. Packets from a PacketSource are decoded
// (wire/packet), optionally sampled 1-in-N, and counted into flows by a FlowCache;
// flows that end are exported as NetFlow v5/v9 or IPFIX to collectors over UDP or
// TCP (wire/encoder), and/or classified and stored into a repository, and/or
// written to a flow file or stream.
//
// One thread does it all: metering is a few hundred nanoseconds per packet, and
// a capture is ordered, so more threads would only add hand-offs. Statistics in
// the style of ipt_netflow's procfs page are kept as it runs; they go to the log
// every stats interval, on request (SIGUSR1) and at the end, and to a status file
// every second for other processes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "meter/capture.h"
#include "meter/flow_cache.h"
#include "site/sensor_config.h"
#include "site/site_config.h"
#include "store/flow_writer.h"
#include "wire/encoder.h"

namespace weir {

struct ExportTarget {
  std::string host;
  uint16_t port = 0;
  bool tcp = false;  // IPFIX over TCP
  std::string ToString() const;
  // Parses HOST:PORT, [V6]:PORT or PORT (127.0.0.1).
  static Result<ExportTarget> Parse(std::string_view text);
};

struct MeterStats;

struct MeterOptions {
  FlowCacheOptions cache;
  uint32_t sampling = 0;  // keep 1 packet in N; 0 or 1: every packet
  std::vector<ExportTarget> exports;
  EncoderOptions encoder;  // version, domain, template refresh; sampling is set from above
  // Pacing, for files (a live interface paces itself): packets are metered at
  // replay_speed times the capture's own pace (1: real time; 0: as fast as
  // possible), and each export destination sends at most export_rate messages a
  // second (0: no limit), so that a collector's socket buffer is not flooded.
  double replay_speed = 0;
  double export_rate = 0;
  // A TCP destination that is down keeps up to this many flows to send when it is
  // back (retried every second); beyond that they count as errors.
  size_t export_buffer_flows = 1'000'000;
  int64_t export_wait_ms = 10'000;  // at the end, how long to wait for a TCP destination
  // Storage: a repository classified by sensors' probe `probe`, and/or a flow file.
  std::string root;
  const SiteConfig* site = nullptr;
  const SensorConfig* sensors = nullptr;
  size_t probe = 0;
  ClassifyOptions classify;
  std::string output_path;  // "-": standard output
  WriterOptions writer;
  int64_t flush_ms = 1000;
  int64_t stats_interval_ms = 0;  // 0: no periodic statistics
  std::string status_path;        // rewritten every second; empty: none
  std::function<void(const std::string&)> log;
  std::function<void(const MeterStats&)> progress;  // called every second
};

struct MeterStats {
  int64_t started_ms = 0;
  int64_t now_ms = 0;
  uint64_t frames = 0;   // packets read from the sources
  uint64_t packets = 0;  // IP packets metered (after sampling)
  uint64_t bytes = 0;    // their IP bytes
  uint64_t sampled_out = 0;
  uint64_t non_ip = 0;     // ARP, STP, ...
  uint64_t truncated = 0;  // IP header cut short by the snaplen or the file
  uint64_t fragments = 0;
  uint64_t orphan_fragments = 0;  // later fragments whose first was not seen: ports 0
  double packets_per_s[2] = {};   // 1- and 5-minute averages
  double bits_per_s[2] = {};
  size_t active_flows = 0;
  size_t peak_flows = 0;
  size_t slots = 0;
  uint64_t flows_created = 0;
  uint64_t flows_ended = 0;
  uint64_t early_expired = 0;  // ended early for --max-flows
  uint64_t stored = 0;         // records written to the repository or flow file
  struct Export {
    std::string target;
    uint64_t messages = 0;
    uint64_t records = 0;
    uint64_t skipped = 0;   // flows the protocol cannot carry (IPv6 in v5)
    uint64_t errors = 0;    // messages not sent
    uint64_t buffered = 0;  // flows held while a TCP destination is down
    uint64_t dropped = 0;   // flows not sent because that buffer was full
  };
  std::vector<Export> exports;
  std::vector<SourceCounters> sources;
};

class Meter {
 public:
  // Opens the export sockets and output files; an error names which.
  static Result<std::unique_ptr<Meter>> Create(MeterOptions options);
  ~Meter();

  // Meters until the source ends (files) or stop becomes true; report asks for
  // the statistics on the log (cleared when done). Then every flow ends and is
  // exported and stored. Returns the first storage error.
  Status Run(PacketSource& source, std::atomic<bool>& stop, std::atomic<bool>& report);

  MeterStats Stats() const;
  static std::string FormatStats(const MeterStats& stats);

  class Impl;

 private:
  explicit Meter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
