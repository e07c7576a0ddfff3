#include "export/long_flows.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

FlowRecord Part(int64_t stime_ms, uint32_t duration_ms, uint8_t attributes, uint64_t bytes) {
  FlowRecord r;
  r.sip = IpAddress::V4(0x0a000001);
  r.dip = IpAddress::V4(0x0a000002);
  r.sport = 40000;
  r.dport = 443;
  r.protocol = kProtoTcp;
  r.stime_ms = stime_ms;
  r.duration_ms = duration_ms;
  r.attributes = attributes;
  r.packets = bytes / 100;
  r.bytes = bytes;
  r.sensor = 0;
  return r;
}

struct Emitted {
  FlowRecord r;
  uint64_t id;
};

TEST(LongFlows, PartsOfOneFlowShareItsId) {
  LongFlows flows({});
  std::vector<Emitted> out;
  auto emit = [&](const FlowRecord& r, uint64_t id) { out.push_back({r, id}); };
  const uint8_t T = kAttrActiveTimeout, C = kAttrContinuation;
  flows.Add(Part(0, 60'000, T, 1000), 0, emit);
  flows.Add(Part(60'000, 60'000, T | C, 2000), 0, emit);
  // A router marks no C: the key and the times tie the last part on.
  flows.Add(Part(120'000, 5'000, 0, 300), 0, emit);
  // The same 5-tuple later is another flow.
  flows.Add(Part(400'000, 1'000, 0, 100), 0, emit);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].id, out[1].id);
  EXPECT_EQ(out[1].id, out[2].id);
  EXPECT_NE(out[2].id, out[3].id);
  EXPECT_EQ(out[0].id, LongFlows::FlowId(LongFlows::FlowKey(out[0].r), 0));
  EXPECT_EQ(flows.open_flows(), 0u);
}

TEST(LongFlows, FinalOnlyMergesThePartsIntoOneRecord) {
  LongFlows flows({.final_only = true});
  std::vector<Emitted> out;
  auto emit = [&](const FlowRecord& r, uint64_t id) { out.push_back({r, id}); };
  const uint8_t T = kAttrActiveTimeout, C = kAttrContinuation;
  FlowRecord first = Part(0, 60'000, T, 1000);
  first.flags = kTcpSyn | kTcpAck;
  first.initial_flags = kTcpSyn;
  flows.Add(first, 0, emit);
  flows.Add(Part(60'000, 60'000, T | C, 2000), 0, emit);
  EXPECT_TRUE(out.empty());
  FlowRecord last = Part(120'000, 5'000, C, 300);
  last.flags = kTcpFin | kTcpAck;
  flows.Add(last, 0, emit);
  ASSERT_EQ(out.size(), 1u);
  const FlowRecord& m = out[0].r;
  EXPECT_EQ(m.bytes, 3300u);
  EXPECT_EQ(m.stime_ms, 0);
  EXPECT_EQ(m.duration_ms, 125'000u);
  EXPECT_EQ(m.flags, kTcpSyn | kTcpAck | kTcpFin);
  EXPECT_EQ(m.initial_flags, kTcpSyn);
  EXPECT_EQ(m.attributes & kAttrActiveTimeout, 0);
}

TEST(LongFlows, HeldPartsComeOutWhenNothingFollowsOrTheHoldEnds) {
  LongFlows flows({.final_only = true, .gap_ms = 60'000, .hold_ms = 10'000});
  std::vector<Emitted> out;
  auto emit = [&](const FlowRecord& r, uint64_t id) { out.push_back({r, id}); };
  flows.Add(Part(0, 60'000, kAttrActiveTimeout, 1000), /*now=*/0, emit);
  flows.Expire(5'000, emit);
  EXPECT_TRUE(out.empty());
  flows.Expire(10'000, emit);  // held for 10 s: out, still marked T
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].r.attributes & kAttrActiveTimeout);
  // Another flow's record much later in data time ends the open one.
  FlowRecord other = Part(500'000, 1000, 0, 100);
  other.dport = 80;
  flows.Add(other, 20'000, emit);
  flows.Expire(20'000, emit);
  EXPECT_EQ(flows.open_flows(), 0u);
}

TEST(LongFlows, EntriesRestoreTheTable) {
  LongFlows a({.final_only = true});
  std::vector<Emitted> out;
  auto emit = [&](const FlowRecord& r, uint64_t id) { out.push_back({r, id}); };
  a.Add(Part(0, 60'000, kAttrActiveTimeout, 1000), 0, emit);
  LongFlows b({.final_only = true});
  b.Restore(a.Entries());
  b.Add(Part(60'000, 1000, kAttrContinuation, 500), 0, emit);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].r.bytes, 1500u);
}

}  // namespace
}  // namespace weir
