// RepositoryWriter: stores records in a repository's hourly files, one file per
// (flowtype, sensor, hour), at the paths a caller-supplied function gives (the
// site's path-format; `store` does not know silk.conf).
//
// Files are opened with FlowFileWriter::OpenForAppend, so a restart after a crash
// continues the same hour's file after cutting off any torn tail. Writers of hours
// older than the newest hour seen minus `keep_open_hours` are closed as records
// move on. Not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/flow_writer.h"

namespace weir {

class RepositoryWriter {
 public:
  using PathFunction =
      std::function<std::string(uint8_t flowtype, uint16_t sensor, int64_t hour_ms)>;

  RepositoryWriter(std::string root, PathFunction path, WriterOptions options,
                   int keep_open_hours = 2);
  ~RepositoryWriter();

  Status Append(const FlowRecord& r);
  // Appends many records, grouped by file first so each file takes its rows column
  // by column. Same result as Append of each record in order.
  Status AppendRecords(std::span<const FlowRecord> records);
  // Appends a block encoded by a BlockEncoder of `version` to the file of
  // (flowtype, sensor, hour), for writers that encode on several threads. A file of
  // another version (an older repository) gets the block's records re-encoded.
  Status AppendEncodedBlock(uint8_t flowtype, uint16_t sensor, int64_t hour_ms,
                            std::span<const std::byte> block, uint64_t records, uint16_t version);
  // Writes every buffered record; with sync, waits for the disk.
  Status Flush(bool sync);
  Status Close();

  uint64_t records() const { return records_; }
  size_t files_opened() const { return files_opened_; }
  uint64_t bytes_written() const;

 private:
  struct Key {
    int64_t hour;
    uint8_t flowtype;
    uint16_t sensor;
    auto operator<=>(const Key&) const = default;
  };
  Status CloseOlderThan(int64_t hour_ms);
  // Notes that `key` was written to: closes files of hours that fell out of reach.
  Status Advance(const Key& key);
  Result<FlowFileWriter*> Writer(const Key& key);
  struct Group {
    Key key;
    FlowFileWriter* writer;
    std::vector<uint32_t> rows;
  };
  std::vector<Group> groups_;  // AppendRecords' scratch, kept for its capacity

  std::string root_;
  PathFunction path_;
  WriterOptions options_;
  int keep_open_hours_;
  std::map<Key, std::unique_ptr<FlowFileWriter>> open_;
  Key last_key_{};
  FlowFileWriter* last_writer_ = nullptr;  // the file of last_key_, while open
  int64_t newest_hour_ = INT64_MIN;
  uint64_t records_ = 0;
  uint64_t closed_bytes_ = 0;
  size_t files_opened_ = 0;
};

}  // namespace weir
