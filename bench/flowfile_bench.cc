// Google Benchmark: the flow file's encode (write) and decode speeds per core, on
// 1 M `weir gen` flows held in memory (no disk), and bytes per flow.
//   build/release/bench/flowfile_bench
#include <benchmark/benchmark.h>

#include "gen/generator.h"
#include "store/block_codec.h"
#include "store/block_format.h"
#include "store/flow_writer.h"

namespace weir {
namespace {

struct Corpus {
  std::vector<FlowBatch> batches;
  std::vector<std::vector<std::byte>> blocks;  // encoded, one per batch
  uint64_t flows = 0, bytes = 0;
};

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    GeneratorOptions o;
    o.flows = 1 << 20;
    o.start_ms = 1795651200000;  // 2026-11-26T00:00:00Z
    auto g = FlowGenerator::Create(o, SiteConfig::Default());
    c.batches.resize(g->chunks());
    BlockEncoder encoder(Compression::kZstd, 1);
    for (uint64_t i = 0; i < g->chunks(); ++i) {
      g->GenerateChunk(i, c.batches[i]);
      c.blocks.emplace_back();
      encoder.Encode(c.batches[i], c.blocks.back());
      c.flows += c.batches[i].size();
      c.bytes += c.blocks.back().size();
    }
    return c;
  }();
  return corpus;
}

void BM_Encode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  BlockEncoder encoder(static_cast<Compression>(state.range(0)), 1);
  std::vector<std::byte> out;
  for (auto _ : state) {
    for (const auto& b : c.batches) {
      out.clear();
      encoder.Encode(b, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.flows));
  state.counters["bytes_per_flow"] = static_cast<double>(out.size()) / c.batches.back().size();
}
BENCHMARK(BM_Encode)
    ->Arg(static_cast<int>(Compression::kZstd))
    ->Arg(static_cast<int>(Compression::kLz4))
    ->Unit(benchmark::kMillisecond);

// Records to columns, as the collector and the meter append them: hand-offs of
// 8192 records, every other row (the rows of one hourly file among two).
void BM_AppendRecords(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::vector<FlowRecord> records(c.batches[0].size());
  c.batches[0].GetRange(0, records.size(), records.data());
  constexpr size_t kHandOff = 8192;
  std::vector<uint32_t> rows;
  for (uint32_t i = 0; i < kHandOff; i += 2) rows.push_back(i);
  FlowBatch batch;
  size_t appended = 0;
  for (auto _ : state) {
    batch.Clear();
    for (size_t at = 0; at + kHandOff <= records.size(); at += kHandOff) {
      batch.AppendRecords(std::span(records).subspan(at, kHandOff), rows);
      appended += rows.size();
    }
    benchmark::DoNotOptimize(batch.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(appended));
}
BENCHMARK(BM_AppendRecords);

// Columns to records, as export and the row-wise tools read them: 256 at a time.
void BM_GetRange(benchmark::State& state) {
  const FlowBatch& batch = GetCorpus().batches[0];
  std::vector<FlowRecord> records(256);
  size_t read = 0;
  for (auto _ : state) {
    for (size_t at = 0; at + records.size() <= batch.size(); at += records.size()) {
      batch.GetRange(at, records.size(), records.data());
      benchmark::DoNotOptimize(records.data());
      read += records.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(read));
}
BENCHMARK(BM_GetRange);

// Writing whole batches through FlowFileWriter (encode, compress, write) with
// 1 or 2 encoding threads, to /dev/null.
void BM_WriteFile(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  WriterOptions o;
  o.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<FlowBatch> copies = c.batches;  // the writer takes batches by move
    state.ResumeTiming();
    auto writer = FlowFileWriter::Create("/dev/null", o);
    for (auto& b : copies) (void)(*writer)->AppendBatch(std::move(b));
    (void)(*writer)->Close();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.flows));
}
BENCHMARK(BM_WriteFile)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void Decode(benchmark::State& state, ColumnSet columns) {
  const Corpus& c = GetCorpus();
  BlockDecoder decoder;
  FlowBatch batch;
  for (auto _ : state) {
    for (const auto& block : c.blocks) {
      BlockHeader header;
      size_t needed;
      (void)ParseBlockHeader(block, header, &needed);
      auto payload = std::span(block).subspan(header.size, header.payload_size);
      if (Checksum(payload) != header.payload_checksum) state.SkipWithError("checksum");
      (void)decoder.Decode(header, payload, columns, batch);
      benchmark::DoNotOptimize(batch.size());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.flows));
  state.counters["bytes_per_flow"] = static_cast<double>(c.bytes) / static_cast<double>(c.flows);
}

void BM_DecodeAllColumns(benchmark::State& state) { Decode(state, ColumnSet::All()); }
BENCHMARK(BM_DecodeAllColumns)->Unit(benchmark::kMillisecond);

void BM_DecodeOneColumn(benchmark::State& state) {
  ColumnSet one;
  one.Add(static_cast<FieldId>(state.range(0)));
  Decode(state, one);
}
BENCHMARK(BM_DecodeOneColumn)
    ->Arg(static_cast<int>(FieldId::kBytes))
    ->Arg(static_cast<int>(FieldId::kDip))
    ->Arg(static_cast<int>(FieldId::kStime))
    ->Unit(benchmark::kMillisecond);

void BM_Generate(benchmark::State& state) {
  GeneratorOptions o;
  o.flows = 1 << 20;
  o.start_ms = 1795651200000;
  auto g = FlowGenerator::Create(o, SiteConfig::Default());
  FlowBatch batch;
  for (auto _ : state)
    for (uint64_t i = 0; i < g->chunks(); ++i) g->GenerateChunk(i, batch);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * o.flows));
}
BENCHMARK(BM_Generate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
