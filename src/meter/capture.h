// PacketSource: packets from pcap or pcapng files, or from live interfaces, via
// libpcap. Files are read merged in timestamp order (several files of one capture
// may be named in any order); interfaces are captured together, each with its
// ifindex as the packets' interface. A BPF filter applies to both.
//
// A damaged file (truncated, corrupt record header) ends that file with a
// warning; the packets before the damage count. Not thread-safe.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace weir {

struct CaptureOptions {
  std::string filter;  // BPF expression; empty: every packet
  int snaplen = 262144;
  bool promiscuous = true;
  int buffer_bytes = 32 << 20;  // kernel capture buffer per interface
};

struct CapturedPacket {
  std::span<const std::byte> frame;  // the captured bytes (at most snaplen)
  uint32_t wire_length = 0;          // the frame's length on the wire
  int64_t time_us = 0;
  int link_type = 0;       // pcap LINKTYPE_
  uint32_t interface = 0;  // ifindex for live capture; 0 for files
};

struct SourceCounters {
  std::string name;         // file path or interface name
  uint64_t packets = 0;     // handed to the meter
  uint64_t dropped = 0;     // by the kernel: buffer full (pcap_stats ps_drop)
  uint64_t if_dropped = 0;  // by the interface or driver (ps_ifdrop)
  std::string error;        // why a file ended early; empty if it did not
};

class PacketSource {
 public:
  static Result<std::unique_ptr<PacketSource>> OpenFiles(const std::vector<std::string>& paths,
                                                         const CaptureOptions& options);
  static Result<std::unique_ptr<PacketSource>> OpenLive(const std::vector<std::string>& interfaces,
                                                        const CaptureOptions& options);
  ~PacketSource();

  using Callback = std::function<void(const CapturedPacket&)>;
  // Hands packets to on_packet: for files up to max_packets in time order, for
  // interfaces what arrives within timeout_ms. Returns the number handed over,
  // or -1 once every file has ended.
  int64_t Dispatch(int64_t max_packets, int timeout_ms, const Callback& on_packet);

  bool live() const { return live_; }
  // Counters per file or interface; for interfaces, kernel drops are read now.
  std::vector<SourceCounters> Counters();
  // Warnings about damaged files, each once.
  std::vector<std::string> TakeWarnings();

 private:
  struct Input;
  PacketSource() = default;
  int64_t DispatchFiles(int64_t max_packets, const Callback& on_packet);
  int64_t DispatchLive(int timeout_ms, const Callback& on_packet);
  bool Advance(Input& in);  // reads in's next packet; false at its end

  bool live_ = false;
  std::vector<std::unique_ptr<Input>> inputs_;
  std::vector<std::string> warnings_;
};

}  // namespace weir
