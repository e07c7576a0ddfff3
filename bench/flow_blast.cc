// flow_blast: sends synthetic NetFlow v9 over UDP at a fixed rate, for collector
// benchmarks (bench/collect.sh). Every run sends the same datagrams
// (netflow_v9_datagrams.h: 30 IPv4 records each, from a fixed-seed generator).
//
//   flow_blast HOST PORT FLOWS RATE     (RATE in flows per second; 0: as fast as possible)
// Prints "sent FLOWS flows in SECONDS s (RATE/s)" on stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "netflow_v9_datagrams.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: flow_blast HOST PORT FLOWS RATE\n");
    return 2;
  }
  const char* host = argv[1];
  const int port = std::atoi(argv[2]);
  const uint64_t flows = std::strtoull(argv[3], nullptr, 10);
  const double rate = std::atof(argv[4]);

  // 4096 distinct datagrams, cycled; the sequence number and times are patched.
  constexpr int kDistinct = 4096;
  std::vector<std::vector<uint8_t>> datagrams = bench::MakeNetflowV9Datagrams(kDistinct);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int buffer = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host, &to.sin_addr);

  constexpr int kBatch = 32;
  std::vector<mmsghdr> messages(kBatch);
  std::vector<iovec> iov(kBatch);
  const uint64_t total_datagrams =
      (flows + bench::kRecordsPerDatagram - 1) / bench::kRecordsPerDatagram;
  const auto start = std::chrono::steady_clock::now();
  uint32_t sequence = 0;
  uint64_t sent = 0;
  while (sent < total_datagrams) {
    int n = static_cast<int>(std::min<uint64_t>(kBatch, total_datagrams - sent));
    uint32_t now = static_cast<uint32_t>(time(nullptr));
    for (int i = 0; i < n; ++i) {
      auto& d = datagrams[(sent + i) % kDistinct];
      uint32_t s = htonl(sequence++), t = htonl(now);
      std::memcpy(d.data() + 8, &t, 4);
      std::memcpy(d.data() + 12, &s, 4);
      iov[i] = {d.data(), d.size()};
      messages[i].msg_hdr = {};
      messages[i].msg_hdr.msg_name = &to;
      messages[i].msg_hdr.msg_namelen = sizeof to;
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(fd, messages.data(), n, 0);
    if (done <= 0) continue;
    sent += static_cast<uint64_t>(done);
    if (rate > 0) {
      // Pace: sleep until this many flows are due.
      auto due = start + std::chrono::duration<double>(sent * bench::kRecordsPerDatagram / rate);
      std::this_thread::sleep_until(due);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t sent_flows = sent * bench::kRecordsPerDatagram;
  std::fprintf(stderr, "sent %llu flows in %.2f s (%.0f/s)\n",
               static_cast<unsigned long long>(sent_flows), seconds, sent_flows / seconds);
  close(fd);
  return 0;
}
