// weir eve import: Suricata's flow and netflow events into a repository, as weir
// records classified by sensor.conf like the meter's and the collector's.
// Other event types are skipped and counted; a malformed line is counted and
// named (FILE:LINE: what) and the import goes on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "site/sensor_config.h"
#include "site/site_config.h"
#include "store/flow_writer.h"

namespace weir {

inline WriterOptions CollectorBlocks() {
  WriterOptions w;
  w.block_records = 65536;
  return w;
}

struct EveImportOptions {
  std::string root;
  const SiteConfig* site = nullptr;
  const SensorConfig* sensors = nullptr;
  size_t probe = 0;                                  // the sensor.conf probe that classifies
  std::optional<uint16_t> sensor;                    // --sensor: every record's sensor
  std::map<std::string, uint16_t> interface_sensor;  // in_iface -> sensor
  ClassifyOptions classify;
  // Blocks of 65536 records, as the collector's: their buffers fit the cache and
  // are reused, where larger ones would be fresh memory at every block.
  WriterOptions writer = CollectorBlocks();
  size_t max_line = 1 << 20;
  size_t max_reported = 10;  // malformed lines named one by one; the rest only counted
};

struct EveImportStats {
  uint64_t lines = 0, flow_events = 0, netflow_events = 0, records = 0, stored = 0;
  uint64_t other_events = 0, malformed = 0, too_long = 0;
  std::map<std::string, uint64_t> other_types;  // not kept: counted in other_events
  std::vector<std::string> problems;            // "FILE:LINE: what", the first max_reported
};

class EveImporter {
 public:
  explicit EveImporter(EveImportOptions options);
  ~EveImporter();

  // Reads a file (gzip too) or "-"; problems in lines are counted, not returned.
  // Errors are those of reading the input or writing the repository.
  Status ImportFile(const std::string& path);
  // Stores what is held and closes the files.
  Status Close();
  const EveImportStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One line per count, for the end of an import ("events: 1000 flow ...").
std::string EveImportSummary(const EveImportStats& stats);

}  // namespace weir
