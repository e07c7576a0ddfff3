// weir eve compare: Suricata's flow records against the stored records of the
// same traffic (the collector's, or weir meter's), to answer with numbers whether
// one is more useful than the other (doc/ids.md, "Comparing").
//
// Each EVE flow or netflow event becomes its directional records (as weir eve
// import makes them); each is paired with the stored records of the same
// directional 5-tuple whose time overlaps it (give or take the tolerance), summed
// (an exporter may have split it). Byte differences are explained per packet: an
// Ethernet header is 14 bytes (18 with a VLAN tag), which Suricata counts and
// NetFlow does not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "site/file_selection.h"
#include "site/site_config.h"

namespace weir {

struct CompareOptions {
  std::string root;
  const SiteConfig* site = nullptr;
  FileSelection selection;  // classes, types, sensors; the dates come from the events
  std::string expr;
  int64_t tolerance_ms = 30'000;
  int threads = 0;
};

struct CompareReport {
  uint64_t eve_events = 0, eve_records = 0, stored_records = 0;
  uint64_t pairs = 0;         // EVE records with stored records
  uint64_t same_packets = 0;  // pairs whose packet counts agree
  // Bytes per packet that Suricata counted beyond the stored count, by pair:
  // exactly 14 (Ethernet), exactly 18 (802.1Q), 0, or anything else.
  uint64_t per_packet_14 = 0, per_packet_18 = 0, per_packet_0 = 0, per_packet_other = 0;
  std::vector<double> byte_quantiles;  // of (EVE - stored) bytes per pair: min, p10, p50, p90, max
  std::vector<double> packet_quantiles;             // of (EVE - stored) packets per pair
  uint64_t eve_only = 0, eve_only_bytes = 0;        // EVE records nothing stored matches
  uint64_t stored_only = 0, stored_only_bytes = 0;  // stored records no EVE record matches
  std::vector<double> eve_delay_quantiles;  // s from a flow's end to its event: min, p50, p90, max
  int64_t first_ms = 0, last_ms = 0;        // the EVE flows' time span
  uint64_t malformed = 0;
  std::vector<std::string> problems;
};

Result<CompareReport> CompareEve(const std::vector<std::string>& files,
                                 const CompareOptions& options);

std::string CompareText(const CompareReport& r);
std::string CompareJson(const CompareReport& r);

}  // namespace weir
