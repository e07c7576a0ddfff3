// Repository file selection: rwfilter's and rwfglob's selection switches
// (--class, --type, --flowtypes, --sensors, --start-date, --end-date) turned into
// the list of hourly files under a repository root.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "site/site_config.h"

namespace weir {

struct FileSelection {
  std::string classes;     // comma list; empty: the default class
  std::string types;       // comma list or "all"; empty: the class's default types
  std::string flowtypes;   // "CLASS/TYPE,..." ("all" allowed on either side); overrides
  std::string sensors;     // names, ids and id ranges; empty: every sensor of the class
  std::string start_date;  // YYYY/MM/DD[:HH]; empty: today (UTC)
  std::string end_date;    // YYYY/MM/DD[:HH]; empty: see doc/repository.md
};

struct SelectedFile {
  std::string path;
  uint8_t flowtype = 0;
  uint16_t sensor = 0;
  int64_t hour_ms = 0;
  bool exists = false;
};

// The (flowtype, sensor) pairs a selection names, in flowtype then sensor order.
Result<std::vector<std::pair<uint8_t, uint16_t>>> SelectFlowtypeSensors(
    const SiteConfig& site, const FileSelection& selection);
// The hours [first, last] a selection covers, as hour starts in UTC milliseconds.
Result<std::pair<int64_t, int64_t>> SelectHours(const FileSelection& selection, int64_t now_ms);

// Calls visit for every candidate file, hour by hour, without building the list
// (a selection of years names millions); `exists` says whether it is on disk.
// Stops, and returns Ok, once visit returns false.
Status ForEachSelectedFile(const SiteConfig& site, const std::string& root,
                           const FileSelection& selection, int64_t now_ms,
                           const std::function<bool(const SelectedFile&)>& visit);

// Every candidate file, hour by hour; `exists` says whether it is on disk.
Result<std::vector<SelectedFile>> SelectFiles(const SiteConfig& site, const std::string& root,
                                              const FileSelection& selection, int64_t now_ms);

}  // namespace weir
