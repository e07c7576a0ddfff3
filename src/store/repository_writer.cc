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

Result<FlowFileWriter*> RepositoryWriter::Writer(const Key& key) {
  auto it = open_.find(key);
  if (it == open_.end()) {
    std::string path = root_ + "/" + path_(key.flowtype, key.sensor, key.hour);
    WEIR_RETURN_IF_ERROR(MakeDirectories(std::filesystem::path(path).parent_path().string()));
    WriterOptions o = options_;
    o.annotations.emplace_back("flowtype", std::to_string(key.flowtype));
    o.annotations.emplace_back("sensor", std::to_string(key.sensor));
    o.annotations.emplace_back("hour", FormatTime(key.hour, TimeFormat::kIso));
    auto writer = FlowFileWriter::OpenForAppend(path, o);
    if (!writer.ok()) return writer.status();
    it = open_.emplace(key, std::move(writer).value()).first;
    ++files_opened_;
  }
  return it->second.get();
}

Status RepositoryWriter::Append(const FlowRecord& r) {
  Key key{FloorTo(r.stime_ms, kMillisPerHour), r.flowtype, r.sensor};
  // Consecutive records often share a file: skip the lookup then.
  if (!last_writer_ || !(key == last_key_)) {
    auto writer = Writer(key);
    if (!writer.ok()) return writer.status();
    last_key_ = key;
    last_writer_ = *writer;
  }
  WEIR_RETURN_IF_ERROR(last_writer_->Append(r));
  ++records_;
  return Advance(key);
}

Status RepositoryWriter::Advance(const Key& key) {
  if (key.hour > newest_hour_) {
    newest_hour_ = key.hour;
    WEIR_RETURN_IF_ERROR(CloseOlderThan(key.hour - keep_open_hours_ * kMillisPerHour));
  }
  return Status::Ok();
}

Status RepositoryWriter::AppendEncodedBlock(uint8_t flowtype, uint16_t sensor, int64_t hour_ms,
                                            std::span<const std::byte> block, uint64_t records,
                                            uint16_t version) {
  Key key{FloorTo(hour_ms, kMillisPerHour), flowtype, sensor};
  auto writer = Writer(key);
  if (!writer.ok()) return writer.status();
  if ((*writer)->version() == version) {
    WEIR_RETURN_IF_ERROR((*writer)->AppendEncodedBlock(block, records));
  } else {
    BlockHeader header;
    size_t needed = 0;
    WEIR_RETURN_IF_ERROR(ParseBlockHeader(block, header, &needed));
    FlowBatch batch;
    WEIR_RETURN_IF_ERROR(
        BlockDecoder().Decode(header, block.subspan(header.size), ColumnSet::All(), batch));
    WEIR_RETURN_IF_ERROR((*writer)->AppendBatch(std::move(batch)));
  }
  records_ += records;
  return Advance(key);
}

Status RepositoryWriter::AppendRecords(std::span<const FlowRecord> records) {
  constexpr size_t kMaxGroups = 64;  // beyond this (records spread over many hours), one by one
  for (auto& g : groups_) g.rows.clear();
  size_t used = 0, last = 0;
  int64_t newest = newest_hour_;
  for (size_t i = 0; i < records.size(); ++i) {
    const FlowRecord& r = records[i];
    Key key{FloorTo(r.stime_ms, kMillisPerHour), r.flowtype, r.sensor};
    if (used == 0 || !(groups_[last].key == key)) {
      size_t g = 0;
      while (g < used && !(groups_[g].key == key)) ++g;
      if (g == used) {
        if (used == kMaxGroups) {
          // Flush what is grouped so far, then go on record by record.
          for (size_t k = 0; k < used; ++k) {
            WEIR_RETURN_IF_ERROR(groups_[k].writer->AppendRecords(records, groups_[k].rows));
            records_ += groups_[k].rows.size();
            groups_[k].rows.clear();
          }
          for (size_t j = i; j < records.size(); ++j) WEIR_RETURN_IF_ERROR(Append(records[j]));
          return Status::Ok();
        }
        auto writer = Writer(key);
        if (!writer.ok()) return writer.status();
        if (groups_.size() == used) groups_.emplace_back();
        groups_[used].key = key;
        groups_[used].writer = *writer;
        groups_[used].rows.clear();
        ++used;
      }
      last = g;
    }
    groups_[last].rows.push_back(static_cast<uint32_t>(i));
    newest = std::max(newest, key.hour);
  }
  for (size_t g = 0; g < used; ++g) {
    WEIR_RETURN_IF_ERROR(groups_[g].writer->AppendRecords(records, groups_[g].rows));
    records_ += groups_[g].rows.size();
  }
  return Advance(Key{newest, 0, 0});
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
