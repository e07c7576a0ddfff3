// PacketWriter: turns generated flows back into the packets that would make them,
// written as a pcap file (Ethernet, IPv4/IPv6, TCP/UDP/ICMP headers) for meter
// tests and benchmarks.
//
// Each flow's packets are spread evenly over its duration; their IP lengths add up
// to the flow's bytes (each at least its headers) and TCP flows open with SYN and
// close with FIN. Flows must come in start-time order; packets of overlapping
// flows are interleaved in time order. Frames are cut at `snaplen` bytes, as a
// header-only capture would be, while their wire length stays whole. Metering the
// file gives back the flows (one per 5-tuple and direction, when the generator's
// 5-tuples are unique within the timeouts). Not thread-safe.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "base/status.h"
#include "record/flow_record.h"

namespace weir {

class PacketWriter {
 public:
  static Result<std::unique_ptr<PacketWriter>> Create(const std::string& path, int snaplen,
                                                      uint32_t max_packets_per_flow);
  ~PacketWriter();

  // Queues a flow's packets and writes every queued packet before its start.
  Status Add(const FlowRecord& r);
  // Writes the remaining packets and closes the file.
  Status Close();

  uint64_t packets() const { return packets_; }
  uint64_t flows() const { return flows_; }

 private:
  struct Pending {
    FlowRecord record;
    int64_t next_us;
    int64_t step_us;
    uint32_t sent;
    uint32_t count;
    uint64_t bytes_left;
    bool operator>(const Pending& o) const { return next_us > o.next_us; }
  };
  PacketWriter() = default;
  void WriteUntil(int64_t until_us);
  void WritePacket(Pending& p);

  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  int snaplen_ = 96;
  uint32_t max_packets_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::vector<uint8_t> frame_;
  uint64_t packets_ = 0;
  uint64_t flows_ = 0;
  uint16_t ip_id_ = 0;
};

}  // namespace weir
