#include "store/flow_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace weir {

namespace {
constexpr size_t kReadChunk = 1 << 20;
constexpr size_t kSeekableChunk = 64 << 10;
}  // namespace

FlowFileReader::FlowFileReader(int fd, std::string name, bool own)
    : fd_(fd), owned_(own ? fd : -1), name_(std::move(name)) {}

Result<std::unique_ptr<FlowFileReader>> FlowFileReader::Open(const std::string& path) {
  if (path == "-" || path == "stdin") return FromFd(STDIN_FILENO, "stdin", false);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + ErrnoMessage(errno));
  return FromFd(fd, path, true);
}

Result<std::unique_ptr<FlowFileReader>> FlowFileReader::FromFd(int fd, std::string name, bool own) {
  std::unique_ptr<FlowFileReader> r(new FlowFileReader(fd, std::move(name), own));
  struct stat st;
  off_t position = ::lseek(fd, 0, SEEK_CUR);
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && position >= 0) {
    r->seekable_ = true;
    r->base_offset_ = static_cast<uint64_t>(position);
  }
  WEIR_RETURN_IF_ERROR(r->ReadHeader());
  return r;
}

bool FlowFileReader::Fill(size_t n) {
  while (end_ - begin_ < n) {
    if (eof_ || io_failed_) return false;
    if (begin_ > 0 && (buffer_.size() - end_ < kReadChunk || begin_ > buffer_.size() / 2)) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    // Seekable files read small chunks: a block's payload is read whole (n covers
    // it) or, column by column, not through the buffer at all.
    size_t want = std::max(n - (end_ - begin_), seekable_ ? kSeekableChunk : kReadChunk);
    if (buffer_.size() - end_ < want) buffer_.resize(end_ + want);
    ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got < 0) {
      if (errno == EINTR) continue;
      io_failed_ = true;
      Report(Status::IoError(name_ + ": read: " + ErrnoMessage(errno)));
      return false;
    }
    if (got == 0) eof_ = true;
    end_ += static_cast<size_t>(got);
  }
  return true;
}

void FlowFileReader::Consume(size_t n) {
  begin_ += n;
  offset_ += n;
}

void FlowFileReader::Skip(uint64_t n) {
  if (end_ - begin_ >= n) return Consume(static_cast<size_t>(n));
  // Past the buffer: drop it and move the file position (seekable files only).
  offset_ += n;
  begin_ = end_ = 0;
  if (::lseek(fd_, static_cast<off_t>(base_offset_ + offset_), SEEK_SET) < 0) {
    io_failed_ = true;
    Report(Status::IoError(name_ + ": seek: " + ErrnoMessage(errno)));
  }
}

bool FlowFileReader::ReadColumnsOnly(const std::string& where, ScratchBytes& sparse,
                                     bool* damaged) {
  *damaged = false;
  if (whole_blocks_ || !(block_.flags & kBlockColumnChecksums)) return false;
  ColumnSet wanted = columns_;
  if (wanted.Has(FieldId::kFlags)) {  // flags may be stored relative to these
    wanted.Add(FieldId::kInitialFlags);
    wanted.Add(FieldId::kSessionFlags);
  }
  if (block_.flags & kBlockSelection) wanted.Add(static_cast<FieldId>(kSelectionColumn));
  uint64_t needed = 0;
  for (const auto& c : block_.columns)
    if (wanted.Has(c.field)) needed += c.stored_size;
  // Most of it wanted: read it all. Nothing wanted (a scan of headers, as the
  // appender's repair does): read it all too, so every payload is verified.
  if (needed == 0 || needed * 2 > block_.payload_size) return false;
  // A block cut short is left to the full path, which reports the torn tail. A
  // stream is read through the buffer whole, but only the wanted columns are
  // copied out and checksummed.
  if (seekable_) {
    if (!FileHolds(base_offset_ + offset_ + block_.size + block_.payload_size)) return false;
  } else if (!Fill(block_.size + block_.payload_size)) {
    return false;
  }
  sparse.resize(block_.payload_size);
  uint64_t payload_at = base_offset_ + offset_ + block_.size;
  uint64_t at = 0;
  for (const auto& c : block_.columns) {
    uint64_t column_at = at;
    at += c.stored_size;
    if (!wanted.Has(c.field) || c.stored_size == 0) continue;
    std::byte* dest = sparse.data() + column_at;
    // From the buffer when it holds the column, else straight from the file.
    uint64_t in_buffer = end_ - begin_;
    if (block_.size + column_at + c.stored_size <= in_buffer) {
      std::memcpy(dest, buffer_.data() + begin_ + block_.size + column_at, c.stored_size);
    } else {
      size_t done = 0;
      while (done < c.stored_size) {
        ssize_t got = ::pread(fd_, dest + done, c.stored_size - done,
                              static_cast<off_t>(payload_at + column_at + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          Report(Status::Corruption(where + ": truncated payload (torn tail)"));
          *damaged = true;
          return true;
        }
        done += static_cast<size_t>(got);
      }
    }
    if (Checksum({dest, c.stored_size}) != c.checksum) {
      std::string column =
          IsKnownField(c.field) ? std::string(GetField(c.field).name) : "selection";
      Report(Status::Corruption(where + ": column " + column + " checksum mismatch"));
      *damaged = true;
      return true;
    }
  }
  return true;
}

bool FlowFileReader::FileHolds(uint64_t end) {
  if (end <= file_size_) return true;
  struct stat st;
  if (::fstat(fd_, &st) != 0) return false;
  file_size_ = static_cast<uint64_t>(st.st_size);
  return end <= file_size_;
}

bool FlowFileReader::ReadPayloadInto(ScratchBytes& out) {
  if (!seekable_) return false;
  const size_t size = block_.payload_size;
  const uint64_t at = base_offset_ + offset_ + block_.size;
  if (!FileHolds(at + size)) return false;
  out.resize(size);
  size_t done = 0;  // what the buffer holds already, then the rest from the file
  if (end_ - begin_ > block_.size) {
    done = std::min<size_t>(end_ - begin_ - block_.size, size);
    std::memcpy(out.data(), buffer_.data() + begin_ + block_.size, done);
  }
  while (done < size) {
    ssize_t got = ::pread(fd_, out.data() + done, size - done, static_cast<off_t>(at + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return Checksum({out.data(), size}) == block_.payload_checksum;
}

void FlowFileReader::Report(Status s) {
  ++error_count_;
  if (on_error_)
    on_error_(s);
  else if (errors_.size() < 1000)
    errors_.push_back(std::move(s));
}

Status FlowFileReader::ReadHeader() {
  size_t needed = 16;
  while (true) {
    bool have = Fill(needed);
    std::span<const std::byte> data(buffer_.data() + begin_, end_ - begin_);
    if (io_failed_) return errors_.empty() ? Status::IoError(name_ + ": read failed") : errors_[0];
    if (data.empty()) return Status::Corruption(name_ + ": empty file (no weir flow file header)");
    Status s = ParseFileHeader(data, header_, &needed);
    if (s.ok()) break;
    if (s.code() != StatusCode::kNotFound) return s.WithPrefix(name_);
    if (!have) return Status::Corruption(name_ + ": file header is truncated");
  }
  Consume(header_.size);
  valid_end_ = offset_;
  return Status::Ok();
}

Status FlowFileReader::SkipTo(uint64_t offset) {
  if (offset < offset_)
    return Status::Invalid(name_ + ": cannot go back to offset " + std::to_string(offset));
  if (!seekable_ && offset != offset_)
    return Status::Invalid(name_ + ": not a regular file, cannot skip to offset " +
                           std::to_string(offset));
  if (offset > offset_) Skip(offset - offset_);
  if (io_failed_)
    return errors_.empty() ? Status::IoError(name_ + ": seek failed") : errors_.back();
  valid_end_ = offset_;
  return Status::Ok();
}

void FlowFileReader::Resync() {
  // Look for the next block magic (or the header of a concatenated stream) at least
  // one byte past the damaged position.
  Consume(std::min<size_t>(1, end_ - begin_));
  while (true) {
    std::span<const std::byte> data(buffer_.data() + begin_, end_ - begin_);
    for (size_t i = 0; i + 4 <= data.size(); ++i) {
      if (std::memcmp(data.data() + i, kBlockMagic, 4) == 0 ||
          std::memcmp(data.data() + i, kFileMagic, 4) == 0) {
        Consume(i);
        return;
      }
    }
    size_t keep = std::min<size_t>(3, data.size());
    Consume(data.size() - keep);
    if (!Fill(keep + 1)) {
      Consume(end_ - begin_);
      return;
    }
  }
}

bool FlowFileReader::NextVerified(std::span<const std::byte>& payload, std::string& where,
                                  ScratchBytes* sparse, bool* used_sparse) {
  *used_sparse = false;
  sparse_whole_ = false;
  while (true) {
    if (!Fill(4)) {
      if (end_ != begin_ && stop_at_torn_tail_ && !io_failed_) {
        torn_tail_ = true;
        return false;
      }
      if (end_ != begin_) {
        Report(Status::Corruption(name_ + ": block " + std::to_string(block_index_) +
                                  " at offset " + std::to_string(offset_) +
                                  ": truncated (torn tail of " + std::to_string(end_ - begin_) +
                                  " bytes)"));
        Consume(end_ - begin_);
      }
      return false;
    }
    block_offset_ = offset_;
    where =
        name_ + ": block " + std::to_string(block_index_) + " at offset " + std::to_string(offset_);
    // A concatenated stream: a second file header where a block was expected.
    if (std::memcmp(buffer_.data() + begin_, kFileMagic, 4) == 0) {
      size_t needed = 16;
      FileHeader next;
      Status s;
      while (true) {
        bool have = Fill(needed);
        s = ParseFileHeader({buffer_.data() + begin_, end_ - begin_}, next, &needed);
        if (s.code() != StatusCode::kNotFound || !have) break;
      }
      if (s.ok()) {
        Consume(next.size);
        continue;
      }
    }
    size_t needed = 20;
    Status s;
    bool have = true;
    while (true) {
      have = Fill(needed);
      s = ParseBlockHeader({buffer_.data() + begin_, end_ - begin_}, block_, &needed);
      if (s.code() != StatusCode::kNotFound || !have) break;
    }
    if (!s.ok()) {
      if (s.code() == StatusCode::kNotFound && stop_at_torn_tail_ && !io_failed_) {
        torn_tail_ = true;
        return false;
      }
      if (s.code() == StatusCode::kNotFound)
        s = Status::Corruption("truncated block header (torn tail)");
      Report(s.WithPrefix(where));
      ++blocks_damaged_;
      ++block_index_;
      Resync();
      continue;
    }
    size_t total = block_.size + block_.payload_size;
    // The header has its own checksum, so a block the filter rules out is skipped
    // without reading or checksumming a payload nobody will read.
    if (block_filter_ && !block_filter_(block_)) {
      if (!seekable_ && !Fill(total)) {
        Report(Status::Corruption(where + ": truncated payload (torn tail)"));
        ++blocks_damaged_;
        ++block_index_;
        Resync();
        continue;
      }
      ++block_index_;
      ++blocks_skipped_;
      Skip(total);
      valid_end_ = offset_;
      continue;
    }
    if (sparse) {
      bool damaged = false;
      if (ReadColumnsOnly(where, *sparse, &damaged)) {
        ++block_index_;
        if (damaged) {
          ++blocks_damaged_;
          Skip(total);
          continue;
        }
        Skip(total);
        valid_end_ = offset_;
        payload = *sparse;
        *used_sparse = true;
        return true;
      }
    }
    if (sparse && ReadPayloadInto(*sparse)) {
      ++block_index_;
      Skip(total);
      valid_end_ = offset_;
      payload = *sparse;
      *used_sparse = true;
      sparse_whole_ = true;
      return true;
    }
    if (!Fill(total)) {
      if (stop_at_torn_tail_ && !io_failed_) {
        torn_tail_ = true;
        return false;
      }
      Report(Status::Corruption(where + ": truncated payload (torn tail)"));
      ++blocks_damaged_;
      ++block_index_;
      Resync();
      continue;
    }
    payload = {buffer_.data() + begin_ + block_.size, block_.payload_size};
    if (Checksum(payload) != block_.payload_checksum) {
      Report(Status::Corruption(where + ": payload checksum mismatch"));
      ++blocks_damaged_;
      ++block_index_;
      Resync();
      continue;
    }
    ++block_index_;
    return true;
  }
}

bool FlowFileReader::Next(FlowBatch& batch) {
  std::span<const std::byte> payload;
  std::string where;
  bool sparse = false;
  while (NextVerified(payload, where, &sparse_, &sparse)) {
    Status d = decoder_.Decode(block_, payload, columns_, batch);
    if (!sparse) {
      Consume(block_.size + block_.payload_size);
      valid_end_ = offset_;
    }
    if (!d.ok()) {
      Report(d.WithPrefix(where));
      ++blocks_damaged_;
      continue;
    }
    ++blocks_read_;
    return true;
  }
  return false;
}

bool FlowFileReader::NextRaw(RawBlock& raw) {
  std::span<const std::byte> payload;
  bool sparse = false;
  if (!NextVerified(payload, raw.where, &raw.payload, &sparse)) return false;
  raw.header = block_;
  raw.offset = block_offset_;
  raw.complete = !sparse || sparse_whole_;
  if (!sparse) {
    raw.payload.assign(payload.begin(), payload.end());
    Consume(block_.size + block_.payload_size);
    valid_end_ = offset_;
  }
  ++blocks_read_;
  return true;
}

Status DecodeRawBlock(const RawBlock& raw, ColumnSet columns, BlockDecoder& decoder,
                      FlowBatch& batch) {
  return decoder.Decode(raw.header, raw.payload, columns, batch).WithPrefix(raw.where);
}

}  // namespace weir
