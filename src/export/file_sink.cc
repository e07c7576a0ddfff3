// The file sink: JSON Lines or CSV into a file that rotates by size and age and
// keeps a number of rotated files, for forwarders that tail files (Filebeat, the
// Sumo Logic collector, Splunk's universal forwarder); or standard output.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/file.h"
#include "base/time.h"
#include "export/sink.h"

namespace weir {

namespace {

class FileSink : public Sink {
 public:
  explicit FileSink(FileSinkOptions options) : options_(std::move(options)) {}
  ~FileSink() override {
    if (fd_ > 1) ::close(fd_);
  }

  Status Open() {
    if (options_.path == "-" || options_.path == "stdout") {
      fd_ = 1;
      return WriteAll(options_.header);
    }
    fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IoError(options_.path + ": " + ErrnoMessage(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::IoError(options_.path + ": " + ErrnoMessage(errno));
    size_ = static_cast<uint64_t>(st.st_size);
    opened_ms_ = NowMillis();
    if (size_ == 0) return WriteAll(options_.header);
    return Status::Ok();
  }

  Status Deliver(const ExportBatch& batch) override {
    uint64_t before = size_;
    Status s = WriteAll(batch.text.view());
    if (s.ok() && fd_ > 1 && options_.sync && ::fdatasync(fd_) != 0)
      s = Status::IoError(options_.path + ": sync: " + ErrnoMessage(errno));
    // A batch is written whole or not at all (disk full): the retry writes it again.
    if (!s.ok() && fd_ > 1 && ::ftruncate(fd_, static_cast<off_t>(before)) == 0) size_ = before;
    return s;
  }

  std::map<std::string, std::string> CommitState() const override {
    if (fd_ <= 1) return {};
    return {{"output_path", options_.path}, {"output_size", std::to_string(size_)}};
  }

  Status Resume(const std::map<std::string, std::string>& state) override {
    if (fd_ <= 1) return Status::Ok();
    auto path = state.find("output_path"), size = state.find("output_size");
    if (path == state.end() || size == state.end() || path->second != options_.path)
      return Status::Ok();
    uint64_t committed = std::strtoull(size->second.c_str(), nullptr, 10);
    // Records written after the last commit will be exported again: cut them off.
    if (size_ > committed) {
      if (::ftruncate(fd_, static_cast<off_t>(committed)) != 0)
        return Status::IoError(options_.path + ": truncate: " + ErrnoMessage(errno));
      size_ = committed;
    }
    return Status::Ok();
  }

  Status AfterCommit() override {
    if (fd_ <= 1) return Status::Ok();
    bool by_size = options_.rotate_bytes && size_ >= options_.rotate_bytes;
    bool by_age = options_.rotate_ms && size_ > options_.header.size() &&
                  NowMillis() - opened_ms_ >= options_.rotate_ms;
    if (!by_size && !by_age) return Status::Ok();
    return Rotate();
  }

  std::string Describe() const override {
    return fd_ == 1 ? "standard output" : "file " + options_.path;
  }

 private:
  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IoError(Describe() + ": " + ErrnoMessage(errno));
      data.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  Status Rotate() {
    // FILE -> FILE.YYYYMMDDTHHMMSSZ (".N" added when that exists).
    std::string stamp = FormatTime(NowMillis(), TimeFormat::kIso);
    std::string compact;
    for (char c : stamp.substr(0, 19))
      if (c != '-' && c != ':') compact += c;
    std::string target = options_.path + "." + compact + "Z";
    for (int n = 1; std::filesystem::exists(target); ++n)
      target = options_.path + "." + compact + "Z." + std::to_string(n);
    if (::rename(options_.path.c_str(), target.c_str()) != 0)
      return Status::IoError(options_.path + ": rotate: " + ErrnoMessage(errno));
    ::close(fd_);
    fd_ = -1;
    size_ = 0;
    WEIR_RETURN_IF_ERROR(Open());
    return RemoveOld();
  }

  Status RemoveOld() {
    if (options_.keep <= 0) return Status::Ok();
    namespace fs = std::filesystem;
    fs::path p(options_.path);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::string prefix = p.filename().string() + ".";
    std::vector<std::string> rotated;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      // Rotated names are the prefix and a stamp that starts with a digit.
      if (name.size() > prefix.size() && name.starts_with(prefix) &&
          std::isdigit(static_cast<unsigned char>(name[prefix.size()])))
        rotated.push_back(entry.path().string());
    }
    std::sort(rotated.begin(), rotated.end());  // stamps sort by time
    while (rotated.size() > static_cast<size_t>(options_.keep)) {
      fs::remove(rotated.front(), ec);
      rotated.erase(rotated.begin());
    }
    return Status::Ok();
  }

  FileSinkOptions options_;
  int fd_ = -1;
  uint64_t size_ = 0;
  int64_t opened_ms_ = 0;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenFileSink(const FileSinkOptions& options) {
  auto sink = std::make_unique<FileSink>(options);
  WEIR_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace weir
