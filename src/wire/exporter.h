// Exporter: everything weir knows about one exporter (a router, switch or meter
// sending NetFlow v5/v9, IPFIX or sFlow v5 from one address), and the decoder of
// its datagrams.
//
// Per-exporter state is explicit and owned here, never global (STYLE.md rule 3):
// NetFlow v9 templates scoped by source id and IPFIX templates by observation
// domain (RFC 7011 section 8), sampling rates from options data, interface names,
// sequence numbers for loss accounting, data sets held until their template
// arrives, and sFlow interface counters. Decode() takes any of the four versions
// (the first bytes say which), so one port may carry several, as nProbe sends.
//
// Malformed input is data: a datagram that cannot be decoded is counted and
// skipped; memory is bounded by WireLimits. Not thread-safe: one Exporter is used
// by one thread at a time. Formats and field mapping: doc/collect.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/ip_address.h"
#include "record/flow_record.h"

namespace weir {

struct MessageContext;  // template/template.h

struct WireLimits {
  size_t max_templates = 4096;          // per exporter, v9 and IPFIX together
  size_t max_pending_sets = 256;        // data sets waiting for their template
  size_t max_pending_bytes = 1u << 20;  // their bytes
  int64_t pending_ms = 60'000;          // how long a data set may wait
  size_t max_interfaces = 65536;        // interface names and sFlow counters kept
};

// Counters of one exporter; all monotonic.
struct ExporterCounters {
  uint64_t datagrams = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;             // flow records produced
  uint64_t lost_records = 0;        // from sequence gaps (v5, IPFIX, sFlow sample pools)
  uint64_t lost_datagrams = 0;      // from sequence gaps (v9 and sFlow datagram numbers)
  uint64_t malformed = 0;           // datagrams or sets that could not be decoded
  uint64_t no_template = 0;         // data sets dropped for want of a template
  uint64_t held = 0;                // data sets held until their template came
  uint64_t templates = 0;           // template and options-template records accepted
  uint64_t templates_rejected = 0;  // over the limit or invalid
  uint64_t options_records = 0;     // options data records (sampling, interface names)
  uint64_t empty_records = 0;       // data records with no packets and no bytes
  uint64_t counter_samples = 0;     // sFlow counter samples
  uint64_t unsupported = 0;         // datagrams of an unknown version
};

// The latest counters of one interface, from sFlow counter samples.
struct InterfaceCounters {
  int64_t time_ms = 0;
  uint64_t speed = 0;
  uint64_t in_octets = 0;
  uint64_t in_packets = 0;
  uint64_t out_octets = 0;
  uint64_t out_packets = 0;
  uint32_t in_errors = 0;
  uint32_t out_errors = 0;
  uint32_t in_discards = 0;
  uint32_t out_discards = 0;
};

class Exporter {
 public:
  explicit Exporter(IpAddress address, WireLimits limits = {});
  ~Exporter();
  Exporter(Exporter&&) noexcept;
  Exporter& operator=(Exporter&&) noexcept;

  // Decodes one UDP datagram (or one IPFIX message read from TCP) received at
  // now_ms, appending its flow records to out. Records carry the exporter address
  // and the applied sampling; sensor and flowtype are left for classification.
  void Decode(std::span<const std::byte> datagram, int64_t now_ms, std::vector<FlowRecord>& out);

  // Drops held data sets older than the limit (counted as no_template). Decode
  // calls this too; a quiet exporter's collector calls it on a timer.
  void Expire(int64_t now_ms);

  const IpAddress& address() const { return address_; }
  const ExporterCounters& counters() const { return counters_; }
  // The version of the last datagram: 5, 9, 10, or 50 for sFlow v5; 0 before any.
  int last_version() const { return last_version_; }
  const std::map<uint32_t, std::string>& interface_names() const { return interface_names_; }
  const std::map<uint32_t, InterfaceCounters>& interface_counters() const {
    return interface_counters_;
  }
  size_t template_count() const;
  size_t pending_sets() const;

  struct TemplateState;  // defined in template/template.h

 private:
  void DecodeNetflowV5(std::span<const std::byte> data, int64_t now_ms,
                       std::vector<FlowRecord>& out);
  void DecodeNetflowV9(std::span<const std::byte> data, int64_t now_ms,
                       std::vector<FlowRecord>& out);
  void DecodeIpfix(std::span<const std::byte> data, int64_t now_ms, std::vector<FlowRecord>& out);
  void DecodeSflow(std::span<const std::byte> data, int64_t now_ms, std::vector<FlowRecord>& out);

  // The sets of one v9 or IPFIX message after its header; returns the number of
  // data records read, or -1 when a set without a template left it unknown.
  int64_t DecodeSets(const MessageContext& context, std::span<const std::byte> sets, int64_t now_ms,
                     std::vector<FlowRecord>& out);
  // The gap between sequence number `seen` and the one expected for stream `key`
  // (0 for the first datagram, a reordering or an exporter restart); the next
  // expected is then seen + advance.
  uint64_t SequenceGap(uint64_t key, uint32_t seen, uint32_t advance);

  IpAddress address_;
  WireLimits limits_;
  ExporterCounters counters_;
  int last_version_ = 0;
  std::unordered_map<uint64_t, uint32_t> next_sequence_;  // stream -> expected sequence
  std::map<uint32_t, std::string> interface_names_;
  std::map<uint32_t, InterfaceCounters> interface_counters_;
  std::unique_ptr<TemplateState> templates_;
};

}  // namespace weir
