// Google Benchmark: the collector's decoder per core, on the NetFlow v9 datagrams
// flow_blast sends (netflow_v9_datagrams.h), held in memory: decoding alone, and
// decoding plus classification by a sensor.conf as bench/collect.sh's.
//   build/release/bench/decode_bench
#include <benchmark/benchmark.h>

#include <cstring>

#include "netflow_v9_datagrams.h"
#include "site/sensor_config.h"
#include "site/site_config.h"
#include "wire/exporter.h"

namespace weir {
namespace {

constexpr uint32_t kExportSeconds = 1795651200;  // 2026-11-26T00:00:00Z
constexpr size_t kHandoff = 8192;                // records per batch, as the collector

const std::vector<std::vector<std::byte>>& Datagrams() {
  static const auto datagrams = [] {
    std::vector<std::vector<std::byte>> out;
    uint32_t sequence = 0;
    for (auto& d : bench::MakeNetflowV9Datagrams(4096)) {
      uint32_t t = __builtin_bswap32(kExportSeconds), s = __builtin_bswap32(sequence++);
      std::memcpy(d.data() + 8, &t, 4);
      std::memcpy(d.data() + 12, &s, 4);
      auto* p = reinterpret_cast<const std::byte*>(d.data());
      out.emplace_back(p, p + d.size());
    }
    return out;
  }();
  return datagrams;
}

void BM_DecodeNetflowV9(benchmark::State& state) {
  Exporter exporter(IpAddress::V4(0x7f000001));
  std::vector<FlowRecord> out;
  out.reserve(kHandoff + 64);
  uint64_t flows = 0;
  for (auto _ : state) {
    for (const auto& d : Datagrams()) {
      exporter.Decode(d, int64_t{kExportSeconds} * 1000, out);
      if (out.size() >= kHandoff) flows += out.size(), out.clear();
    }
  }
  flows += out.size();
  state.SetItemsProcessed(static_cast<int64_t>(flows));
}
BENCHMARK(BM_DecodeNetflowV9);

// bench/collect.sh's sensor.conf, or null (the benchmark skipped) if it fails.
const SensorConfig* BenchSensors(benchmark::State& state) {
  static const Result<SensorConfig> sensors = SensorConfig::Parse(
      "probe bench netflow-v9\n  listen-on-port 2055\nend probe\n"
      "sensor local\n  netflow-v9-probes bench\n  internal-ipblocks 10.0.0.0/8\n"
      "  external-ipblocks remainder\nend sensor\n",
      "bench.conf", SiteConfig::Default());
  if (sensors.ok()) return &*sensors;
  state.SkipWithError(sensors.status().message().c_str());
  return nullptr;
}

// Classification alone, of the records decoded once.
void BM_Classify(benchmark::State& state) {
  const SensorConfig* sensors = BenchSensors(state);
  if (!sensors) return;
  Exporter exporter(IpAddress::V4(0x7f000001));
  std::vector<FlowRecord> records;
  for (const auto& d : Datagrams()) exporter.Decode(d, int64_t{kExportSeconds} * 1000, records);
  std::vector<std::pair<uint16_t, uint8_t>> targets;
  for (auto _ : state) {
    for (FlowRecord& r : records) {
      targets.clear();
      sensors->Classify(0, r, {}, targets);
      r.flowtype = targets[0].second;
    }
    benchmark::DoNotOptimize(records.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records.size()));
}
BENCHMARK(BM_Classify);

void BM_DecodeAndClassify(benchmark::State& state) {
  const SensorConfig* sensors = BenchSensors(state);
  if (!sensors) return;
  Exporter exporter(IpAddress::V4(0x7f000001));
  std::vector<FlowRecord> out;
  out.reserve(kHandoff + 64);
  std::vector<std::pair<uint16_t, uint8_t>> targets;
  uint64_t flows = 0;
  for (auto _ : state) {
    for (const auto& d : Datagrams()) {
      const size_t first = out.size();
      exporter.Decode(d, int64_t{kExportSeconds} * 1000, out);
      for (size_t i = first; i < out.size(); ++i) {
        targets.clear();
        sensors->Classify(0, out[i], {}, targets);
        out[i].sensor = targets[0].first;
        out[i].flowtype = targets[0].second;
      }
      if (out.size() >= kHandoff) flows += out.size(), out.clear();
    }
  }
  flows += out.size();
  state.SetItemsProcessed(static_cast<int64_t>(flows));
}
BENCHMARK(BM_DecodeAndClassify);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
