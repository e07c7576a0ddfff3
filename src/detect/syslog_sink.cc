// Alert events to syslog as RFC 5424 messages over UDP (RFC 5426) or to the local
// syslog socket (/dev/log): facility local0, severity by event (start: warning,
// end: notice, update: info), MSGID the event kind, structured data with the
// incident, rule, key and vector, and the event's JSON as the message.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/file.h"
#include "base/time.h"
#include "detect/alerts.h"
#include "net/host_port.h"

namespace weir {

namespace {

// A JSON string field's value from an event line ("" when absent); the events
// weir writes never escape these fields' values (ids, names, addresses).
std::string Field(std::string_view line, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\":\"";
  const size_t at = line.find(key);
  if (at == std::string_view::npos) return {};
  const size_t begin = at + key.size(), end = line.find('"', begin);
  return end == std::string_view::npos ? std::string()
                                       : std::string(line.substr(begin, end - begin));
}

// RFC 5424 PARAM-VALUE escaping: '"', '\' and ']' take a backslash.
std::string Param(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

class SyslogSink : public Sink {
 public:
  SyslogSink(FileDescriptor fd, sockaddr_storage address, socklen_t length, std::string describe)
      : fd_(std::move(fd)), address_(address), length_(length), describe_(std::move(describe)) {
    char host[256] = "-";
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "-");
    hostname_ = host;
  }

  Status Deliver(const ExportBatch& batch) override {
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string_view line = batch.Line(i);
      const std::string event = Field(line, "event");
      const int severity = event == "start" ? 4 : event == "end" ? 5 : 6;
      std::string message = "<" + std::to_string(16 * 8 + severity) + ">1 " +
                            FormatTime(NowMillis(), TimeFormat::kIso) + " " + hostname_ + " weir " +
                            std::to_string(::getpid()) + " " + (event.empty() ? "-" : event) +
                            " [weir@32473 incident=\"" + Param(Field(line, "incident")) +
                            "\" rule=\"" + Param(Field(line, "rule")) + "\" key=\"" +
                            Param(Field(line, "key")) + "\" vector=\"" +
                            Param(Field(line, "vector")) + "\"] ";
      message += line;
      if (::sendto(fd_.get(), message.data(), message.size(), 0,
                   reinterpret_cast<const sockaddr*>(&address_), length_) < 0)
        return Status::IoError(describe_ + ": " + ErrnoMessage(errno));
    }
    return Status::Ok();
  }

  std::string Describe() const override { return describe_; }

 private:
  FileDescriptor fd_;
  sockaddr_storage address_;
  socklen_t length_;
  std::string describe_, hostname_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenSyslogSink(const std::string& where) {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family = AF_UNIX;
  if (where == "local" || where.starts_with("/")) {
    const std::string path = where == "local" ? "/dev/log" : where;
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (path.size() >= sizeof un.sun_path)
      return Status::Invalid("syslog socket path too long: " + path);
    std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
    std::memcpy(&address, &un, sizeof un);
    length = sizeof un;
  } else {
    auto hp = ParseHostPort(where);
    if (!hp.ok()) return hp.status();
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(hp->port ? hp->port : 514);
    if (int rc = ::getaddrinfo(hp->host.empty() ? "127.0.0.1" : hp->host.c_str(), port.c_str(),
                               &hints, &found);
        rc != 0)
      return Status::Invalid("syslog " + where + ": " + ::gai_strerror(rc));
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    length = found->ai_addrlen;
    family = found->ai_family;
    ::freeaddrinfo(found);
  }
  FileDescriptor fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::IoError("syslog socket: " + ErrnoMessage(errno));
  return std::unique_ptr<Sink>(
      std::make_unique<SyslogSink>(std::move(fd), address, length, "syslog " + where));
}

}  // namespace weir
