#include "gen/generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "base/hash.h"
#include "base/time.h"

namespace weir {

namespace {

constexpr size_t kInternalHosts = 4096;
constexpr size_t kExternalHosts = 1 << 18;
constexpr size_t kNormalTable = 4096;
constexpr double kDdosBoost = 20;
constexpr double kScanBoost = 3;

// Inverse of the standard normal CDF (Acklam's rational approximation), used once
// to fill a quantile table so draws cost one table lookup.
double InverseNormal(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  if (p < 0.02425) {
    double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -InverseNormal(1 - p);
  double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// The popular external hosts sit in a few large networks (content and cloud
// providers); the long tail spreads over many, sixty-four neighbouring ranks to one.
uint32_t ExternalAs(size_t rank) {
  static constexpr uint32_t kLarge[] = {15169, 16509, 13335, 8075, 32934, 20940, 54113, 14618};
  if (rank < 256) return kLarge[rank % 8];
  return 1000 + static_cast<uint32_t>(Mix64(rank >> 6) % 30000);
}

// e^x to about 1e-7 relative error for |x| < 700: 2^(x log2 e) split into an
// exponent and a polynomial for 2^f on [0, 1). Deterministic, and much cheaper than
// std::exp, which the generator calls three times per flow.
double FastExp(double x) {
  double t = x * 1.4426950408889634;
  double whole = std::floor(t);
  double f = t - whole;
  double p = 1.0 + f * (0.6931471805599453 +
                        f * (0.2402265069591007 +
                             f * (0.0555041086648216 +
                                  f * (0.0096181291076285 +
                                       f * (0.0013333558146428 + f * 0.0001540353039338)))));
  uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(whole) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

bool IsWebPort(uint16_t p) { return p == 80 || p == 443 || p == 8080; }

}  // namespace

Result<FlowGenerator> FlowGenerator::Create(const GeneratorOptions& options,
                                            const SiteConfig& site) {
  if (options.duration_ms <= 0) return Status::Invalid("the generated period must be positive");
  FlowGenerator g(options);
  std::string cls = options.class_name.empty() ? site.default_class() : options.class_name;
  const ClassInfo* c = site.Class(cls);
  if (!c) return Status::Invalid("the site has no class '" + cls + "' to generate flows for");
  if (c->sensors.empty()) return Status::Invalid("class '" + cls + "' has no sensors");
  g.sensors_ = c->sensors;
  static constexpr int kFallback[] = {-1, -1, kIn, kOut, kIn, kOut, kOut, kIn, kIn, kOut, kIn};
  for (int t = 0; t < kCount; ++t) {
    auto id = site.FindFlowtype(cls, Twoway::kNames[t]);
    if (!id && kFallback[t] >= 0) id = site.FindFlowtype(cls, Twoway::kNames[kFallback[t]]);
    g.flowtypes_[static_cast<size_t>(t)] = id ? *id : c->flowtypes.front();
  }

  g.internal_hosts_ = ZipfSampler(kInternalHosts, 1.1);
  g.external_hosts_ = ZipfSampler(kExternalHosts, 1.0);
  // protocol, port, log-mean packets, log-sigma, mean packet size; weights below.
  g.service_list_ = {
      {kProtoTcp, 443, 2.6, 1.6, 900},
      {kProtoTcp, 80, 2.3, 1.5, 800},
      {kProtoUdp, 53, 0.1, 0.3, 90},
      {kProtoUdp, 443, 3.0, 1.5, 1000},
      {kProtoTcp, 22, 3.0, 1.8, 300},
      {kProtoTcp, 25, 2.5, 1.0, 600},
      {kProtoTcp, 993, 2.5, 1.2, 500},
      {kProtoTcp, 445, 2.8, 1.5, 700},
      {kProtoTcp, 3389, 4.0, 1.5, 400},
      {kProtoTcp, 8080, 2.3, 1.4, 700},
      {kProtoUdp, 123, 0.0, 0.2, 76},
      {kProtoUdp, 161, 0.3, 0.4, 120},
      {kProtoIcmp, 0x0800, 1.0, 0.8, 84},
      {kProtoIcmp, 0x0303, 0.0, 0.2, 112},
      {kProtoTcp, 0, 2.0, 1.5, 500},
      {kProtoUdp, 0, 1.5, 1.5, 400},
      {47, 0, 4.0, 1.5, 600},
      {50, 0, 4.0, 1.5, 800},
  };
  g.services_ = AliasTable({33, 10, 18, 6, 2, 1.5, 1, 1, 0.5, 1, 3, 0.5, 2, 0.5, 5, 4, 0.3, 0.3});
  g.normal_table_.resize(kNormalTable);
  for (size_t i = 0; i < kNormalTable; ++i)
    g.normal_table_[i] = InverseNormal((static_cast<double>(i) + 0.5) / kNormalTable);

  // Diurnal rate per minute: low at night, peak mid-afternoon UTC.
  // The attack windows raise the flow rate: a DDoS multiplies it by kDdosBoost (and
  // most flows in the window are attack flows), a scan by kScanBoost.
  g.ddos_begin_ = options.start_ms + options.duration_ms * 2 / 5;
  g.ddos_end_ = g.ddos_begin_ + std::min<int64_t>(600000, options.duration_ms / 20);
  g.scan_begin_ = options.start_ms + options.duration_ms * 7 / 10;
  g.scan_end_ = g.scan_begin_ + std::min<int64_t>(300000, options.duration_ms / 40);
  size_t minutes = static_cast<size_t>((options.duration_ms + 59999) / 60000);
  g.cumulative_.resize(minutes + 1);
  double total = 0;
  for (size_t m = 0; m < minutes; ++m) {
    int64_t t = options.start_ms + static_cast<int64_t>(m) * 60000;
    double day_fraction = static_cast<double>(t - FloorTo(t, kMillisPerDay)) / kMillisPerDay;
    double rate = 1.0 + 0.7 * std::sin(2 * std::numbers::pi * (day_fraction - 0.375));
    if (options.ddos && t >= g.ddos_begin_ && t < g.ddos_end_) rate *= kDdosBoost;
    if (options.scan && t >= g.scan_begin_ && t < g.scan_end_) rate *= kScanBoost;
    total += rate;
    g.cumulative_[m + 1] = total;
  }
  for (double& v : g.cumulative_) v /= total;
  return g;
}

FlowGenerator::Cursor FlowGenerator::StartChunk(uint64_t chunk) const {
  Cursor c;
  c.rng = Random(Mix64(options_.seed) ^ Mix64(chunk + 0x632be59bd9b4e019ull));
  c.index = chunk * kChunkFlows;
  double f = (static_cast<double>(c.index) + 0.5) / static_cast<double>(options_.flows);
  auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), f);
  c.minute = it == cumulative_.begin() ? 0 : static_cast<size_t>(it - cumulative_.begin()) - 1;
  c.minute = std::min(c.minute, cumulative_.size() - 2);
  return c;
}

int64_t FlowGenerator::NextTime(Cursor& c) const {
  double f = (static_cast<double>(c.index) + 0.5) / static_cast<double>(options_.flows);
  while (c.minute + 2 < cumulative_.size() && cumulative_[c.minute + 1] < f) ++c.minute;
  double lo = cumulative_[c.minute], hi = cumulative_[c.minute + 1];
  double within = hi > lo ? (f - lo) / (hi - lo) : 0;
  int64_t t = options_.start_ms + static_cast<int64_t>(c.minute) * 60000 +
              static_cast<int64_t>(within * 60000);
  return std::min(t, options_.start_ms + options_.duration_ms - 1);
}

IpAddress FlowGenerator::InternalHost(size_t rank, bool v6) const {
  uint64_t h = Mix64(rank * 0x9E37 + 17);
  if (!v6) return IpAddress::V4(0x0a0a0000u | static_cast<uint32_t>((h % 65024) + 256));
  return IpAddress::FromHalves(0x20010db8000a0000ull, h | 1);
}

IpAddress FlowGenerator::ExternalHost(size_t rank, bool v6) const {
  uint64_t h = Mix64(rank + 0x5bd1e995);
  if (v6) return IpAddress::FromHalves(0x20010db8000e0000ull | (h >> 48), Mix64(h));
  // A public-looking unicast address: first octet in 1-223, avoiding 10/8, 127/8 and
  // 172.16/12, 192.168/16, 100.64/10, 169.254/16.
  uint32_t a = static_cast<uint32_t>(h);
  uint32_t first = 1 + (a >> 24) % 223;
  if (first == 10 || first == 127 || first == 100 || first == 172 || first == 192 || first == 169)
    first += 1;
  return IpAddress::V4(first << 24 | (a & 0x00ffffff) | 1);
}

void FlowGenerator::SetDirection(FlowRecord& r, bool src_internal, bool dst_internal,
                                 bool null_route) const {
  bool web = r.protocol == kProtoTcp && (IsWebPort(r.sport) || IsWebPort(r.dport));
  bool icmp = r.is_icmp();
  Twoway::Type t;
  if (src_internal && dst_internal)
    t = kInt2Int;
  else if (!src_internal && !dst_internal)
    t = kExt2Ext;
  else if (!src_internal)
    t = null_route ? kInNull : web ? kInWeb : icmp ? kInIcmp : kIn;
  else
    t = null_route ? kOutNull : web ? kOutWeb : icmp ? kOutIcmp : kOut;
  r.flowtype = flowtypes_[t];
  uint32_t s = r.sensor;
  r.input = src_internal ? 10 + s : 1;
  r.output = null_route ? 0 : dst_internal ? 10 + s : 1;
  r.exporter = IpAddress::V4(0x0aff0000u | (s + 1));
  r.nhip = null_route ? IpAddress::V4(0) : IpAddress::V4(dst_internal ? 0x0a0a0001u : 0xc0000201u);
}

void FlowGenerator::NormalFlow(Cursor& c, FlowRecord& r, int64_t t) const {
  // Every field any flow kind sets is set below, so r needs no reset.
  const Service& svc = service_list_[services_.Sample(c.rng)];
  bool v6 = c.rng.Chance(options_.ipv6_fraction);
  double dir = c.rng.Unit();
  // 55% internal clients to the outside, 30% outside clients to internal servers,
  // 13.5% internal to internal, the rest transit (ext2ext).
  bool client_internal = dir < 0.55 || dir >= 0.85;
  bool server_internal = dir >= 0.55;
  if (dir >= 0.985) client_internal = server_internal = false;
  size_t client_rank =
      client_internal ? internal_hosts_.Sample(c.rng) : external_hosts_.Sample(c.rng);
  size_t server_rank =
      server_internal ? internal_hosts_.Sample(c.rng) : external_hosts_.Sample(c.rng);
  IpAddress client =
      client_internal ? InternalHost(client_rank, v6) : ExternalHost(client_rank, v6);
  IpAddress server =
      server_internal ? InternalHost(server_rank % 64, v6) : ExternalHost(server_rank, v6);
  uint16_t client_port = static_cast<uint16_t>(32768 + c.rng.Below(28232));
  uint16_t server_port = svc.port ? svc.port : static_cast<uint16_t>(1024 + c.rng.Below(64000));
  r.protocol = svc.protocol;
  if (v6 && r.protocol == kProtoIcmp) r.protocol = kProtoIcmpV6;
  // Half of the flows are the server's answer (SiLK records each direction).
  bool reply = c.rng.Chance(0.45);
  bool src_internal = reply ? server_internal : client_internal;
  bool dst_internal = reply ? client_internal : server_internal;
  r.sip = reply ? server : client;
  r.dip = reply ? client : server;
  r.sport = reply ? server_port : client_port;
  r.dport = reply ? client_port : server_port;
  if (r.is_icmp()) {
    r.sport = 0;
    r.dport = reply && svc.port == 0x0800 ? 0 : svc.port;  // echo reply is type 0
  }
  if (r.protocol != kProtoTcp && r.protocol != kProtoUdp && !r.is_icmp()) r.sport = r.dport = 0;

  double lp = svc.packets_log_mean + svc.packets_log_sigma * Normal(c);
  r.packets = std::max<uint64_t>(1, static_cast<uint64_t>(FastExp(std::min(lp, 16.0))));
  double size = svc.packet_size * (reply ? 1.0 : 0.35) * FastExp(0.3 * Normal(c));
  size = std::clamp(size, r.protocol == kProtoTcp ? 40.0 : 28.0, 1500.0);
  r.bytes = static_cast<uint64_t>(static_cast<double>(r.packets) * size);
  double gap_ms = FastExp(3.5 + 1.5 * Normal(c));
  double duration = r.packets > 1 ? gap_ms * static_cast<double>(r.packets - 1) : 0;
  r.attributes = 0;
  if (duration >= 1800000) {
    duration = 1800000;
    r.attributes = kAttrActiveTimeout;
  }
  r.stime_ms = t;
  r.duration_ms = static_cast<uint32_t>(duration);
  r.flags = r.initial_flags = r.session_flags = 0;
  if (r.protocol == kProtoTcp) {
    double outcome = c.rng.Unit();
    if (outcome < 0.08 && !reply) {
      r.initial_flags = kTcpSyn;  // unanswered SYN
      r.packets = 1 + c.rng.Below(3);
      r.bytes = r.packets * (v6 ? 80 : 60);
      r.duration_ms = r.packets > 1 ? 1000 * static_cast<uint32_t>(r.packets - 1) : 0;
    } else {
      r.initial_flags = reply ? (kTcpSyn | kTcpAck) : kTcpSyn;
      r.session_flags = kTcpAck | (r.packets > 3 ? kTcpPsh : 0);
      if (r.attributes == 0) r.session_flags |= outcome < 0.13 ? kTcpRst : kTcpFin;
      if (r.packets == 1) r.session_flags = 0;
    }
    r.flags = r.initial_flags | r.session_flags;
  }
  r.application = svc.port && !r.is_icmp() ? svc.port : 0;
  r.tos = r.protocol == kProtoUdp && svc.port == 443 ? 0 : (c.rng.Chance(0.02) ? 0xb8 : 0);
  uint64_t internal_host = client_internal ? client_rank : server_rank;
  r.sensor = sensors_[Mix64(internal_host) % sensors_.size()];
  r.src_as = src_internal ? 64512 : ExternalAs(reply ? server_rank : client_rank);
  r.dst_as = dst_internal ? 64512 : ExternalAs(reply ? client_rank : server_rank);
  r.src_mask = src_internal ? 16 : 24;
  r.dst_mask = dst_internal ? 16 : 24;
  if (v6) r.src_mask = r.dst_mask = 48;
  SetDirection(r, src_internal, dst_internal, c.rng.Chance(0.003));
}

void FlowGenerator::DdosFlow(Cursor& c, FlowRecord& r, int64_t t) const {
  r = FlowRecord();
  r.sip = IpAddress::V4(static_cast<uint32_t>(c.rng.Next()) | 0x01000000u);
  r.dip = options_.ddos_target;
  r.sport = static_cast<uint16_t>(1024 + c.rng.Below(64000));
  r.dport = 80;
  r.protocol = kProtoTcp;
  r.packets = 1 + c.rng.Below(2);
  r.bytes = r.packets * 60;
  r.flags = r.initial_flags = kTcpSyn;
  r.stime_ms = t;
  r.duration_ms = r.packets > 1 ? static_cast<uint32_t>(c.rng.Below(3000)) : 0;
  r.sensor = sensors_[0];
  r.src_as = 1000 + static_cast<uint32_t>(c.rng.Below(60000));
  r.dst_as = 64512;
  r.application = 0;
  SetDirection(r, false, true, false);
}

void FlowGenerator::ScanFlow(Cursor& c, FlowRecord& r, int64_t t) const {
  r = FlowRecord();
  r.sip = IpAddress::V4(0xcb007142);  // 203.0.113.66 (TEST-NET-3)
  uint32_t step = static_cast<uint32_t>(c.index);
  r.dip = InternalHost(step / 1024 % 16, false);
  r.sport = 40000 + static_cast<uint16_t>(step % 1000);
  r.dport = static_cast<uint16_t>(step % 1024 + 1);
  r.protocol = kProtoTcp;
  r.packets = 1;
  r.bytes = 44;
  r.flags = r.initial_flags = kTcpSyn;
  r.stime_ms = t;
  r.sensor = sensors_[0];
  r.src_as = 64496;
  r.dst_as = 64512;
  SetDirection(r, false, true, false);
}

void FlowGenerator::Make(Cursor& c, FlowRecord& r) const {
  int64_t t = NextTime(c);
  if (options_.ddos && t >= ddos_begin_ && t < ddos_end_ && c.rng.Chance(1 - 1 / kDdosBoost))
    DdosFlow(c, r, t);
  else if (options_.scan && t >= scan_begin_ && t < scan_end_ && c.rng.Chance(1 - 1 / kScanBoost))
    ScanFlow(c, r, t);
  else
    NormalFlow(c, r, t);
  ++c.index;
}

bool FlowGenerator::Next(FlowRecord& r) {
  if (cursor_.index >= options_.flows) return false;
  if (cursor_.index % kChunkFlows == 0) cursor_ = StartChunk(cursor_.index / kChunkFlows);
  Make(cursor_, r);
  return true;
}

void FlowGenerator::GenerateChunk(uint64_t chunk, FlowBatch& batch) const {
  Cursor c = StartChunk(chunk);
  uint64_t end = std::min(options_.flows, (chunk + 1) * kChunkFlows);
  batch.Resize(static_cast<size_t>(end - c.index));
  FlowRecord r;
  for (size_t i = 0; c.index < end; ++i) {
    Make(c, r);
    batch.SetRow(i, r);
  }
}

}  // namespace weir
