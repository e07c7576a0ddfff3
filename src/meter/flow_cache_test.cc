#include "meter/flow_cache.h"

#include <gtest/gtest.h>

#include "wire/encoder.h"

namespace weir {
namespace {

PacketInfo Tcp(uint32_t sip, uint16_t sport, uint8_t flags) {
  PacketInfo p;
  p.sip = IpAddress::V4(sip);
  p.dip = IpAddress::V4(0x0a000001);
  p.sport = sport;
  p.dport = 80;
  p.protocol = kProtoTcp;
  p.tcp_flags = flags;
  p.ip_version = 4;
  p.has_ports = true;
  return p;
}

TEST(FlowCache, CountsPacketsFlagsAndEndsWhenIdle) {
  FlowCache cache;
  ExpiredFlows out;
  cache.Add(Tcp(1, 1000, kTcpSyn), 60, 1000, 0, out);
  cache.Add(Tcp(1, 1000, kTcpAck), 52, 1100, 0, out);
  cache.Add(Tcp(1, 1000, kTcpAck | kTcpPsh), 1500, 1200, 0, out);
  cache.Add(Tcp(2, 1000, kTcpSyn), 60, 1200, 0, out);
  EXPECT_EQ(cache.active(), 2u);
  cache.Expire(1200 + 14'999, out);
  EXPECT_EQ(out.size(), 0u);
  cache.Expire(1200 + 15'000, out);
  ASSERT_EQ(out.size(), 2u);
  const FlowRecord& r = out.records[0];
  EXPECT_EQ(r.packets, 3u);
  EXPECT_EQ(r.bytes, 1612u);
  EXPECT_EQ(r.stime_ms, 1000);
  EXPECT_EQ(r.duration_ms, 200u);
  EXPECT_EQ(r.initial_flags, kTcpSyn);
  EXPECT_EQ(r.session_flags, kTcpAck | kTcpPsh);
  EXPECT_EQ(r.flags, kTcpSyn | kTcpAck | kTcpPsh);
  EXPECT_EQ(out.reasons[0], kEndIdle);
  EXPECT_EQ(cache.active(), 0u);
}

TEST(FlowCache, FinEndsAfterAShortQuietAndTheLastAckJoins) {
  FlowCache cache;
  ExpiredFlows out;
  cache.Add(Tcp(1, 1000, kTcpSyn), 60, 0, 0, out);
  cache.Add(Tcp(1, 1000, kTcpFin | kTcpAck), 52, 500, 0, out);
  cache.Add(Tcp(1, 1000, kTcpAck), 52, 600, 0, out);  // the last ACK
  cache.Expire(2599, out);
  EXPECT_EQ(out.size(), 0u);
  cache.Expire(2600, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.records[0].packets, 3u);
  EXPECT_EQ(out.records[0].attributes & kAttrPacketsAfterFin, kAttrPacketsAfterFin);
  EXPECT_EQ(out.reasons[0], kEndOfFlow);
}

TEST(FlowCache, SynAfterFinStartsANewFlow) {
  FlowCache cache;
  ExpiredFlows out;
  cache.Add(Tcp(1, 1000, kTcpSyn), 60, 0, 0, out);
  cache.Add(Tcp(1, 1000, kTcpRst), 40, 10, 0, out);
  cache.Add(Tcp(1, 1000, kTcpSyn), 60, 20, 0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.records[0].packets, 2u);
  EXPECT_EQ(cache.active(), 1u);
}

TEST(FlowCache, ActiveTimeoutSplitsLongFlowsIntoContinuations) {
  FlowCache cache({.active_ms = 10'000, .inactive_ms = 5'000});
  ExpiredFlows out;
  for (int64_t t = 0; t <= 25'000; t += 1000) {
    cache.Add(Tcp(1, 1000, kTcpAck), 100, t, 0, out);
    cache.Expire(t, out);
  }
  cache.Flush(out);
  ASSERT_EQ(out.size(), 3u);
  uint64_t packets = 0;
  for (const FlowRecord& r : out.records) packets += r.packets;
  EXPECT_EQ(packets, 26u);
  EXPECT_EQ(out.records[0].attributes & (kAttrActiveTimeout | kAttrContinuation),
            kAttrActiveTimeout);
  EXPECT_EQ(out.records[1].attributes & (kAttrActiveTimeout | kAttrContinuation),
            kAttrActiveTimeout | kAttrContinuation);
  EXPECT_EQ(out.records[2].attributes & (kAttrActiveTimeout | kAttrContinuation),
            kAttrContinuation);
  EXPECT_EQ(out.reasons[2], kEndForced);
  EXPECT_EQ(out.records[0].attributes & kAttrUniformPackets, kAttrUniformPackets);
}

TEST(FlowCache, MaxFlowsEndsTheQuietestFirst) {
  FlowCache cache({.max_flows = 100});
  ExpiredFlows out;
  for (uint32_t i = 0; i < 150; ++i) cache.Add(Tcp(i, 1, kTcpAck), 40, i, 0, out);
  EXPECT_EQ(cache.active(), 100u);
  EXPECT_EQ(cache.early_expired(), 50u);
  ASSERT_EQ(out.size(), 50u);
  for (uint32_t i = 0; i < 50; ++i) EXPECT_EQ(out.records[i].sip, IpAddress::V4(i));
  EXPECT_EQ(out.reasons[0], kEndLackOfResources);
}

TEST(FlowCache, ManyFlowsGrowTheTableAndEraseKeepsLookupsRight) {
  FlowCache cache;
  ExpiredFlows out;
  constexpr uint32_t kFlows = 200'000;
  for (uint32_t i = 0; i < kFlows; ++i) cache.Add(Tcp(i, 7, kTcpAck), 40, i / 100, 0, out);
  EXPECT_EQ(cache.active(), kFlows);
  EXPECT_GE(cache.slots(), 2 * kFlows);
  // The first half goes quiet and ends; the second half's packets must still
  // find their flows after the erasures moved entries around.
  cache.Expire(999 + 15'000, out);  // flows 0..99999 were last seen at 0..999 ms
  EXPECT_EQ(out.size(), 100'000u);
  for (uint32_t i = kFlows / 2; i < kFlows; ++i) cache.Add(Tcp(i, 7, kTcpAck), 40, 16'000, 0, out);
  EXPECT_EQ(cache.active(), kFlows / 2);
  EXPECT_EQ(cache.created(), kFlows);
  out.clear();
  cache.Flush(out);
  ASSERT_EQ(out.size(), kFlows / 2);
  for (const FlowRecord& r : out.records) EXPECT_EQ(r.packets, 2u);
}

}  // namespace
}  // namespace weir
