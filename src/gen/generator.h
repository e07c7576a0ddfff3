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
#include "site/twoway.h"
#include "store/flow_batch.h"

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
  uint64_t produced() const { return cursor_.index; }

  // Flows come in chunks of kChunkFlows, each a function of (seed, chunk number)
  // alone, so chunks can be made on several threads and still give the same flows
  // as Next(). GenerateChunk is const and thread-safe.
  static constexpr uint64_t kChunkFlows = 262144;
  uint64_t chunks() const { return (options_.flows + kChunkFlows - 1) / kChunkFlows; }
  void GenerateChunk(uint64_t chunk, FlowBatch& batch) const;

 private:
  using enum Twoway::Type;
  struct Service {
    uint8_t protocol;
    uint16_t port;  // 0: random high port; ICMP: type<<8|code
    double packets_log_mean, packets_log_sigma;
    uint16_t packet_size;  // mean bytes per packet
  };

  // Where a chunk's generation stands: its random stream and the next flow.
  struct Cursor {
    Random rng{0};
    uint64_t index = 0;  // global number of the next flow
    size_t minute = 0;   // minute of the diurnal curve the next flow falls in
  };

  explicit FlowGenerator(const GeneratorOptions& options) : options_(options) {}
  Cursor StartChunk(uint64_t chunk) const;
  void Make(Cursor& c, FlowRecord& r) const;
  int64_t NextTime(Cursor& c) const;
  IpAddress InternalHost(size_t rank, bool v6) const;
  IpAddress ExternalHost(size_t rank, bool v6) const;
  void NormalFlow(Cursor& c, FlowRecord& r, int64_t t) const;
  void DdosFlow(Cursor& c, FlowRecord& r, int64_t t) const;
  void ScanFlow(Cursor& c, FlowRecord& r, int64_t t) const;
  void SetDirection(FlowRecord& r, bool src_internal, bool dst_internal, bool null_route) const;
  double Normal(Cursor& c) const { return normal_table_[c.rng.Below(normal_table_.size())]; }

  GeneratorOptions options_;
  Cursor cursor_;
  ZipfSampler internal_hosts_, external_hosts_;
  AliasTable services_;
  std::vector<Service> service_list_;
  std::vector<double> normal_table_;
  std::vector<double> cumulative_;  // diurnal CDF over minutes
  std::vector<uint16_t> sensors_;
  std::array<uint8_t, kCount> flowtypes_{};
  int64_t ddos_begin_ = 0, ddos_end_ = 0, scan_begin_ = 0, scan_end_ = 0;
};

}  // namespace weir
