// RepositoryTail: finds what a collector (or meter) has stored in a repository
// since an ExportCursor's offsets, and reads it block by block.
//
// Each poll walks the repository and compares flow files' sizes with their
// exported offsets; a file that grew is read from that offset, one intact block
// at a time. To keep polls cheap in a repository of years, files of hours more
// than `recent_hours` old are looked at (stat) only every `full_every` polls unless
// they grew in the last `full_every` polls: a flow stored that late in a quiet file is
// exported within that many polls instead of one, while a file just created (or still
// being filled) is looked at every poll. A block still being written (cut short at the
// end of the file) is left for the next poll. Files are recognised by their header
// annotations (flowtype, sensor, hour), not by their names, so any path-format works;
// files outside the selection and files that are not flow files are remembered and
// skipped. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "export/cursor.h"
#include "store/flow_reader.h"

namespace weir {

struct TailSelection {
  // (flowtype, sensor) pairs to export; empty: every file.
  std::set<std::pair<uint8_t, uint16_t>> flowtype_sensors;
  int64_t first_hour_ms = INT64_MIN;  // files of earlier hours are not exported
  int recent_hours = 3;
  int full_every = 30;
};

struct PendingFile {
  std::string path;     // relative to the root
  uint64_t offset = 0;  // exported so far
  uint64_t size = 0;    // on disk now
};

class RepositoryTail {
 public:
  RepositoryTail(std::string root, TailSelection selection)
      : root_(std::move(root)), selection_(std::move(selection)) {}

  // The selected files that hold bytes beyond their offset in cursor, and the
  // cursor's files that are gone from disk. Unreadable directories are errors.
  Status Poll(const ExportCursor& cursor, std::vector<PendingFile>& pending,
              std::vector<std::string>& gone);
  // The current size of every selected file whose hour starts before
  // before_hour_ms: where a cursor that starts "now" (or at a time) begins.
  Result<std::map<std::string, uint64_t>> CurrentSizes(int64_t before_hour_ms = INT64_MAX);

  // Reads the complete blocks of file from its offset. For each block, calls
  // block(raw, end) with end the offset just past it; stops early when block
  // returns false. Damaged blocks are reported to on_error and passed over.
  // Returns the offset up to which the file was consumed.
  using BlockHandler = std::function<bool(RawBlock& raw, uint64_t end)>;
  Result<uint64_t> Read(const PendingFile& file, const BlockHandler& block,
                        const std::function<void(const Status&)>& on_error);

  const std::string& root() const { return root_; }

 private:
  // Whether the file at relative path is a selected flow file (cached).
  bool Selected(const std::string& path, uint64_t size);
  // Calls file(entry, path relative to the root) for every regular file under
  // the root, hidden files and directories left out; a missing root is empty.
  Status Walk(
      const std::function<void(const std::filesystem::directory_entry&, const std::string&)>& file);
  struct Known {
    bool selected;
    int64_t hour_ms;            // from the header; INT64_MIN when it has none
    uint64_t changed_poll = 0;  // the last poll that found it grown (0: none)
  };

  std::string root_;
  TailSelection selection_;
  std::map<std::string, Known> known_;
  uint64_t polls_ = 0;
};

// Where a cursor starts: a cursor just created is tied to root and starts at
// `start` ("beginning", "now", or a time such as 2026/11/27:13: files of earlier
// hours count as read as they are now); an existing one must follow the same root.
Status StartCursor(ExportCursor& cursor, const std::string& root, const TailSelection& selection,
                   const std::string& start);

}  // namespace weir
