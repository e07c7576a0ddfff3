// Sockets of the collector: UDP receive in batches and IPFIX over TCP, feeding
// datagrams to the collector's worker through a bounded queue. Internal to collect.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/ip_address.h"

namespace weir {

// Datagrams copied out of the receive buffers, each tagged with its probe.
struct DatagramBatch {
  struct Item {
    uint32_t offset;
    uint32_t length;
    IpAddress source;
    uint16_t probe;
  };
  std::vector<std::byte> bytes;
  std::vector<Item> items;
};

// A bounded multi-producer, single-consumer queue of batches. Producers wait
// when it is full (the kernel's socket buffer absorbs bursts meanwhile).
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}
  // False when the queue is closed.
  bool Push(std::unique_ptr<DatagramBatch> batch);
  // Waits up to timeout_ms; null on timeout or when closed and empty.
  std::unique_ptr<DatagramBatch> Pop(int timeout_ms);
  void Close();
  bool closed_and_empty();

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::unique_ptr<DatagramBatch>> items_;
  size_t capacity_;
  bool closed_ = false;
};

// Per-probe counters updated by receive threads.
struct ReceiveCounters {
  std::atomic<uint64_t> datagrams{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> socket_drops{0};
};

// One listening socket shared by the probes on the same port, protocol and host;
// accept-from-host picks the probe of each datagram.
struct ListenSocket {
  bool tcp = false;
  uint16_t port = 0;
  std::string host;
  struct ProbeFilter {
    uint16_t probe;
    std::vector<IpAddress> accept_from;  // empty: any
  };
  std::vector<ProbeFilter> probes;
  int fd = -1;

  // The probe a datagram from `source` belongs to, or -1 (rejected).
  int ProbeFor(const IpAddress& source) const;
};

// Opens and binds the socket (dual-stack when the host is unspecified).
Status OpenSocket(ListenSocket& socket, size_t buffer_bytes);

// Receive loops; return when `stop` is set (checked every 200 ms).
void ReceiveUdp(const ListenSocket& socket, BatchQueue& queue,
                std::vector<ReceiveCounters>& counters, const std::atomic<bool>& stop);
void AcceptTcp(const ListenSocket& socket, BatchQueue& queue,
               std::vector<ReceiveCounters>& counters, const std::atomic<bool>& stop);

}  // namespace weir
