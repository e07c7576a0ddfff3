// Lines of a text file, gzip-compressed or not (zlib reads both), or of standard
// input ("-"), in large reads. A line longer than max_line is reported as too long
// and skipped to its end, never held whole.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

class LineReader {
 public:
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path,
                                                  size_t max_line = 1 << 20);
  ~LineReader();

  // The next line (without its newline) in *line, valid until the next call.
  // False at the end; *too_long when the line was longer than max_line (its text
  // is then empty). An error reading (a damaged gzip stream) is in status().
  bool Next(std::string_view* line, bool* too_long);
  const Status& status() const { return status_; }
  uint64_t line_number() const { return line_number_; }
  const std::string& name() const { return name_; }

 private:
  LineReader() = default;
  bool Fill();

  void* gz_ = nullptr;  // gzFile
  std::string name_;
  size_t max_line_ = 0;
  std::string buffer_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_number_ = 0;
  Status status_ = Status::Ok();
};

}  // namespace weir
