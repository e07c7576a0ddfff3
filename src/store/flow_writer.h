// FlowFileWriter: writes a weir flow file or stream.
//
// Records are buffered into a FlowBatch and written as one block when the batch
// is full, on Flush() and on Close(). With options.threads > 1, full batches are
// encoded on worker threads while the caller goes on; blocks are written in order. Each block is
// written with a single write, so a crash leaves at most one torn block at the tail;
// OpenForAppend() cuts such a tail off before appending. Not thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/status.h"
#include "store/block_codec.h"
#include "store/block_format.h"
#include "store/flow_batch.h"

namespace weir {

struct WriterOptions {
  Compression compression = Compression::kZstd;
  int zstd_level = 1;
  uint32_t block_records = 262144;
  // Threads that encode and compress blocks; blocks are still written in order.
  int threads = 1;
  std::vector<std::pair<std::string, std::string>> annotations;
  // With one thread: BlockEncoder::SkipFailingDictionaries (the collector's files,
  // where traffic with many addresses costs a hash probe per row and column).
  bool skip_failing_dictionaries = false;
  // The flow file version whose blocks are written (kFlowFileVersion). OpenForAppend
  // sets it to the file's own version, so its blocks stay readable by the weir that
  // wrote it.
  uint16_t version = kFlowFileVersion;
};

class FlowFileWriter {
 public:
  // Creates (truncates) path; "-" or "stdout" writes standard output.
  static Result<std::unique_ptr<FlowFileWriter>> Create(const std::string& path,
                                                        const WriterOptions& options);
  // Opens path for appending, creating it if missing. A torn tail left by a crash is
  // cut off (reported in repaired_bytes()); a file that is not a weir flow file is
  // refused, never overwritten.
  static Result<std::unique_ptr<FlowFileWriter>> OpenForAppend(const std::string& path,
                                                               const WriterOptions& options);
  // Writes to an open descriptor (not owned).
  static Result<std::unique_ptr<FlowFileWriter>> ToFd(int fd, std::string name,
                                                      const WriterOptions& options);
  ~FlowFileWriter();

  Status Append(const FlowRecord& r) {
    pending_.Append(r);
    if (pending_.size() >= options_.block_records) return WriteBlock();
    return Status::Ok();
  }
  // Appends records[rows[k]] for every k, a block at a time.
  Status AppendRecords(std::span<const FlowRecord> records, std::span<const uint32_t> rows);
  // Appends a whole batch (all columns present); pass it with std::move to spare a copy.
  Status AppendBatch(FlowBatch batch);
  // Writes a block already encoded by a BlockEncoder (after any buffered records),
  // for writers that encode blocks on several threads.
  Status AppendEncodedBlock(std::span<const std::byte> block, uint64_t records);
  // Writes the buffered records as a block; with sync, also waits for the disk.
  Status Flush(bool sync = false);
  Status Close();

  uint64_t records_written() const { return records_written_; }
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t repaired_bytes() const { return repaired_bytes_; }
  size_t pending_records() const { return pending_.size(); }
  const std::string& name() const { return name_; }
  // The flow file version whose blocks this writer writes (the file's own on append).
  uint16_t version() const { return options_.version; }

 private:
  FlowFileWriter(int fd, bool own, std::string name, const WriterOptions& options);
  Status WriteHeader();
  Status WriteBlock();
  // Threaded mode: writes finished blocks in order; with wait, until none is pending.
  Status DrainEncoded(bool wait);
  void StopWorkers();

  int fd_;
  FileDescriptor owned_;
  std::string name_;
  WriterOptions options_;
  BlockEncoder encoder_;
  FlowBatch pending_;
  std::vector<std::byte> out_;
  uint64_t records_written_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t repaired_bytes_ = 0;
  bool closed_ = false;

  // Threaded encoding: jobs numbered in submission order.
  struct Job {
    FlowBatch batch;
    std::vector<std::byte> bytes;
    bool done = false;
    std::string failure;  // set when encoding threw (out of memory): the writer fails
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> jobs_;  // oldest first; encoded when done
  size_t next_to_encode_ = 0;              // index into jobs_ of the next job to take
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<FlowBatch> spare_batches_;
};

}  // namespace weir
