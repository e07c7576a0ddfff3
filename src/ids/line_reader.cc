#include "ids/line_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace weir {

namespace {
constexpr size_t kRead = 1 << 20;
}

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path, size_t max_line) {
  const bool stdin_ = path == "-";
  const int fd = stdin_ ? ::dup(0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  gzFile gz = ::gzdopen(fd, "rb");
  if (!gz) {
    ::close(fd);
    return Status::IoError(path + ": cannot read");
  }
  ::gzbuffer(gz, kRead);
  std::unique_ptr<LineReader> r(new LineReader());
  r->gz_ = gz;
  r->name_ = stdin_ ? "standard input" : path;
  r->max_line_ = max_line;
  r->buffer_.resize(std::max(kRead, max_line) * 2);
  return r;
}

LineReader::~LineReader() {
  if (gz_) ::gzclose(static_cast<gzFile>(gz_));
}

// Moves what is left to the front and reads more after it. False when nothing
// more came (the end, or an error).
bool LineReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const size_t room = buffer_.size() - end_;
  const int n = ::gzread(static_cast<gzFile>(gz_), buffer_.data() + end_,
                         static_cast<unsigned>(std::min(room, size_t{1} << 30)));
  if (n < 0) {
    int code = 0;
    const char* message = ::gzerror(static_cast<gzFile>(gz_), &code);
    status_ = Status::IoError(name_ + ": " + (message ? message : "read error"));
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(n);
  return true;
}

bool LineReader::Next(std::string_view* line, bool* too_long) {
  *too_long = false;
  size_t scanned = begin_;
  while (true) {
    const char* nl =
        static_cast<const char*>(std::memchr(buffer_.data() + scanned, '\n', end_ - scanned));
    if (nl) {
      const size_t at = static_cast<size_t>(nl - buffer_.data());
      ++line_number_;
      size_t len = at - begin_;
      if (len > 0 && buffer_[at - 1] == '\r') --len;
      *line = std::string_view(buffer_.data() + begin_, len);
      begin_ = at + 1;
      if (len > max_line_) *too_long = true, *line = {};
      return true;
    }
    if (end_ - begin_ > max_line_) {
      // Too long: drop what is held and skip to the end of the line.
      *too_long = true;
      *line = {};
      ++line_number_;
      begin_ = end_ = 0;
      while (Fill()) {
        const char* end = static_cast<const char*>(std::memchr(buffer_.data(), '\n', end_));
        if (end) {
          begin_ = static_cast<size_t>(end - buffer_.data()) + 1;
          return true;
        }
        begin_ = end_ = 0;
      }
      return true;
    }
    const size_t held = end_ - begin_;  // all searched already
    if (!Fill()) {
      if (end_ == begin_) return false;
      // The last line, without a newline.
      ++line_number_;
      *line = std::string_view(buffer_.data() + begin_, end_ - begin_);
      if (line->size() > max_line_) *too_long = true, *line = {};
      begin_ = end_;
      return true;
    }
    scanned = begin_ + held;  // Fill moved the held bytes to the front
  }
}

}  // namespace weir
