#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace weir {

std::string ErrnoMessage(int err) { return std::strerror(err); }

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileDescriptor::Close(std::string_view name) {
  if (fd_ < 0) return Status::Ok();
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return Status::IoError(std::string(name) + ": close: " + ErrnoMessage(errno));
  return Status::Ok();
}

Result<std::string> ReadFileToString(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::IoError(path + ": " + ErrnoMessage(errno));
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(path + ": read: " + ErrnoMessage(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status WriteAll(int fd, std::span<const std::byte> data, std::string_view name) {
  const std::byte* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(std::string(name) + ": write: " + ErrnoMessage(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<size_t> ReadFull(int fd, std::byte* buffer, size_t size, std::string_view name) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buffer + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(std::string(name) + ": read: " + ErrnoMessage(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

Status MakeDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IoError(path + ": cannot create directory: " + ec.message());
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> ReadFileOrStdin(const std::string& path) {
  if (path != "-" && path != "stdin") return ReadFileToString(path);
  std::string out;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("stdin: " + ErrnoMessage(errno));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  auto bytes = std::as_bytes(std::span(data.data(), data.size()));
  if (path == "-" || path == "stdout") return WriteAll(1, bytes, "stdout");
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(tmp + ": " + ErrnoMessage(errno));
  FileDescriptor owned(fd);
  WEIR_RETURN_IF_ERROR(WriteAll(fd, bytes, tmp));
  if (::fsync(fd) != 0) return Status::IoError(tmp + ": " + ErrnoMessage(errno));
  WEIR_RETURN_IF_ERROR(owned.Close(tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IoError(path + ": " + ErrnoMessage(errno));
  }
  return Status::Ok();
}

std::string TempDirectory() {
  const char* env = std::getenv("TMPDIR");
  return env && *env ? env : "/tmp";
}

Result<FileDescriptor> CreateTempFile(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return FileDescriptor(fd);
  // Not every file system has O_TMPFILE (EOPNOTSUPP, or EISDIR on old kernels).
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return Status::IoError("temporary file in " + directory + ": " + ErrnoMessage(errno));
  std::string name = directory + "/weir-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);  // O_EXCL, 0600, a random name
  if (fd < 0) return Status::IoError("temporary file in " + directory + ": " + ErrnoMessage(errno));
  ::unlink(name.c_str());
  return FileDescriptor(fd);
}

}  // namespace weir
