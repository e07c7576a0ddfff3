// flow_blast: sends synthetic NetFlow v9 over UDP at a fixed rate, for collector
// benchmarks (bench/collect.sh). Every run sends the same datagrams: one template
// flowset, then data flowsets of 30 IPv4 records (the layout nfcapd and weir both
// read), with addresses, ports and counters from a fixed-seed generator.
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
#include <random>
#include <thread>
#include <vector>

namespace {

constexpr int kRecordsPerDatagram = 30;
constexpr uint16_t kTemplateId = 256;
// (type, length): sip, dip, sport, dport, proto, tcp flags, tos, input, output,
// packets, bytes, first, last, src mask, dst mask, next hop.
constexpr uint16_t kFields[][2] = {{8, 4},  {12, 4}, {7, 2},  {11, 2}, {4, 1}, {6, 1},
                                   {5, 1},  {10, 2}, {14, 2}, {2, 4},  {1, 4}, {22, 4},
                                   {21, 4}, {9, 1},  {13, 1}, {15, 4}};
constexpr int kFieldCount = sizeof kFields / sizeof kFields[0];

struct Writer {
  std::vector<uint8_t>& out;
  void U8(uint32_t v) { out.push_back(static_cast<uint8_t>(v)); }
  void U16(uint32_t v) { U8(v >> 8), U8(v); }
  void U32(uint32_t v) { U16(v >> 16), U16(v); }
};

}  // namespace

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
  std::vector<std::vector<uint8_t>> datagrams(kDistinct);
  std::mt19937_64 rng(42);
  const uint32_t uptime = 3'600'000;
  for (size_t index = 0; index < datagrams.size(); ++index) {
    auto& d = datagrams[index];
    Writer w{d};
    // The template rides in every 256th datagram, as a refresh would.
    const bool with_template = index % 256 == 0;
    w.U16(9), w.U16(kRecordsPerDatagram + with_template), w.U32(uptime), w.U32(0), w.U32(0);
    w.U32(1);
    if (with_template) {
      w.U16(0), w.U16(8 + 4 * kFieldCount), w.U16(kTemplateId), w.U16(kFieldCount);
      for (const auto& f : kFields) w.U16(f[0]), w.U16(f[1]);
    }
    size_t set = d.size();
    w.U16(kTemplateId), w.U16(0);
    for (int i = 0; i < kRecordsPerDatagram; ++i) {
      uint64_t r = rng();
      uint32_t sip = 0x0a000000 | (r & 0xffff);
      uint32_t dip = 0xc0a80000 | ((r >> 16) & 0xffff);
      uint8_t proto = (r >> 32) % 10 < 7 ? 6 : 17;
      w.U32(sip), w.U32(dip), w.U16(1024 + (r >> 40) % 60000), w.U16((r >> 56) % 4 ? 443 : 53);
      w.U8(proto), w.U8(proto == 6 ? 0x1b : 0), w.U8(0), w.U16(1), w.U16(2);
      uint32_t packets = 1 + (r >> 20) % 100;
      w.U32(packets), w.U32(packets * (40 + (r >> 8) % 1400));
      w.U32(uptime - 60'000 + (r >> 24) % 50'000), w.U32(uptime - 1000), w.U8(24), w.U8(24);
      w.U32(0);
    }
    d[set + 2] = static_cast<uint8_t>((d.size() - set) >> 8);
    d[set + 3] = static_cast<uint8_t>(d.size() - set);
  }

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
  const uint64_t total_datagrams = (flows + kRecordsPerDatagram - 1) / kRecordsPerDatagram;
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
      auto due = start + std::chrono::duration<double>(sent * kRecordsPerDatagram / rate);
      std::this_thread::sleep_until(due);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t sent_flows = sent * kRecordsPerDatagram;
  std::fprintf(stderr, "sent %llu flows in %.2f s (%.0f/s)\n",
               static_cast<unsigned long long>(sent_flows), seconds, sent_flows / seconds);
  close(fd);
  return 0;
}
