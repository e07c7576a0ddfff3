// Attack reports: what the traffic towards a victim is made of, without
// thresholds. `weir detect --report` writes one per victim (the one asked for, or
// the destinations that take the most packets; a prefix when many of its hosts
// share a flood, carpet bombing); detection's incidents will carry the same
// report. doc/detect.md documents the JSON.
//
// The vectors (fixed names, for scripts): syn_flood, ack_flood, rst_flood,
// synack_reflection, tcp_flood, udp_flood, udp_amplification (with the reflected
// `service`: dns, ntp, ssdp, ...), icmp_flood, fragment_flood, carpet_bombing. A
// vector is listed when it carries at least ReportOptions::min_vector_share of the
// victim's packets or of its bytes, largest first by the larger of the two: a
// flood of small packets leads by packets, an amplification by bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "net/ip_address.h"
#include "query/plan.h"
#include "record/flow_record.h"
#include "site/site_config.h"

namespace weir {

enum class AttackVector : uint8_t {
  kSynFlood,
  kAckFlood,
  kRstFlood,
  kSynAckReflection,
  kTcpFlood,
  kUdpFlood,
  kUdpAmplification,
  kIcmpFlood,
  kFragmentFlood,
  kCarpetBombing,
  kOther,  // not a flood vector (other protocols); never listed
};
inline constexpr int kAttackVectors = 11;
std::string_view AttackVectorName(AttackVector v);

// The vector a flow towards a victim belongs to, and the reflected service of
// an amplification ("dns"), from its protocol, TCP flags and source port.
AttackVector ClassifyFlow(const FlowRecord& r);
// The service a UDP source port reflects (53 -> "dns", 123 -> "ntp" ...); empty
// when the port is not a known amplifier.
std::string_view AmplificationService(uint16_t source_port);

struct ReportOptions {
  std::optional<IpAddress> victim;  // report this destination; none: choose
  int max_victims = 3;              // destinations (or prefixes) chosen
  double min_victim_share = 0.10;   // of all packets, for a destination to be chosen
  double min_vector_share = 0.10;   // of a victim's packets, for a vector to be listed
  // Carpet bombing: a prefix (the most specific of IPv4 /24, /22, /20 and IPv6
  // /64, /60, /56) with at least this share of all packets spread over at
  // least carpet_hosts destinations, none of which takes min_victim_share alone.
  double carpet_share = 0.50;
  int carpet_hosts = 16;
  int top = 10;  // entries in each top list
};

struct ReportEntry {
  std::string key;
  uint64_t packets = 0, bytes = 0, flows = 0;
};

struct VectorShare {
  AttackVector vector;
  std::string service;                 // udp_amplification: the reflected protocol
  std::vector<uint16_t> source_ports;  // its main source ports, most packets first
  double share = 0;                    // of the victim's packets
  double byte_share = 0;               // of the victim's bytes
  double weight() const { return std::max(share, byte_share); }
};

// A routing loop shows in flows as the same conversation crossing one sensor
// again and again: seen through more than one pair of interfaces (in 1 out 2, then
// in 2 out 1), or in and out of the same interface.
struct LoopHint {
  bool suspected = false;  // share >= 0.25 and crossings >= 2
  double share = 0;        // of the victim's packets, in conversations that crossed more than once
  int crossings = 0;       // the most interface pairs one conversation crossed a sensor by
};

struct AttackReport {
  std::string victim;  // an address, or a prefix for carpet bombing
  std::string direction = "incoming";
  int64_t first_ms = 0, last_ms = 0;
  uint64_t packets = 0, bytes = 0, flows = 0;
  double share = 0;                                 // of all the packets read
  double bps = 0, pps = 0, fps = 0;                 // averages over first..last
  double peak_bps = 0, peak_pps = 0, peak_fps = 0;  // the busiest second (by flow start)
  std::vector<VectorShare> vectors;
  std::vector<ReportEntry> sources, source_prefixes, source_ports, destination_ports, tcp_flags,
      packet_sizes, sensors, interfaces;
  uint64_t distinct_sources = 0;
  LoopHint loop;
  std::string filter;  // the victim's flows as weir filter switches
};

// One victim's report, built from its flows one at a time: BuildReports uses it,
// and so does each detection incident. With max_entries, the tables of sources and
// source prefixes tally the first that many distinct keys and only those (the
// distinct source count is then estimated), so a spoofed flood's report stays
// small; reflectors and repeat senders come early and keep counting.
class ReportBuilder {
 public:
  // victim: the address or prefix as text; outgoing: the victim is the source.
  ReportBuilder(std::string victim, bool prefix, bool outgoing, const FlowtypeNames* names,
                size_t max_entries = 0);
  ReportBuilder(ReportBuilder&&) noexcept;
  ReportBuilder& operator=(ReportBuilder&&) noexcept;
  ~ReportBuilder();

  void Add(const FlowRecord& r);
  uint64_t packets() const;
  // all_packets: the packets the share is of (0: no share).
  AttackReport Build(uint64_t all_packets, const ReportOptions& options) const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// Reads the plan's flows (twice: to choose the victims, then to describe them)
// and reports each victim, most packets first.
Result<std::vector<AttackReport>> BuildReports(const QueryPlan& plan, const SiteConfig& site,
                                               const ReportOptions& options);

// One JSON object (a line, without the newline).
std::string ReportJson(const AttackReport& report);
// A number as reports and events write it: at most 3 decimals, no trailing zeros.
void AppendDecimal(std::string& out, double v);

}  // namespace weir
