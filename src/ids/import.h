// weir eve import: Suricata's flow and netflow events into a repository, as weir
// records classified by sensor.conf like the meter's and the collector's.
// Other event types are skipped and counted; a malformed line is counted and
// named (FILE:LINE: what) and the import goes on.
#pragma once

#include <atomic>
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

// Following a growing eve.json (weir eve import --follow): new lines as they are
// written, across rotation (a new file at the path: the old one is read to its end
// first) and truncation (copytruncate: read again from the start). The cursor file
// holds the file's inode and the offset of the lines stored and flushed, so a
// restart goes on from there: lines are stored at least once (a crash between a
// flush and the cursor's update stores the lines of that poll again).
struct EveFollowOptions {
  std::string cursor;         // path of the cursor file
  int64_t poll_ms = 1000;     // how often the file is read at its end
  int64_t stop_after_ms = 0;  // stop after this long (0: when stop is set)
  const std::atomic<bool>* stop = nullptr;
};

class EveImporter {
 public:
  explicit EveImporter(EveImportOptions options);
  ~EveImporter();

  // Reads a file (gzip too) or "-"; problems in lines are counted, not returned.
  // Errors are those of reading the input or writing the repository.
  Status ImportFile(const std::string& path);
  // Follows a plain (not gzip) EVE file until stopped; see EveFollowOptions.
  Status Follow(const std::string& path, const EveFollowOptions& options);
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
