#include "collect/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <thread>

#include "base/failpoint.h"
#include "base/file.h"
#include "base/thread.h"

namespace weir {

namespace {

constexpr int kReceiveBatch = 64;
constexpr size_t kMaxDatagram = 65536;
constexpr int kPollMs = 200;
constexpr auto kReceiveNap = std::chrono::milliseconds(1);
constexpr size_t kMaxTcpConnections = 256;

IpAddress FromSockaddr(const sockaddr_storage& s) {
  if (s.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(s);
    return IpAddress::V4(ntohl(in.sin_addr.s_addr));
  }
  if (s.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(s);
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), &in6.sin6_addr, 16);
    return IpAddress::V6(b);  // v4-mapped stays v4-mapped: the same as IpAddress::V4
  }
  return IpAddress();
}

std::string Errno() { return std::strerror(errno); }

}  // namespace

int ListenSocket::ProbeFor(const IpAddress& source) const {
  int open = -1;
  for (const ProbeFilter& p : probes) {
    if (p.accept_from.empty()) {
      if (open < 0) open = p.probe;
      continue;
    }
    if (std::find(p.accept_from.begin(), p.accept_from.end(), source) != p.accept_from.end())
      return p.probe;
  }
  return open;
}

Status OpenSocket(ListenSocket& s, size_t buffer_bytes) {
  const std::string what = std::string(s.tcp ? "tcp/" : "udp/") + std::to_string(s.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = s.tcp ? SOCK_STREAM : SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string port = std::to_string(s.port);
  // No host: prefer the IPv6 wildcard with IPv4 mapped in, so one socket hears both.
  const char* host = s.host.empty() ? "::" : s.host.c_str();
  int rc = getaddrinfo(host, port.c_str(), &hints, &result);
  if (rc != 0 && s.host.empty()) rc = getaddrinfo("0.0.0.0", port.c_str(), &hints, &result);
  if (rc != 0)
    return Status::IoError(what + ": cannot resolve '" + host + "': " + gai_strerror(rc));
  Status last = Status::IoError(what + ": no address to bind");
  for (addrinfo* a = result; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last = Status::IoError(what + ": socket: " + Errno());
      continue;
    }
    int on = 1, off = 0;
    if (a->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    if (s.tcp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (!s.tcp) {
      // Large buffers ride out bursts (SiLK keeps the 208 KiB default and loses flows).
      int size = static_cast<int>(std::min<size_t>(buffer_bytes, INT32_MAX));
      if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    timeval tv{0, kPollMs * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      last = Status::IoError(what + ": cannot bind: " + Errno() +
                             (errno == EADDRINUSE ? " (another collector on this port?)" : ""));
      close(fd);
      continue;
    }
    if (s.tcp && listen(fd, 64) != 0) {
      last = Status::IoError(what + ": listen: " + Errno());
      close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0)
      s.port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in&>(bound).sin_port
                                                : reinterpret_cast<sockaddr_in6&>(bound).sin6_port);
    s.fd = fd;
    freeaddrinfo(result);
    return Status::Ok();
  }
  freeaddrinfo(result);
  return last;
}

namespace {

// The socket's count of datagrams the kernel dropped for a full receive buffer
// (SK_MEMINFO_DROPS, counted from the socket's creation); 0 if it cannot be read.
uint32_t SocketDrops(int fd) {
  uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof info;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &length) != 0 ||
      length < sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1))
    return 0;
  return info[SK_MEMINFO_DROPS];
}

}  // namespace

void ReceiveUdp(const ListenSocket& s, BatchQueue& queue, std::vector<ReceiveCounters>& counters,
                const std::atomic<bool>& stop) {
  std::vector<std::byte> buffers(kReceiveBatch * kMaxDatagram);
  std::vector<mmsghdr> messages(kReceiveBatch);
  std::vector<iovec> iov(kReceiveBatch);
  std::vector<sockaddr_storage> sources(kReceiveBatch);
  // Drops are read once per call, not per datagram (a control message on each
  // datagram cost about 1 % of the collector), and from the socket's creation on.
  uint32_t counted_drops = 0;
  auto count_drops = [&] {
    const uint32_t drops = SocketDrops(s.fd);
    if (drops != counted_drops) counters[s.probes[0].probe].socket_drops += drops - counted_drops;
    counted_drops = drops;
  };
  while (!stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < kReceiveBatch; ++i) {
      iov[i] = {buffers.data() + i * kMaxDatagram, kMaxDatagram};
      messages[i].msg_hdr = {};
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = &sources[i];
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    int n = recvmmsg(s.fd, messages.data(), kReceiveBatch, MSG_WAITFORONE, nullptr);
    count_drops();
    if (n <= 0) continue;  // timeout (EAGAIN) or EINTR: check stop and go on
    FailPoint("collect.receive");
    auto batch = queue.TakeSpare();
    if (batch) {
      batch->bytes.clear();
      batch->items.clear();
    } else {
      batch = std::make_unique<DatagramBatch>();
    }
    size_t total = 0;
    for (int i = 0; i < n; ++i) total += messages[i].msg_len;
    // Filled by insert below: no zeroing first. A reused batch grows geometrically,
    // so that its capacity settles instead of moving to fresh memory again and again.
    if (batch->bytes.capacity() < total)
      batch->bytes.reserve(std::max(total, 2 * batch->bytes.capacity()));
    batch->items.reserve(kReceiveBatch);
    size_t at = 0;
    for (int i = 0; i < n; ++i) {
      IpAddress source = FromSockaddr(sources[i]);
      int probe = s.ProbeFor(source);
      uint32_t length = messages[i].msg_len;
      if (probe < 0) {
        counters[s.probes[0].probe].rejected++;
        continue;
      }
      ReceiveCounters& c = counters[static_cast<size_t>(probe)];
      c.datagrams.fetch_add(1, std::memory_order_relaxed);
      c.bytes.fetch_add(length, std::memory_order_relaxed);
      const std::byte* from = buffers.data() + i * kMaxDatagram;
      batch->bytes.insert(batch->bytes.end(), from, from + length);
      batch->items.push_back(
          {static_cast<uint32_t>(at), length, source, static_cast<uint16_t>(probe)});
      at += length;
    }
    if (!batch->items.empty() && !queue.Push(std::move(batch))) return;
    // The socket ran dry: let datagrams gather before the next call rather than
    // being woken for each (the socket buffer holds many milliseconds of them).
    if (n < kReceiveBatch) std::this_thread::sleep_for(kReceiveNap);
  }
}

namespace {

// Reads IPFIX messages (RFC 7011 section 10.4: framed by their length field) from
// one TCP connection until it closes, a message is malformed, or stop is set.
void ReadTcpConnection(FileDescriptor fd, IpAddress source, uint16_t probe, BatchQueue& queue,
                       std::vector<ReceiveCounters>& counters, const std::atomic<bool>& stop) {
  std::vector<std::byte> buffer;
  std::vector<std::byte> chunk(256 * 1024);
  while (!stop.load(std::memory_order_relaxed)) {
    pollfd p{fd.get(), POLLIN, 0};
    int ready = poll(&p, 1, kPollMs);
    if (ready <= 0) continue;
    FailPoint("collect.receive");
    ssize_t n = read(fd.get(), chunk.data(), chunk.size());
    if (n <= 0) break;
    buffer.insert(buffer.end(), chunk.begin(), chunk.begin() + n);
    auto batch = std::make_unique<DatagramBatch>();
    size_t at = 0;
    bool bad = false;
    while (buffer.size() - at >= 16) {
      uint16_t version =
          static_cast<uint16_t>(uint16_t(buffer[at]) << 8 | uint16_t(buffer[at + 1]));
      uint16_t length =
          static_cast<uint16_t>(uint16_t(buffer[at + 2]) << 8 | uint16_t(buffer[at + 3]));
      if (version != 10 || length < 16) {
        bad = true;  // the stream lost its framing: the exporter must reconnect
        break;
      }
      if (buffer.size() - at < length) break;
      size_t offset = batch->bytes.size();
      batch->bytes.insert(batch->bytes.end(), buffer.begin() + at, buffer.begin() + at + length);
      batch->items.push_back({static_cast<uint32_t>(offset), length, source, probe});
      counters[probe].datagrams++;
      counters[probe].bytes += length;
      at += length;
    }
    buffer.erase(buffer.begin(), buffer.begin() + at);
    if (!batch->items.empty() && !queue.Push(std::move(batch))) break;
    if (bad) break;
  }
}

}  // namespace

void AcceptTcp(const ListenSocket& s, BatchQueue& queue, std::vector<ReceiveCounters>& counters,
               const std::atomic<bool>& stop,
               const std::function<void(const std::string&)>& on_failure) {
  struct Connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Connection> connections;
  while (!stop.load(std::memory_order_relaxed)) {
    // Reap finished connection threads.
    for (auto it = connections.begin(); it != connections.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
    pollfd p{s.fd, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    int fd = accept4(s.fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
    if (fd < 0) continue;
    IpAddress source = FromSockaddr(peer);
    int probe = s.ProbeFor(source);
    if (probe < 0 || connections.size() >= kMaxTcpConnections) {
      counters[s.probes[0].probe].rejected++;
      close(fd);
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    auto body = [fd, source, probe, &queue, &counters, &stop, done] {
      ReadTcpConnection(FileDescriptor(fd), source, static_cast<uint16_t>(probe), queue, counters,
                        stop);
      done->store(true);
    };
    auto failed = [&on_failure, done](const std::string& failure) {
      on_failure(failure);
      done->store(true);
    };
    connections.push_back({StartThread("weir-tcp-conn", body, failed), done});
  }
  for (auto& c : connections) c.thread.join();
}

}  // namespace weir
