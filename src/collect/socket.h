// Sockets of the collector: UDP receive in batches and IPFIX over TCP, feeding
// datagrams to the collector's worker through a bounded queue. Internal to collect.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
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

// A bounded multi-producer, single-consumer queue. Producers wait when it is
// full (upstream, the kernel's socket buffer absorbs bursts meanwhile).
//
// Wake-ups are batched: a consumer that keeps finding work naps when the queue runs
// empty (up to nap_ms, as items gather), and producers wake it early only once
// `wake_at` items wait. Only a consumer that found nothing after a nap is woken by
// the next item. A wake-up per item, with the consumer faster than its producer,
// cost a pair of context switches per item and left every batch small.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity, size_t wake_at = 1, int nap_ms = 0)
      : capacity_(capacity), wake_at_(std::max<size_t>(wake_at, 1)), nap_(nap_ms) {}
  // False when the queue is closed.
  bool Push(std::unique_ptr<T> item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    if (idle_ || items_.size() >= wake_at_) not_empty_.notify_one();
    return true;
  }
  // Waits up to timeout_ms (a busy consumer: its nap, if shorter); null on timeout
  // or when closed and empty.
  std::unique_ptr<T> Pop(int timeout_ms) {
    std::unique_lock lock(mu_);
    if (items_.empty() && !closed_ && busy_ && nap_.count() > 0) {
      not_empty_.wait_for(lock, std::min(nap_, std::chrono::milliseconds(timeout_ms)),
                          [&] { return closed_ || items_.size() >= wake_at_; });
      busy_ = !items_.empty();
      if (!busy_) return nullptr;
    }
    if (items_.empty() && !closed_) {
      idle_ = true;
      not_empty_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [&] { return closed_ || !items_.empty(); });
      idle_ = false;
    }
    busy_ = !items_.empty();
    if (items_.empty()) return nullptr;
    auto item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  bool closed_and_empty() {
    std::lock_guard lock(mu_);
    return closed_ && items_.empty();
  }

  // Items go back and forth: the consumer gives back what it is done with and
  // producers take it again, memory and all, instead of allocating (fresh memory
  // costs a page fault and zeroing per page, at every batch). Null when none is
  // spare; a given-back item keeps whatever it held.
  std::unique_ptr<T> TakeSpare() {
    std::lock_guard lock(spare_mu_);
    if (spare_.empty()) return nullptr;
    auto item = std::move(spare_.back());
    spare_.pop_back();
    return item;
  }
  void GiveBack(std::unique_ptr<T> item) {
    std::lock_guard lock(spare_mu_);
    if (spare_.size() < capacity_ + 2) spare_.push_back(std::move(item));
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::unique_ptr<T>> items_;
  size_t capacity_;
  size_t wake_at_;
  std::chrono::milliseconds nap_;
  bool closed_ = false;
  bool busy_ = false;  // the consumer's last Pop found an item
  bool idle_ = false;  // the consumer waits for the next item
  std::mutex spare_mu_;
  std::vector<std::unique_ptr<T>> spare_;
};
using BatchQueue = BoundedQueue<DatagramBatch>;

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

// Receive loops; return when `stop` is set (checked every 200 ms). AcceptTcp reads
// each connection on a thread of its own; a connection thread that fails hands
// its one-line report to on_failure (base/thread.h), as the caller's own threads do.
void ReceiveUdp(const ListenSocket& socket, BatchQueue& queue,
                std::vector<ReceiveCounters>& counters, const std::atomic<bool>& stop);
void AcceptTcp(const ListenSocket& socket, BatchQueue& queue,
               std::vector<ReceiveCounters>& counters, const std::atomic<bool>& stop,
               const std::function<void(const std::string&)>& on_failure);

}  // namespace weir
