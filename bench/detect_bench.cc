// Detection throughput and state per key (Google Benchmark). Records towards 1 M
// internal hosts (10.0.0.0/8) from random external sources, 8,192 per batch as
// the collector hands them over, 7 M records a second of flow time, through the default rule set
// (10 rules) and 20 rules (the default set and ten more: prefix, sensor, interface and key scopes,
// learned baselines). Counters: records/s once every key is tracked, keys tracked
// (per rule, summed), heap bytes per tracked key.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <random>

#include "detect/detector.h"

namespace weir {
namespace {

constexpr size_t kHosts = 1 << 20;
constexpr size_t kRecords = 1 << 22;

const std::vector<FlowRecord>& Records() {
  static const std::vector<FlowRecord> records = [] {
    std::vector<FlowRecord> v(kRecords);
    std::mt19937_64 rng(1);
    const int64_t t0 = 1'764'547'200'000;
    for (size_t i = 0; i < kRecords; ++i) {
      FlowRecord& r = v[i];
      r.sip = IpAddress::V4(0xc0000000u + static_cast<uint32_t>(rng() % (1u << 24)));
      r.dip = IpAddress::V4(0x0a000000u + static_cast<uint32_t>(i % kHosts));
      const bool tcp = rng() % 3 != 0;
      r.protocol = tcp ? kProtoTcp : kProtoUdp;
      r.sport = static_cast<uint16_t>(rng());
      r.dport = tcp ? 443 : 53;
      r.flags = tcp ? (kTcpSyn | kTcpAck | kTcpPsh | kTcpFin) : 0;
      r.packets = 1 + rng() % 10;
      r.bytes = r.packets * (64 + rng() % 1400);
      r.stime_ms = t0 + static_cast<int64_t>(i / 7000);  // 7 M records a second of flow time
      r.sensor = static_cast<uint16_t>(rng() % 4);
      r.input = 1 + static_cast<uint32_t>(rng() % 8);
    }
    return v;
  }();
  return records;
}

RuleSet Rules(bool twenty) {
  RuleContext context;
  context.site = &SiteConfig::Default();
  context.internal.AddPrefix(*IpPrefix::Parse("10.0.0.0/8"));
  context.internal.Finish();
  std::string text(DefaultRulesText());
  if (twenty)
    text += R"(
[[rule]]
name = "prefix_bits"
scope = "prefix"
metric = "bits"
threshold = "10G"
[[rule]]
name = "prefix22_flows"
scope = "prefix"
prefix_length = 22
metric = "flows"
threshold = 200000
[[rule]]
name = "sensor_packets"
scope = "sensor"
metric = "packets"
threshold = 10000000
[[rule]]
name = "interface_bits"
scope = "interface"
metric = "bits"
threshold = "40G"
[[rule]]
name = "dns_flows"
metric = "flows"
filter = "proto udp and dport 53"
threshold = 5000
[[rule]]
name = "scanner"
scope = "key"
key = "sip"
direction = "any"
metric = "dports"
threshold = 1000
window = "10s"
[[rule]]
name = "learned_bytes"
metric = "bytes"
window = "10s"
baseline = { k = 6, floor = "10M", warmup = "1h" }
[[rule]]
name = "udp_packets"
metric = "packets"
filter = "proto udp"
threshold = 50000
[[rule]]
name = "outgoing_bits"
direction = "outgoing"
metric = "bits"
threshold = "2G"
[[rule]]
name = "ratio"
metric = "out_in_ratio"
threshold = 50
)";
  auto rules = ParseRules(text, "bench", context);
  if (!rules.ok()) std::abort();
  return std::move(*rules);
}

// The same records 6 seconds of flow time later: every key is already tracked.
const std::vector<FlowRecord>& Later() {
  static const std::vector<FlowRecord> later = [] {
    std::vector<FlowRecord> v = Records();
    for (FlowRecord& r : v) r.stime_ms += 6000;
    return v;
  }();
  return later;
}

size_t HeapInUse() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;  // small blocks and mmapped ones
}

void Feed(Detector& detector, const std::vector<FlowRecord>& records) {
  for (size_t i = 0; i < records.size(); i += 8192)
    detector.Add(std::span(records).subspan(i, std::min<size_t>(8192, records.size() - i)));
}

// Steady state: the keys are tracked (a first pass, not timed, meets them).
void Detect(benchmark::State& state) {
  const auto& records = Records();
  const auto& later = Later();
  size_t keys = 0;
  double bytes_per_key = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const size_t heap_before = HeapInUse();
    Detector detector(Rules(state.range(0) == 20), nullptr, {}, [](const DetectEvent&) {});
    Feed(detector, records);
    keys = detector.Stats().keys;
    bytes_per_key = static_cast<double>(HeapInUse() - heap_before) /
                    static_cast<double>(std::max<size_t>(keys, 1));
    state.ResumeTiming();
    Feed(detector, later);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
  state.counters["keys"] = static_cast<double>(keys);
  state.counters["heap_bytes_per_key"] = bytes_per_key;
}
BENCHMARK(Detect)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
