#include "export/spool.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/file.h"

namespace weir {

namespace {

namespace fs = std::filesystem;

// "WSPL", u32 version 1, u64 records, u64 text bytes, then per record u32 end,
// i64 start time, u64 id, then the text, then XXH3-64 of all the preceding bytes.
constexpr char kMagic[4] = {'W', 'S', 'P', 'L'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 4 + 4 + 8 + 8;
constexpr size_t kPerRecord = 4 + 8 + 8;

template <typename T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i)
    b[i] = static_cast<char>(static_cast<uint64_t>(v) >> (8 * i));
  out.append(b, sizeof(T));
}

template <typename T>
T Get(std::string_view data, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= uint64_t{static_cast<unsigned char>(data[at + i])} << (8 * i);
  return static_cast<T>(v);
}

class SpoolingSink : public Sink {
 public:
  SpoolingSink(std::unique_ptr<Sink> inner, SpoolOptions options)
      : inner_(std::move(inner)), options_(std::move(options)) {}

  Status Open() {
    std::error_code ec;
    fs::create_directories(options_.dir, ec);
    if (ec) return Status::IoError(options_.dir + ": " + ec.message());
    for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.ends_with(".tmp")) {  // a batch cut short by a crash: never acknowledged
        fs::remove(entry.path(), ec);
        continue;
      }
      if (!name.ends_with(".batch")) continue;
      files_.push_back(entry.path().string());
      bytes_ += entry.file_size(ec);
      next_ = std::max<uint64_t>(next_, std::strtoull(name.c_str(), nullptr, 10) + 1);
    }
    if (ec) return Status::IoError(options_.dir + ": " + ec.message());
    std::sort(files_.begin(), files_.end());
    if (!files_.empty())
      std::fprintf(stderr, "weir export: %zu batches spooled in %s by an earlier run go first\n",
                   files_.size(), options_.dir.c_str());
    return Status::Ok();
  }

  Status Deliver(const ExportBatch& batch) override {
    Status drained = Drain();
    if (drained.code() == StatusCode::kInvalidArgument) return drained;
    if (files_.empty()) {
      Status s = inner_->Deliver(batch);
      if (s.ok() || s.code() == StatusCode::kInvalidArgument) return s;
      NoteDown(s);
    }
    return Spool(batch);
  }

  Status Close() override {
    double backoff_s = 0.5;
    for (int attempt = 1; !files_.empty(); ++attempt) {
      Status s = Drain();
      if (files_.empty()) break;
      if (s.code() == StatusCode::kInvalidArgument || attempt >= options_.max_attempts ||
          (options_.stop && options_.stop->load()))
        return Status::IoError(
            s.message() + "; " + std::to_string(files_.size()) + " batches stay spooled in " +
            options_.dir + " and go first with the next weir export --spool-dir=" + options_.dir);
      std::fprintf(stderr, "weir export: %s (%zu batches spooled; retrying in %.1f s)\n",
                   s.message().c_str(), files_.size(), backoff_s);
      std::this_thread::sleep_for(std::chrono::duration<double>(backoff_s));
      backoff_s = std::min(backoff_s * 2, 30.0);
    }
    return inner_->Close();
  }

  std::string Describe() const override {
    return inner_->Describe() + " (spool " + options_.dir + ")";
  }

 private:
  void NoteDown(const Status& s) {
    if (!down_)
      std::fprintf(stderr, "weir export: %s; spooling to %s until it answers\n",
                   s.message().c_str(), options_.dir.c_str());
    down_ = true;
  }

  // Sends spooled batches in order until one fails.
  Status Drain() {
    while (!files_.empty()) {
      std::string data;
      {
        std::ifstream in(files_.front(), std::ios::binary);
        data.assign(std::istreambuf_iterator<char>(in), {});
        if (!in.good() && !in.eof()) return Status::IoError(files_.front() + ": cannot read");
      }
      ExportBatch batch;
      if (Status s = DecodeSpooledBatch(data, batch); !s.ok())
        return Status::Corruption(files_.front() + ": " + s.message() + " (move it away to go on)");
      Status s = inner_->Deliver(batch);
      if (!s.ok()) return s;
      std::error_code ec;
      fs::remove(files_.front(), ec);
      bytes_ -= std::min<uint64_t>(bytes_, data.size());
      files_.erase(files_.begin());
      if (files_.empty() && down_) {
        std::fprintf(stderr, "weir export: %s answers again; the spool is empty\n",
                     inner_->Describe().c_str());
        down_ = false;
      }
    }
    return Status::Ok();
  }

  Status Spool(const ExportBatch& batch) {
    std::string data = EncodeSpooledBatch(batch);
    if (bytes_ + data.size() > options_.max_bytes)
      return Status::IoError("spool " + options_.dir + " is full (" + std::to_string(bytes_) +
                             " bytes; --spool-size) and " + inner_->Describe() +
                             " does not answer");
    char name[32];
    std::snprintf(name, sizeof name, "%012" PRIu64 ".batch", next_++);
    std::string path = options_.dir + "/" + name, tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoError(tmp + ": " + ErrnoMessage(errno));
    FileDescriptor owned(fd);
    std::string_view rest = data;
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IoError(tmp + ": " + ErrnoMessage(errno));
      rest.remove_prefix(static_cast<size_t>(n));
    }
    if (::fsync(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0)
      return Status::IoError(path + ": " + ErrnoMessage(errno));
    files_.push_back(path);
    bytes_ += data.size();
    return Status::Ok();
  }

  std::unique_ptr<Sink> inner_;
  SpoolOptions options_;
  std::vector<std::string> files_;  // spooled batches, oldest first
  uint64_t bytes_ = 0;
  uint64_t next_ = 0;
  bool down_ = false;
};

}  // namespace

std::string EncodeSpooledBatch(const ExportBatch& batch) {
  std::string out;
  out.reserve(kHeader + batch.size() * kPerRecord + batch.text.size() + 8);
  out.append(kMagic, 4);
  Put<uint32_t>(out, kVersion);
  Put<uint64_t>(out, batch.size());
  Put<uint64_t>(out, batch.text.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    Put<uint32_t>(out, batch.ends[i]);
    Put<int64_t>(out, batch.stimes[i]);
    Put<uint64_t>(out, batch.ids[i]);
  }
  out += batch.text.view();
  Put<uint64_t>(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

Status DecodeSpooledBatch(std::string_view data, ExportBatch& batch) {
  batch.Clear();
  if (data.size() < kHeader + 8 || data.substr(0, 4) != std::string_view(kMagic, 4))
    return Status::Corruption("not a spooled batch");
  if (Get<uint32_t>(data, 4) != kVersion)
    return Status::Unsupported("spooled batch version " + std::to_string(Get<uint32_t>(data, 4)));
  if (Get<uint64_t>(data, data.size() - 8) != XXH3_64bits(data.data(), data.size() - 8))
    return Status::Corruption("checksum mismatch");
  uint64_t count = Get<uint64_t>(data, 8), text = Get<uint64_t>(data, 16);
  uint64_t room = data.size() - kHeader - 8;
  if (count > room / kPerRecord || text != room - count * kPerRecord)
    return Status::Corruption("sizes do not add up");
  size_t at = kHeader;
  uint32_t previous = 0;
  for (uint64_t i = 0; i < count; ++i, at += kPerRecord) {
    uint32_t end = Get<uint32_t>(data, at);
    if (end <= previous && i > 0) return Status::Corruption("record ends out of order");
    if (end > text || end == 0) return Status::Corruption("record end beyond the text");
    previous = end;
    batch.ends.push_back(end);
    batch.stimes.push_back(Get<int64_t>(data, at + 4));
    batch.ids.push_back(Get<uint64_t>(data, at + 12));
  }
  if (count && batch.ends.back() != text) return Status::Corruption("text after the last record");
  batch.text.Append(data.substr(at, text));
  return Status::Ok();
}

Result<std::unique_ptr<Sink>> OpenSpoolingSink(std::unique_ptr<Sink> inner, SpoolOptions options) {
  auto sink = std::make_unique<SpoolingSink>(std::move(inner), std::move(options));
  WEIR_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace weir
