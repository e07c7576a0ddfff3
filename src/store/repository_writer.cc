#include "store/repository_writer.h"

#include <filesystem>

#include "base/file.h"
#include "base/time.h"

namespace weir {

RepositoryWriter::RepositoryWriter(std::string root, PathFunction path, WriterOptions options,
                                   int keep_open_hours)
    : root_(std::move(root)),
      path_(std::move(path)),
      options_(std::move(options)),
      keep_open_hours_(keep_open_hours) {}

RepositoryWriter::~RepositoryWriter() { (void)Close(); }

Status RepositoryWriter::Append(const FlowRecord& r) {
  int64_t hour = FloorTo(r.stime_ms, kMillisPerHour);
  Key key{hour, r.flowtype, r.sensor};
  // Consecutive records often share a file: skip the lookup then.
  if (last_writer_ && key == last_key_) {
    WEIR_RETURN_IF_ERROR(last_writer_->Append(r));
    ++records_;
    return Status::Ok();
  }
  auto it = open_.find(key);
  if (it == open_.end()) {
    std::string path = root_ + "/" + path_(r.flowtype, r.sensor, hour);
    WEIR_RETURN_IF_ERROR(MakeDirectories(std::filesystem::path(path).parent_path().string()));
    WriterOptions o = options_;
    o.annotations.emplace_back("flowtype", std::to_string(r.flowtype));
    o.annotations.emplace_back("sensor", std::to_string(r.sensor));
    o.annotations.emplace_back("hour", FormatTime(hour, TimeFormat::kIso));
    auto writer = FlowFileWriter::OpenForAppend(path, o);
    if (!writer.ok()) return writer.status();
    it = open_.emplace(key, std::move(writer).value()).first;
    ++files_opened_;
  }
  last_key_ = key;
  last_writer_ = it->second.get();
  WEIR_RETURN_IF_ERROR(it->second->Append(r));
  ++records_;
  if (hour > newest_hour_) {
    newest_hour_ = hour;
    WEIR_RETURN_IF_ERROR(CloseOlderThan(hour - keep_open_hours_ * kMillisPerHour));
  }
  return Status::Ok();
}

Status RepositoryWriter::CloseOlderThan(int64_t hour_ms) {
  while (!open_.empty() && open_.begin()->first.hour < hour_ms) {
    if (open_.begin()->second.get() == last_writer_) last_writer_ = nullptr;
    auto node = open_.extract(open_.begin());
    Status s = node.mapped()->Close();
    closed_bytes_ += node.mapped()->bytes_written();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status RepositoryWriter::Flush(bool sync) {
  for (auto& [key, writer] : open_) WEIR_RETURN_IF_ERROR(writer->Flush(sync));
  return Status::Ok();
}

Status RepositoryWriter::Close() {
  Status first;
  for (auto& [key, writer] : open_) {
    Status s = writer->Close();
    closed_bytes_ += writer->bytes_written();
    if (first.ok() && !s.ok()) first = s;
  }
  open_.clear();
  last_writer_ = nullptr;
  return first;
}

uint64_t RepositoryWriter::bytes_written() const {
  uint64_t total = closed_bytes_;
  for (const auto& [key, writer] : open_) total += writer->bytes_written();
  return total;
}

}  // namespace weir
