// File helpers: an owning file descriptor, whole-file reads, full writes.
// Every error message names the path and the operating system's reason.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

// Owns a POSIX file descriptor; closes it on destruction. Movable, not copyable.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileDescriptor& operator=(FileDescriptor&& o) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  Status Close(std::string_view name);

 private:
  int fd_ = -1;
};

Result<std::string> ReadFileToString(const std::string& path);
// Reads path, or standard input when path is "-" or "stdin".
Result<std::string> ReadFileOrStdin(const std::string& path);
// Writes data to path through a temporary file, fsync and rename, so readers see
// the old file or the new one, never a part; "-" or "stdout" writes standard output.
Status WriteFileAtomically(const std::string& path, std::string_view data);
// Writes everything, retrying short writes and EINTR.
Status WriteAll(int fd, std::span<const std::byte> data, std::string_view name);
// Reads up to size bytes, retrying until EOF or size bytes; returns the count read.
Result<size_t> ReadFull(int fd, std::byte* buffer, size_t size, std::string_view name);
// Creates the directory and its parents (like mkdir -p).
Status MakeDirectories(const std::string& path);
bool FileExists(const std::string& path);
std::string ErrnoMessage(int err);

// The directory for temporary files: $TMPDIR when set, else /tmp.
std::string TempDirectory();
// A temporary file for reading and writing that no other process can open or
// replace: it is created in directory without a name (O_TMPFILE), or, where the
// file system cannot do that, under a random name with O_EXCL and unlinked at
// once. Either way it is private (0600), shared with no other query or process,
// and gone when the descriptor is closed, on every exit path.
Result<FileDescriptor> CreateTempFile(const std::string& directory);

}  // namespace weir
