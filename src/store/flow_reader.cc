#include "store/flow_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace weir {

namespace {
constexpr size_t kReadChunk = 1 << 20;
}

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
    size_t want = std::max(n - (end_ - begin_), kReadChunk);
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

bool FlowFileReader::NextVerified(std::span<const std::byte>& payload, std::string& where) {
  while (true) {
    if (!Fill(4)) {
      if (end_ != begin_) {
        Report(Status::Corruption(name_ + ": block " + std::to_string(block_index_) +
                                  " at offset " + std::to_string(offset_) +
                                  ": truncated (torn tail of " + std::to_string(end_ - begin_) +
                                  " bytes)"));
        Consume(end_ - begin_);
      }
      return false;
    }
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
      if (s.code() == StatusCode::kNotFound)
        s = Status::Corruption("truncated block header (torn tail)");
      Report(s.WithPrefix(where));
      ++blocks_damaged_;
      ++block_index_;
      Resync();
      continue;
    }
    size_t total = block_.size + block_.payload_size;
    if (!Fill(total)) {
      Report(Status::Corruption(where + ": truncated payload (torn tail)"));
      ++blocks_damaged_;
      ++block_index_;
      Resync();
      continue;
    }
    // The header has its own checksum, so a block the filter rules out is skipped
    // without checksumming a payload nobody will read.
    if (block_filter_ && !block_filter_(block_)) {
      ++block_index_;
      ++blocks_skipped_;
      Consume(total);
      valid_end_ = offset_;
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
  while (NextVerified(payload, where)) {
    Status d = decoder_.Decode(block_, payload, columns_, batch);
    Consume(block_.size + block_.payload_size);
    valid_end_ = offset_;
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
  if (!NextVerified(payload, raw.where)) return false;
  raw.header = block_;
  raw.payload.assign(payload.begin(), payload.end());
  Consume(block_.size + block_.payload_size);
  valid_end_ = offset_;
  ++blocks_read_;
  return true;
}

Status DecodeRawBlock(const RawBlock& raw, ColumnSet columns, BlockDecoder& decoder,
                      FlowBatch& batch) {
  return decoder.Decode(raw.header, raw.payload, columns, batch).WithPrefix(raw.where);
}

}  // namespace weir
