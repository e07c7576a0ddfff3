#include "query/aggregate.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "query/sorter.h"
#include "query/time_series.h"
#include "store/block_codec.h"
#include "store/flow_reader.h"

namespace weir {
namespace {

FlowBatch Batch(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  FlowBatch b;
  for (size_t i = 0; i < n; ++i) {
    FlowRecord r;
    r.sip = IpAddress::V4(0x0a000000 | (rng() % 300));
    r.dip = rng() % 8 ? IpAddress::V4(0xc0000000 | (rng() % 50))
                      : *IpAddress::Parse("2001:db8::" + std::to_string(rng() % 20));
    r.dport = static_cast<uint16_t>(rng() % 40);
    r.protocol = rng() % 2 ? 6 : 17;
    r.packets = 1 + rng() % 10;
    r.bytes = 40 + rng() % 5000;
    r.stime_ms = 1'000'000 + static_cast<int64_t>(rng() % 3'600'000);
    r.duration_ms = rng() % 20'000;
    b.Append(r);
  }
  return b;
}

std::vector<uint32_t> AllRows(const FlowBatch& b) {
  std::vector<uint32_t> rows(b.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
  return rows;
}

// Adds every batch from `threads` threads at once (batch k on thread k % threads),
// then finishes.
void AddFromThreads(Aggregator& agg, const std::vector<FlowBatch>& batches, int threads) {
  std::vector<std::thread> running;
  for (int w = 0; w < threads; ++w) {
    running.emplace_back([&, w] {
      Aggregator::Scratch scratch;
      for (size_t k = static_cast<size_t>(w); k < batches.size(); k += static_cast<size_t>(threads))
        agg.Add(batches[k], AllRows(batches[k]), scratch, w);
    });
  }
  for (auto& t : running) t.join();
  agg.Finish();
}

TEST(Aggregator, MatchesAMapFromSeveralThreads) {
  auto values = ParseValues("records,bytes,dip-distinct,stime-earliest,etime-latest");
  ASSERT_TRUE(values.ok());
  AggregateSpec spec{{FieldId::kSip, FieldId::kDport}, *values, 0};
  Aggregator agg(spec);
  std::vector<FlowBatch> batches;
  for (uint32_t s = 0; s < 6; ++s) batches.push_back(Batch(20000, s));
  AddFromThreads(agg, batches, 3);

  struct Expected {
    uint64_t records = 0, bytes = 0;
    std::set<IpAddress> dips;
    int64_t earliest = INT64_MAX, latest = INT64_MIN;
  };
  std::map<std::pair<IpAddress, uint16_t>, Expected> want;
  for (const auto& b : batches) {
    for (size_t i = 0; i < b.size(); ++i) {
      auto& e = want[{b.sip[i], b.dport[i]}];
      ++e.records;
      e.bytes += b.bytes[i];
      e.dips.insert(b.dip[i]);
      e.earliest = std::min(e.earliest, b.stime_ms[i]);
      e.latest = std::max(e.latest, b.stime_ms[i] + int64_t{b.duration_ms[i]});
    }
  }
  ASSERT_EQ(agg.groups(), want.size());
  for (size_t g = 0; g < agg.groups(); ++g) {
    FlowRecord key = agg.KeyRecord(g);
    auto it = want.find({key.sip, key.dport});
    ASSERT_NE(it, want.end());
    EXPECT_EQ(agg.Value(g, 0), it->second.records);
    EXPECT_EQ(agg.Value(g, 1), it->second.bytes);
    EXPECT_EQ(agg.Value(g, 2), it->second.dips.size());
    EXPECT_EQ(static_cast<int64_t>(agg.Value(g, 3)), it->second.earliest);
    EXPECT_EQ(static_cast<int64_t>(agg.Value(g, 4)), it->second.latest);
  }
  EXPECT_GT(agg.MemoryBytes(), 0u);
}

// A batch as a reader hands it over: decoded from a block, with address dictionaries.
FlowBatch Decoded(const FlowBatch& b) {
  std::vector<std::byte> block;
  BlockEncoder(Compression::kLz4, 1).Encode(b, block);
  BlockHeader header;
  size_t needed;
  EXPECT_TRUE(ParseBlockHeader(block, header, &needed).ok());
  FlowBatch out;
  BlockDecoder decoder;
  EXPECT_TRUE(
      decoder
          .Decode(header, {block.data() + header.size, header.payload_size}, ColumnSet::All(), out)
          .ok());
  return out;
}

TEST(Aggregator, SummingByAddressDictionaryGivesTheSameGroups) {
  // The same rows with and without their dictionary (a decoded batch, and one
  // built by Append), added from two threads, every row and every third row.
  auto values = ParseValues("records,packets,bytes,stime-earliest,etime-latest");
  ASSERT_TRUE(values.ok());
  for (FieldId key : {FieldId::kDip, FieldId::kSip}) {
    AggregateSpec spec{{key}, *values, 0};
    Aggregator by_dictionary(spec), by_row(spec);
    std::vector<FlowBatch> plain, decoded;
    for (uint32_t s = 0; s < 4; ++s) {
      plain.push_back(Batch(30000, 100 + s));
      decoded.push_back(Decoded(plain.back()));
      ASSERT_NE(decoded.back().Dictionary(key), nullptr);
    }
    auto rows_of = [](const FlowBatch& b, size_t k) {
      std::vector<uint32_t> rows;
      for (uint32_t i = 0; i < b.size(); i += k % 2 ? 3 : 1) rows.push_back(i);
      return rows;
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
      threads.emplace_back([&, w] {
        Aggregator::Scratch a, b;
        for (size_t k = static_cast<size_t>(w); k < plain.size(); k += 2) {
          by_dictionary.Add(decoded[k], rows_of(decoded[k], k), a, w);
          by_row.Add(plain[k], rows_of(plain[k], k), b, w);
        }
      });
    }
    for (auto& t : threads) t.join();
    by_dictionary.Finish();
    by_row.Finish();
    ASSERT_EQ(by_dictionary.groups(), by_row.groups());
    std::map<IpAddress, std::vector<uint64_t>> want;
    for (size_t g = 0; g < by_row.groups(); ++g)
      for (size_t v = 0; v < values->size(); ++v)
        want[GetIp(by_row.KeyRecord(g), key)].push_back(by_row.Value(g, v));
    for (size_t g = 0; g < by_dictionary.groups(); ++g) {
      auto it = want.find(GetIp(by_dictionary.KeyRecord(g), key));
      ASSERT_NE(it, want.end());
      for (size_t v = 0; v < values->size(); ++v)
        EXPECT_EQ(by_dictionary.Value(g, v), it->second[v]);
    }
  }
}

TEST(Aggregator, PackedKeysKeepIpv6AndKeyOrder) {
  // (dport, dip, protocol) packs into one word; dip mixes IPv4 and IPv6 (interned),
  // so key order must come from the addresses, not from the packed bits.
  auto values = ParseValues("records,bytes");
  ASSERT_TRUE(values.ok());
  AggregateSpec spec{{FieldId::kDport, FieldId::kDip, FieldId::kProtocol}, *values, 0};
  Aggregator agg(spec);
  std::vector<FlowBatch> batches;
  for (uint32_t s = 0; s < 4; ++s) batches.push_back(Batch(20000, 40 + s));
  AddFromThreads(agg, batches, 2);
  using Key = std::tuple<uint16_t, IpAddress, uint8_t>;
  std::map<Key, std::pair<uint64_t, uint64_t>> want;
  for (const auto& b : batches) {
    for (size_t i = 0; i < b.size(); ++i) {
      auto& w = want[{b.dport[i], b.dip[i], b.protocol[i]}];
      ++w.first;
      w.second += b.bytes[i];
    }
  }
  ASSERT_EQ(agg.groups(), want.size());
  std::vector<uint32_t> order(agg.groups());
  for (size_t g = 0; g < order.size(); ++g) order[g] = static_cast<uint32_t>(g);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return agg.CompareKeys(a, b) < 0; });
  auto it = want.begin();
  for (uint32_t g : order) {
    FlowRecord key = agg.KeyRecord(g);
    ASSERT_EQ(Key(key.dport, key.dip, key.protocol), it->first);
    EXPECT_EQ(agg.Value(g, 0), it->second.first);
    EXPECT_EQ(agg.Value(g, 1), it->second.second);
    ++it;
  }
}

TEST(Aggregator, GrowingTablesKeepEveryValueKind) {
  // (sip, sport) packs into one word; ~190,000 groups make each partition's
  // table grow several times while two threads insert.
  auto values = ParseValues("records,packets,bytes,stime-earliest,etime-latest");
  ASSERT_TRUE(values.ok());
  AggregateSpec spec{{FieldId::kSip, FieldId::kSport}, *values, 0};
  Aggregator agg(spec);
  std::vector<FlowBatch> batches;
  for (uint32_t s = 0; s < 4; ++s) {
    batches.push_back(Batch(50000, 70 + s));
    std::mt19937 rng(s);
    for (auto& port : batches.back().sport) port = static_cast<uint16_t>(rng());
  }
  AddFromThreads(agg, batches, 2);
  using Key = std::pair<IpAddress, uint16_t>;
  struct Want {
    uint64_t records = 0, packets = 0, bytes = 0;
    int64_t earliest = INT64_MAX, latest = INT64_MIN;
  };
  std::map<Key, Want> want;
  for (const auto& b : batches) {
    for (size_t i = 0; i < b.size(); ++i) {
      Want& w = want[{b.sip[i], b.sport[i]}];
      ++w.records;
      w.packets += b.packets[i];
      w.bytes += b.bytes[i];
      w.earliest = std::min(w.earliest, b.stime_ms[i]);
      w.latest = std::max(w.latest, b.stime_ms[i] + static_cast<int64_t>(b.duration_ms[i]));
    }
  }
  ASSERT_GT(want.size(), 150000u);
  ASSERT_EQ(agg.groups(), want.size());
  for (size_t g = 0; g < agg.groups(); ++g) {
    FlowRecord key = agg.KeyRecord(g);
    auto it = want.find({key.sip, key.sport});
    ASSERT_NE(it, want.end());
    const uint64_t* v = agg.Values(g);
    EXPECT_EQ(v[0], it->second.records);
    EXPECT_EQ(v[1], it->second.packets);
    EXPECT_EQ(v[2], it->second.bytes);
    EXPECT_EQ(static_cast<int64_t>(v[3]), it->second.earliest);
    EXPECT_EQ(static_cast<int64_t>(v[4]), it->second.latest);
    want.erase(it);  // each key once
  }
  EXPECT_TRUE(want.empty());
}

TEST(Aggregator, DerivedAndBinnedKeys) {
  auto values = ParseValues("flows");
  ASSERT_TRUE(values.ok());
  AggregateSpec spec{{FieldId::kStime, FieldId::kIpVersion}, *values, 600'000};
  Aggregator agg(spec);
  FlowBatch b = Batch(5000, 9);
  Aggregator::Scratch scratch;
  agg.Add(b, AllRows(b), scratch);
  agg.Finish();
  uint64_t total = 0;
  for (size_t g = 0; g < agg.groups(); ++g) {
    FlowRecord key = agg.KeyRecord(g);
    EXPECT_EQ(key.stime_ms % 600'000, 0);
    total += agg.Value(g, 0);
  }
  EXPECT_EQ(total, 5000u);
  EXPECT_LE(agg.groups(), 7u * 2);
  EXPECT_FALSE(ParseValues("bytes,frobs").ok());
  EXPECT_FALSE(ParseValues("distinct:nosuch").ok());
}

TEST(TimeSeries, LoadSchemesShareOrSpikeVolume) {
  FlowBatch b;
  FlowRecord r;
  r.stime_ms = 50;  // 50 .. 250 over bins of 100: a quarter, a half, a quarter
  r.duration_ms = 200;
  r.packets = 4;
  r.bytes = 400;
  b.Append(r);
  auto rows = AllRows(b);
  auto bins = [&](LoadScheme scheme) {
    TimeSeries ts(100, 0, scheme);
    ts.Add(b, rows);
    std::vector<double> out;
    for (int64_t t = 0; t <= 200; t += 100) out.push_back(ts.At(t).bytes);
    return out;
  };
  EXPECT_EQ(bins(LoadScheme::kTimeProportional), (std::vector<double>{100, 200, 100}));
  for (double share : bins(LoadScheme::kBinUniform)) EXPECT_NEAR(share, 400.0 / 3, 1e-9);
  EXPECT_EQ(bins(LoadScheme::kStartSpike), (std::vector<double>{400, 0, 0}));
  EXPECT_EQ(bins(LoadScheme::kEndSpike), (std::vector<double>{0, 0, 400}));
  EXPECT_EQ(bins(LoadScheme::kMiddleSpike), (std::vector<double>{0, 400, 0}));
  EXPECT_EQ(bins(LoadScheme::kMaximumVolume), (std::vector<double>{400, 400, 400}));
  EXPECT_EQ(bins(LoadScheme::kMinimumVolume), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(*ParseLoadScheme("4"), LoadScheme::kTimeProportional);
  EXPECT_FALSE(ParseLoadScheme("7").ok());
}

TEST(Sorter, SpillsAndMergesStably) {
  FlowBatch b = Batch(30000, 4);
  for (size_t i = 0; i < b.size(); ++i) b.input[i] = static_cast<uint32_t>(i);  // input order
  auto rows = AllRows(b);
  auto sorted = [&](size_t memory) {
    SortOptions options{{FieldId::kDport, FieldId::kSip}, false, memory, ::testing::TempDir()};
    Sorter sorter(options);
    for (size_t i = 0; i < rows.size(); i += 1000)  // in pieces, as a scan delivers them
      EXPECT_TRUE(
          sorter.Add(b, std::span(rows).subspan(i, std::min<size_t>(1000, rows.size() - i))).ok());
    std::string path = ::testing::TempDir() + "/sorted" + std::to_string(memory) + ".weir";
    auto writer = FlowFileWriter::Create(path, WriterOptions{});
    EXPECT_TRUE(writer.ok());
    EXPECT_TRUE(sorter.Finish(**writer).ok());
    EXPECT_TRUE((*writer)->Close().ok());
    if (memory < 1'000'000) {
      EXPECT_GT(sorter.runs(), 1u);
    }
    auto reader = FlowFileReader::Open(path);
    FlowBatch all, part;
    while ((*reader)->Next(part))
      for (size_t i = 0; i < part.size(); ++i) all.Append(part.Row(i));
    return all;
  };
  FlowBatch in_memory = sorted(size_t{1} << 30), spilled = sorted(500'000);
  ASSERT_EQ(in_memory.size(), b.size());
  ASSERT_EQ(spilled.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(in_memory.Row(i), spilled.Row(i)) << i;
  for (size_t i = 1; i < b.size(); ++i) {
    auto before = std::pair(in_memory.dport[i - 1], in_memory.sip[i - 1]);
    auto after = std::pair(in_memory.dport[i], in_memory.sip[i]);
    ASSERT_FALSE(after < before) << i;
    if (after == before) {
      ASSERT_LT(in_memory.input[i - 1], in_memory.input[i]) << "not stable at " << i;
    }
  }
}

}  // namespace
}  // namespace weir
