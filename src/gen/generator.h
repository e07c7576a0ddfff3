// FlowGenerator: synthetic but realistic flows, deterministic for a seed.
//
// Internal hosts (10.10.0.0/16 and 2001:db8:a::/48) and external hosts (public-looking
// addresses and 2001:db8:e::/48) are drawn from Zipf distributions; services follow
// a realistic mix (HTTPS, HTTP, DNS, QUIC, NTP, SSH, SMTP, ICMP, ...); the rate
// follows a diurnal curve peaking in the afternoon (UTC). Optional scenarios add a
// SYN-flood DDoS (many spoofed sources to one internal target) and a port scan.
// Records come out in start-time order with sensors and twoway flowtypes set
// (in, out, inweb, outweb, innull, outnull, int2int, ext2ext, inicmp, outicmp).
// Not thread-safe; use one generator per thread.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/status.h"
#include "gen/random.h"
#include "net/ip_address.h"
#include "record/flow_record.h"
#include "site/site_config.h"

namespace weir {

struct GeneratorOptions {
  uint64_t flows = 1000000;
  uint64_t seed = 1;
  int64_t start_ms = 0;
  int64_t duration_ms = 24 * 3600 * 1000LL;
  double ipv6_fraction = 0.05;
  bool ddos = false;
  bool scan = false;
  IpAddress ddos_target = IpAddress::V4(0x0a0a0050);  // 10.10.0.80
  std::string class_name;  // site class whose sensors and types are used; empty: default
};

class FlowGenerator {
 public:
  static Result<FlowGenerator> Create(const GeneratorOptions& options, const SiteConfig& site);

  // Fills r with the next flow. Returns false when `flows` records were produced.
  bool Next(FlowRecord& r);
  uint64_t produced() const { return produced_; }

 private:
  enum Twoway { kIn, kOut, kInWeb, kOutWeb, kInNull, kOutNull, kInt2Int, kExt2Ext, kInIcmp, kOutIcmp, kOther, kTwowayCount };
  struct Service {
    uint8_t protocol;
    uint16_t port;   // 0: random high port; ICMP: type<<8|code
    double packets_log_mean, packets_log_sigma;
    uint16_t packet_size;  // mean bytes per packet
  };

  explicit FlowGenerator(const GeneratorOptions& options);
  int64_t NextTime();
  IpAddress InternalHost(size_t rank, bool v6) const;
  IpAddress ExternalHost(size_t rank, bool v6) const;
  void NormalFlow(FlowRecord& r, int64_t t);
  void DdosFlow(FlowRecord& r, int64_t t);
  void ScanFlow(FlowRecord& r, int64_t t);
  void SetDirection(FlowRecord& r, bool src_internal, bool dst_internal, bool null_route);
  double Normal() { return normal_table_[rng_.Below(normal_table_.size())]; }

  GeneratorOptions options_;
  Random rng_;
  AliasTable internal_hosts_, external_hosts_, services_;
  std::vector<Service> service_list_;
  std::vector<double> normal_table_;
  std::vector<double> cumulative_;  // diurnal CDF over minutes
  size_t minute_ = 0;
  std::vector<uint16_t> sensors_;
  std::array<uint8_t, kTwowayCount> flowtypes_{};
  uint64_t produced_ = 0;
  int64_t ddos_begin_ = 0, ddos_end_ = 0, scan_begin_ = 0, scan_end_ = 0;
  uint32_t scan_port_ = 0;
};

}  // namespace weir
