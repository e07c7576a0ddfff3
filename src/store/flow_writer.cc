#include "store/flow_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>
#include <optional>

#include "base/failpoint.h"
#include "base/thread.h"
#include "store/flow_reader.h"

namespace weir {

FlowFileWriter::FlowFileWriter(int fd, bool own, std::string name, const WriterOptions& options)
    : fd_(fd),
      owned_(own ? fd : -1),
      name_(std::move(name)),
      options_(options),
      encoder_(options.compression, options.zstd_level, options.version) {
  encoder_.SkipFailingDictionaries(options_.skip_failing_dictionaries);
  if (options_.block_records == 0) options_.block_records = 1;
  if (options_.block_records > kMaxBlockRecords) options_.block_records = kMaxBlockRecords;
  for (int i = 0; options_.threads > 1 && i < options_.threads; ++i) {
    workers_.emplace_back([this] {
      // Nothing escapes a worker: a job whose encoding throws (out of memory) is
      // done with its failure, which the writing thread reports as its Status.
      std::optional<BlockEncoder> encoder;
      std::unique_lock lock(mu_);
      while (true) {
        cv_.wait(lock, [&] { return stopping_ || next_to_encode_ < jobs_.size(); });
        if (next_to_encode_ >= jobs_.size()) return;  // stopping, nothing left
        Job* job = jobs_[next_to_encode_++].get();
        lock.unlock();
        try {
          if (!encoder)
            encoder.emplace(options_.compression, options_.zstd_level, options_.version);
          FailPoint("store.encode");
          encoder->Encode(job->batch, job->bytes);
        } catch (...) {
          job->failure = DescribeException(std::current_exception());
        }
        lock.lock();
        job->done = true;
        cv_.notify_all();
      }
    });
  }
}

void FlowFileWriter::StopWorkers() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

Status FlowFileWriter::DrainEncoded(bool wait) {
  std::unique_lock lock(mu_);
  while (!jobs_.empty()) {
    if (!jobs_.front()->done) {
      if (!wait) return Status::Ok();
      cv_.wait(lock, [&] { return jobs_.front()->done; });
    }
    std::unique_ptr<Job> job = std::move(jobs_.front());
    jobs_.pop_front();
    --next_to_encode_;
    lock.unlock();
    Status s = job->failure.empty()
                   ? WriteAll(fd_, job->bytes, name_)
                   : Status::Internal(name_ + ": compressing a block failed: " + job->failure);
    if (s.ok()) {
      records_written_ += job->batch.size();
      bytes_written_ += job->bytes.size();
    }
    lock.lock();
    job->batch.Clear();
    spare_batches_.push_back(std::move(job->batch));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

FlowFileWriter::~FlowFileWriter() {
  if (!closed_) (void)Close();
}

Result<std::unique_ptr<FlowFileWriter>> FlowFileWriter::Create(const std::string& path,
                                                               const WriterOptions& options) {
  if (path == "-" || path == "stdout") return ToFd(STDOUT_FILENO, "stdout", options);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(path + ": " + ErrnoMessage(errno));
  std::unique_ptr<FlowFileWriter> w(new FlowFileWriter(fd, true, path, options));
  WEIR_RETURN_IF_ERROR(w->WriteHeader());
  return w;
}

Result<std::unique_ptr<FlowFileWriter>> FlowFileWriter::ToFd(int fd, std::string name,
                                                             const WriterOptions& options) {
  std::unique_ptr<FlowFileWriter> w(new FlowFileWriter(fd, false, std::move(name), options));
  WEIR_RETURN_IF_ERROR(w->WriteHeader());
  return w;
}

Result<std::unique_ptr<FlowFileWriter>> FlowFileWriter::OpenForAppend(
    const std::string& path, const WriterOptions& options) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || st.st_size == 0) return Create(path, options);
  uint64_t valid_end = 0;
  WriterOptions append_options = options;
  {
    auto reader = FlowFileReader::Open(path);
    if (!reader.ok()) return reader.status().WithPrefix("refusing to append (not repairable)");
    append_options.version = std::min(options.version, (*reader)->header().version);
    (*reader)->SetColumns(ColumnSet::None());
    (*reader)->SetErrorHandler([](const Status&) {});
    FlowBatch scratch;
    while ((*reader)->Next(scratch)) {
    }
    valid_end = (*reader)->end_of_valid_data();
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + ErrnoMessage(errno));
  std::unique_ptr<FlowFileWriter> w(new FlowFileWriter(fd, true, path, append_options));
  if (static_cast<uint64_t>(st.st_size) > valid_end) {
    if (::ftruncate(fd, static_cast<off_t>(valid_end)) != 0)
      return Status::IoError(path + ": cannot cut torn tail: " + ErrnoMessage(errno));
    w->repaired_bytes_ = static_cast<uint64_t>(st.st_size) - valid_end;
  }
  if (::lseek(fd, static_cast<off_t>(valid_end), SEEK_SET) < 0)
    return Status::IoError(path + ": seek: " + ErrnoMessage(errno));
  return w;
}

Status FlowFileWriter::WriteHeader() {
  FileHeader header;
  header.version = options_.version;
  header.compression = options_.compression;
  header.annotations = options_.annotations;
  std::vector<std::byte> bytes = SerializeFileHeader(header);
  bytes_written_ += bytes.size();
  return WriteAll(fd_, bytes, name_);
}

Status FlowFileWriter::AppendBatch(FlowBatch batch) {
  if (pending_.empty() && batch.size() == options_.block_records) {
    pending_ = std::move(batch);
    return WriteBlock();
  }
  // Column by column into the pending block, a block at a time.
  std::vector<uint32_t> rows;
  for (size_t done = 0; done < batch.size();) {
    size_t take = std::min(batch.size() - done, options_.block_records - pending_.size());
    rows.resize(take);
    std::iota(rows.begin(), rows.end(), static_cast<uint32_t>(done));
    pending_.AppendRows(batch, rows);
    done += take;
    if (pending_.size() >= options_.block_records) WEIR_RETURN_IF_ERROR(WriteBlock());
  }
  return Status::Ok();
}

Status FlowFileWriter::AppendRecords(std::span<const FlowRecord> records,
                                     std::span<const uint32_t> rows) {
  while (!rows.empty()) {
    size_t take = std::min(rows.size(), options_.block_records - pending_.size());
    pending_.AppendRecords(records, rows.first(take));
    rows = rows.subspan(take);
    if (pending_.size() >= options_.block_records) WEIR_RETURN_IF_ERROR(WriteBlock());
  }
  return Status::Ok();
}

Status FlowFileWriter::WriteBlock() {
  if (pending_.empty()) return Status::Ok();
  if (!workers_.empty()) {
    // Hand the batch to the workers; keep at most two blocks per worker in flight.
    auto job = std::make_unique<Job>();
    job->batch = std::move(pending_);
    {
      std::lock_guard lock(mu_);
      pending_ = FlowBatch();
      if (!spare_batches_.empty()) {
        pending_ = std::move(spare_batches_.back());
        spare_batches_.pop_back();
      }
      jobs_.push_back(std::move(job));
    }
    cv_.notify_all();
    WEIR_RETURN_IF_ERROR(DrainEncoded(false));
    std::unique_lock lock(mu_);
    while (jobs_.size() > 2 * workers_.size()) {
      lock.unlock();
      WEIR_RETURN_IF_ERROR(DrainEncoded(false));
      lock.lock();
      if (jobs_.size() > 2 * workers_.size()) cv_.wait(lock, [&] { return jobs_.front()->done; });
    }
    return Status::Ok();
  }
  out_.clear();
  FailPoint("store.encode");
  encoder_.Encode(pending_, out_);
  Status s = WriteAll(fd_, out_, name_);
  if (!s.ok()) return s;
  records_written_ += pending_.size();
  bytes_written_ += out_.size();
  pending_.Clear();
  return Status::Ok();
}

Status FlowFileWriter::AppendEncodedBlock(std::span<const std::byte> block, uint64_t records) {
  WEIR_RETURN_IF_ERROR(WriteBlock());
  WEIR_RETURN_IF_ERROR(DrainEncoded(true));
  WEIR_RETURN_IF_ERROR(WriteAll(fd_, block, name_));
  records_written_ += records;
  bytes_written_ += block.size();
  return Status::Ok();
}

Status FlowFileWriter::Flush(bool sync) {
  WEIR_RETURN_IF_ERROR(WriteBlock());
  WEIR_RETURN_IF_ERROR(DrainEncoded(true));
  if (sync && ::fdatasync(fd_) != 0 && errno != EINVAL && errno != EROFS)
    return Status::IoError(name_ + ": fdatasync: " + ErrnoMessage(errno));
  return Status::Ok();
}

Status FlowFileWriter::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status s = WriteBlock();
  Status d = DrainEncoded(true);
  if (s.ok()) s = d;
  StopWorkers();
  Status c = owned_.Close(name_);
  return s.ok() ? c : s;
}

}  // namespace weir
