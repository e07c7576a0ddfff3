// Collector: the daemon behind `weir collect`. Receives NetFlow v5/v9, IPFIX and
// sFlow on the probes of a sensor.conf, decodes each exporter's datagrams, classifies
// records into (sensor, flowtype) with the twoway logic, and stores them in the
// repository's hourly files.
//
// Threads: one receiver per UDP socket (recvmmsg batches, large socket buffers,
// kernel drops read with SO_MEMINFO), one acceptor plus one reader per IPFIX
// TCP connection, a decoder that decodes and classifies, and a writer that appends
// to the repository's files and flushes every open file each flush interval, so a
// stored flow is readable within that interval (plus the decoder's 50 ms hand-off)
// and a crash loses at most one interval; files are appended to after a restart.
// Start/Stop/Wait are called from one thread; Snapshot from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "site/sensor_config.h"
#include "site/site_config.h"
#include "store/flow_writer.h"
#include "wire/exporter.h"

namespace weir {

struct CollectorOptions {
  std::string root;                    // repository root
  int64_t flush_ms = 1000;             // --flush-timeout
  int64_t stats_interval_ms = 60'000;  // periodic log line; 0: none
  std::string status_path;             // status file rewritten every second; empty: none
  size_t socket_buffer_bytes = 64u << 20;
  ClassifyOptions classify;
  // The collector writes each file's blocks in order, so it can skip address
  // dictionaries that keep failing (WriterOptions::skip_failing_dictionaries).
  WriterOptions writer = [] {
    WriterOptions o;
    o.skip_failing_dictionaries = true;
    return o;
  }();
  WireLimits limits;
  std::function<void(const std::string&)> log;  // one line per call; never per packet
  // Sees each batch of classified records just before it is stored, on the
  // writer thread (weir collect --detect plugs detection in here).
  std::function<void(const std::vector<FlowRecord>&)> observe;
};

struct ProbeCounters {
  std::string name;
  std::string listen;  // "udp/2055"
  uint64_t datagrams = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;       // decoded
  uint64_t stored = 0;        // written (a record kept by two sensors counts twice)
  uint64_t discarded = 0;     // by every sensor's discard-when/unless
  uint64_t rejected = 0;      // datagrams from hosts not in accept-from-host
  uint64_t socket_drops = 0;  // datagrams the kernel dropped (receive buffer full)
};

struct ExporterStatus {
  std::string address;
  std::string probe;
  int version = 0;
  size_t templates = 0;
  ExporterCounters counters;
  std::map<uint32_t, std::string> interface_names;           // from options data
  std::map<uint32_t, InterfaceCounters> interface_counters;  // from sFlow counter samples
};

struct CollectorSnapshot {
  int64_t started_ms = 0;
  int64_t now_ms = 0;
  uint64_t stored = 0;
  uint64_t files_opened = 0;
  uint64_t bytes_written = 0;
  uint64_t queue_drops = 0;
  std::vector<ProbeCounters> probes;
  std::vector<ExporterStatus> exporters;
};

class Collector {
 public:
  // Binds every probe's socket (an error names the probe and port) and starts.
  static Result<std::unique_ptr<Collector>> Start(const SiteConfig& site,
                                                  const SensorConfig& sensors,
                                                  CollectorOptions options);
  ~Collector();

  // Asks every thread to finish; safe to call more than once.
  void Stop();
  // Waits for the threads, flushes and closes every file. The first write error
  // (disk full ...) is returned; records already written stay readable.
  Status Wait();
  // True once the worker failed (a write error); the daemon should stop.
  bool failed() const;

  CollectorSnapshot Snapshot() const;
  // The status text (as in the status file): per probe and per exporter counters.
  static std::string FormatStatus(const CollectorSnapshot& now, const CollectorSnapshot* before);
  // The UDP or TCP port a probe listens on, as bound.
  uint16_t BoundPort(size_t probe) const;

  class Impl;

 private:
  explicit Collector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
