#include "query/predicate.h"

#include <gtest/gtest.h>

#include <random>

#include "base/time.h"
#include "query/partition.h"
#include "store/block_codec.h"

namespace weir {
namespace {

FlowBatch RandomBatch(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  FlowBatch batch;
  for (size_t i = 0; i < n; ++i) {
    FlowRecord r;
    if (rng() % 10 == 0) {
      r.sip = *IpAddress::Parse("2001:db8:1::" + std::to_string(rng() % 100));
      r.dip = *IpAddress::Parse("2001:db8::" + std::to_string(rng() % 100));
    } else {
      r.sip = IpAddress::V4(0x0a000000 | (rng() & 0xffff));
      r.dip = IpAddress::V4(0xc0a80000 | (rng() & 0xff));
    }
    r.protocol = std::array<uint8_t, 4>{6, 17, 1, 58}[rng() % 4];
    r.sport = static_cast<uint16_t>(rng());
    r.dport = static_cast<uint16_t>(rng() % 2 ? rng() % 1024 : rng());
    r.packets = 1 + rng() % 1000;
    r.bytes = r.packets * (40 + rng() % 1400);
    r.flags = static_cast<uint8_t>(rng());
    r.initial_flags = static_cast<uint8_t>(rng() & r.flags);
    r.stime_ms = 1'795'000'000'000 + static_cast<int64_t>(rng() % 7'200'000);
    r.duration_ms = rng() % 120'000;
    r.input = rng() % 8;
    r.output = rng() % 8;
    r.attributes = static_cast<uint8_t>(rng() & 0x0f);
    batch.Append(r);
  }
  return batch;
}

// The header (with zone maps) of batch encoded as one block.
BlockHeader EncodedHeader(const FlowBatch& batch) {
  std::vector<std::byte> encoded;
  BlockEncoder encoder(Compression::kNone, 1);
  encoder.Encode(batch, encoded);
  BlockHeader header;
  size_t needed = 0;
  EXPECT_TRUE(ParseBlockHeader(encoded, header, &needed).ok());
  return header;
}

// Select() over the batch must agree with Matches() row by row, with and without
// the block's zone maps.
void ExpectConsistent(const Predicate& p, const FlowBatch& batch, size_t* passed = nullptr) {
  BlockHeader header = EncodedHeader(batch);
  Predicate::Scratch scratch;
  std::vector<uint32_t> plain, zoned;
  p.Select(batch, scratch, plain);
  p.Select(batch, scratch, zoned, &header);
  std::vector<uint32_t> expected;
  for (size_t i = 0; i < batch.size(); ++i)
    if (p.Matches(batch.Row(i))) expected.push_back(static_cast<uint32_t>(i));
  EXPECT_EQ(plain, expected) << p.ToString();
  EXPECT_EQ(zoned, expected) << p.ToString();
  if (!expected.empty()) {
    EXPECT_TRUE(p.MayMatch(header)) << p.ToString();
  }
  if (passed) *passed = expected.size();
}

Predicate Build(const SwitchValues& values) {
  auto p = BuildPartition(values, {});
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : Predicate::Nothing();
}

TEST(Predicate, SwitchesAgreeWithRowEvaluation) {
  FlowBatch batch = RandomBatch(5000, 1);
  const SwitchValues cases[] = {
      {{"protocol", "6"}, {"dport", "0-1023"}},
      {{"protocol", "6,17"}, {"bytes", "100000-"}, {"not-dcidr", "192.168.0.0/25"}},
      {{"saddress", "10.0.1-3,200.x"}},
      {{"any-address", "2001:db8::x"}},
      {{"aport", "80,443,8080"}},
      {{"icmp-type", "0-3"}},
      {{"icmp-code", "5"}, {"protocol", "1"}},
      {{"flags-all", "S/SA,SA/SA"}},
      {{"flags-initial", "S/S"}, {"syn-flag", "1"}, {"fin-flag", "0"}},
      {{"duration", "0-1.5,60-"}},
      {{"bytes-per-packet", "0-100"}},
      {{"ip-version", "6"}},
      {{"any-index", "3"}, {"not-any-cidr", "10.0.0.0/30"}},
      {{"attributes", "T/T"}},
      {{"stime", "2026/11/18:11:30-2026/11/18:12:00"}},
      {{"etime", "2026/11/18:12"}},
      {{"active-time", "2026/11/18:12:10:00-2026/11/18:12:10:01"}},
  };
  for (const auto& values : cases) {
    size_t passed = 0;
    ExpectConsistent(Build(values), batch, &passed);
    EXPECT_GT(passed, 0u) << Build(values).ToString();
    EXPECT_LT(passed, batch.size()) << Build(values).ToString();
  }
}

TEST(Predicate, TreeOperatorsAndZoneMaps) {
  FlowBatch batch = RandomBatch(3000, 2);
  auto tcp = Predicate::InRanges(FieldId::kProtocol, {{6, 6}});
  auto web = Predicate::InRanges(FieldId::kDport, {{80, 80}, {443, 443}});
  ExpectConsistent(Predicate::Or({tcp, web}), batch);
  ExpectConsistent(Predicate::Not(Predicate::And({tcp, web})), batch);
  ExpectConsistent(Predicate::And({Predicate::Not(tcp), Predicate::Or({web, Predicate::All()})}),
                   batch);
  // Values outside every block's range: the zone map rules the block out.
  BlockHeader header = EncodedHeader(batch);
  EXPECT_FALSE(Predicate::InRanges(FieldId::kPackets, {{5000, 9000}}).MayMatch(header));
  EXPECT_EQ(Predicate::InRanges(FieldId::kPackets, {{0, 5000}}).Classify(header),
            Predicate::Coverage::kAll);
  EXPECT_FALSE(Build({{"scidr", "3000::/16"}}).MayMatch(header));
  EXPECT_FALSE(Build({{"stime", "2020/01/01-2020/01/02"}}).MayMatch(header));
  EXPECT_TRUE(Build({{"not-scidr", "3000::/16"}}).Classify(header) == Predicate::Coverage::kAll);
  EXPECT_EQ(Predicate::Not(Predicate::All()).ToString(), "nothing");
}

TEST(Partition, SilkListsAndTimes) {
  auto t = ParseTimeRange("2026/11/27:13-2026/11/27:14");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(static_cast<int64_t>(t->low), ParseTime("2026/11/27:13")->ms);
  EXPECT_EQ(static_cast<int64_t>(t->high), ParseTime("2026/11/27:15")->ms - 1);
  auto iso = ParseTimeRange("2026-11-27T13:00:00Z-2026-11-27T13:00:01Z");
  ASSERT_TRUE(iso.ok()) << iso.status().message();
  EXPECT_EQ(t->low, iso->low);
  auto day = ParseTimeRange("2026/11/27");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->high - day->low, static_cast<uint64_t>(kMillisPerDay - 1));
  auto secs = ParseSecondsRanges("0.5-1,60-");
  ASSERT_TRUE(secs.ok());
  EXPECT_EQ((*secs)[0].low, 500u);
  EXPECT_EQ((*secs)[1].high, UINT32_MAX);
  auto flags = ParseFlagTests("s/sa,SA/SA,F", kTcpFlagLetters);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ((*flags)[0].high, kTcpSyn);
  EXPECT_EQ((*flags)[0].mask, kTcpSyn | kTcpAck);
  EXPECT_EQ((*flags)[2].mask, kTcpFin);
}

TEST(Partition, ErrorsNameTheSwitch) {
  struct Case {
    SwitchValues values;
    const char* message;
  };
  const Case cases[] = {
      {{{"dport", "0-70000"}}, "--dport: invalid value or range '0-70000'"},
      {{{"saddress", "10.1.2"}}, "--saddress: invalid IP address or wildcard"},
      {{{"scidr", "10.0.0.0/33"}}, "--scidr: invalid CIDR block '10.0.0.0/33'"},
      {{{"saddress", "10.x.x.x"}, {"not-saddress", "11.x.x.x"}},
       "--saddress given with its --not-"},
      {{{"flags-all", "S/Q"}}, "--flags-all: unknown flag letter 'Q'"},
      {{{"flags-all", "SA/S"}}, "HIGH flags must be within MASK"},
      {{{"stime", "yesterday"}}, "--stime: invalid time or time range 'yesterday'"},
      {{{"stime", "2026/11/27-2026/11/26"}}, "ends before it starts"},
      {{{"syn-flag", "2"}}, "--syn-flag: expected 0 or 1"},
      {{{"ip-version", "5"}}, "--ip-version: IP version must be 4 or 6"},
      {{{"not-dport", "80"}}, "unknown partitioning switch --not-dport"},
      {{{"sipset", "/nonexistent/set"}}, "--sipset: /nonexistent/set"},
  };
  for (const auto& c : cases) {
    auto p = BuildPartition(c.values, {});
    ASSERT_FALSE(p.ok()) << c.message;
    EXPECT_NE(p.status().message().find(c.message), std::string::npos) << p.status().message();
  }
}

}  // namespace
}  // namespace weir
