#include "wire/encoder.h"

#include <gtest/gtest.h>

#include "wire/exporter.h"

namespace weir {
namespace {

constexpr int64_t kNow = 1'700'000'000'123;  // not on a second: v9 headers have whole seconds

std::vector<FlowRecord> SampleFlows(size_t n) {
  std::vector<FlowRecord> flows;
  for (size_t i = 0; i < n; ++i) {
    FlowRecord r;
    if (i % 3 == 2) {
      r.sip = *IpAddress::Parse("2001:db8::" + std::to_string(i + 1));
      r.dip = *IpAddress::Parse("2001:db8:1::1");
    } else {
      r.sip = IpAddress::V4(0x0a000001 + static_cast<uint32_t>(i));
      r.dip = IpAddress::V4(0xc0a80101);
    }
    r.protocol = i % 5 == 0 ? kProtoIcmp : kProtoTcp;
    r.sport = r.protocol == kProtoIcmp ? 0 : static_cast<uint16_t>(1024 + i);
    r.dport = r.protocol == kProtoIcmp ? 0x0800 : 443;
    if (r.protocol == kProtoIcmp && !r.sip.is_v4()) r.protocol = kProtoIcmpV6;
    r.packets = 10 + i;
    r.bytes = 1000 + 100 * i;
    r.stime_ms = kNow - 60'000 + static_cast<int64_t>(i) * 7;
    r.duration_ms = static_cast<uint32_t>(i * 13);
    r.input = 3;
    r.output = 0;
    r.vlan = i % 2 ? 10 : 0;
    r.tos = 0x10;
    if (r.protocol == kProtoTcp) {
      r.initial_flags = kTcpSyn;
      r.session_flags = kTcpAck | kTcpFin;
      r.flags = r.initial_flags | r.session_flags;
    }
    flows.push_back(r);
  }
  return flows;
}

std::vector<FlowRecord> RoundTrip(FlowEncoder& encoder, const std::vector<FlowRecord>& flows,
                                  size_t* messages = nullptr) {
  std::vector<std::vector<std::byte>> out;
  encoder.Encode(flows, {}, kNow, out);
  if (messages) *messages = out.size();
  Exporter exporter(IpAddress::V4(0x7f000001));
  std::vector<FlowRecord> decoded;
  for (const auto& m : out) {
    EXPECT_LE(m.size(), encoder.options().max_message);
    exporter.Decode(m, kNow, decoded);
  }
  EXPECT_EQ(exporter.counters().malformed, 0u);
  EXPECT_EQ(exporter.counters().no_template, 0u);
  EXPECT_EQ(exporter.counters().lost_records, 0u);
  EXPECT_EQ(exporter.counters().lost_datagrams, 0u);
  return decoded;
}

void ExpectSameKeyAndCounts(const FlowRecord& want, const FlowRecord& got) {
  EXPECT_EQ(got.sip, want.sip);
  EXPECT_EQ(got.dip, want.dip);
  EXPECT_EQ(got.sport, want.sport);
  EXPECT_EQ(got.dport, want.dport);
  EXPECT_EQ(got.protocol, want.protocol);
  EXPECT_EQ(got.packets, want.packets);
  EXPECT_EQ(got.bytes, want.bytes);
  EXPECT_EQ(got.stime_ms, want.stime_ms);
  EXPECT_EQ(got.duration_ms, want.duration_ms);
  EXPECT_EQ(got.flags, want.flags);
  EXPECT_EQ(got.tos, want.tos);
}

TEST(Encoder, IpfixRoundTripKeepsEveryField) {
  FlowEncoder encoder({.version = 10, .domain = 7});
  auto flows = SampleFlows(100);
  size_t messages = 0;
  auto decoded = RoundTrip(encoder, flows, &messages);
  ASSERT_EQ(decoded.size(), flows.size());
  EXPECT_GT(messages, 3u);  // 100 records do not fit one 1472-byte message
  for (size_t i = 0; i < flows.size(); ++i) {
    ExpectSameKeyAndCounts(flows[i], decoded[i]);
    EXPECT_EQ(decoded[i].initial_flags, flows[i].initial_flags);
    EXPECT_EQ(decoded[i].session_flags, flows[i].session_flags);
    EXPECT_EQ(decoded[i].vlan, flows[i].vlan);
    EXPECT_EQ(decoded[i].input, flows[i].input);
  }
  EXPECT_EQ(encoder.records(), 100u);
}

TEST(Encoder, NetflowV9RoundTrip) {
  FlowEncoder encoder({.version = 9, .domain = 1});
  auto flows = SampleFlows(90);
  auto decoded = RoundTrip(encoder, flows);
  ASSERT_EQ(decoded.size(), flows.size());
  for (size_t i = 0; i < flows.size(); ++i) ExpectSameKeyAndCounts(flows[i], decoded[i]);
}

// v5 and v9 times are sysUpTime, read modulo 2^32 ms back from the header: flows
// that ended years before the export (a capture whose clock jumps) still decode to
// their own times, in messages whose header is their past.
TEST(Encoder, UptimeFormatsCarryFlowsOlderThanTheUptimeWrap) {
  for (int version : {5, 9}) {
    FlowEncoder encoder({.version = version, .domain = 1});
    auto flows = SampleFlows(12);
    for (size_t i = 0; i < flows.size(); i += 4) flows[i].stime_ms -= 10 * 365 * 86'400'000LL;
    flows[5].stime_ms -= 60 * 86'400'000LL;  // 60 days: past one wrap
    std::erase_if(flows, [&](const FlowRecord& r) { return version == 5 && !r.sip.is_v4(); });
    auto decoded = RoundTrip(encoder, flows);
    ASSERT_EQ(decoded.size(), flows.size()) << "v" << version;
    for (size_t i = 0; i < flows.size(); ++i) ExpectSameKeyAndCounts(flows[i], decoded[i]);
  }
}

TEST(Encoder, NetflowV5CarriesIpv4OnlyAndThirtyPerMessage) {
  FlowEncoder encoder({.version = 5});
  auto flows = SampleFlows(90);
  size_t messages = 0;
  auto decoded = RoundTrip(encoder, flows, &messages);
  EXPECT_EQ(encoder.skipped(), 30u);  // every third flow is IPv6
  ASSERT_EQ(decoded.size(), 60u);
  EXPECT_EQ(messages, 2u);
  size_t j = 0;
  for (const FlowRecord& want : flows) {
    if (!want.sip.is_v4()) continue;
    ExpectSameKeyAndCounts(want, decoded[j++]);
  }
}

TEST(Encoder, SamplingIsStatedAndScalesOnDecode) {
  for (int version : {5, 9, 10}) {
    FlowEncoder encoder({.version = version, .sampling = 100});
    auto flows = SampleFlows(4);
    flows.erase(flows.begin() + 2);  // IPv4 only, for v5
    auto decoded = RoundTrip(encoder, flows);
    ASSERT_EQ(decoded.size(), flows.size()) << version;
    for (size_t i = 0; i < flows.size(); ++i) {
      EXPECT_EQ(decoded[i].sampling, 100u) << version;
      EXPECT_EQ(decoded[i].packets, flows[i].packets * 100) << version;
    }
  }
}

TEST(Encoder, TemplatesAreRefreshedByCountAndTime) {
  FlowEncoder encoder({.version = 10, .template_refresh_messages = 5});
  std::vector<std::vector<std::byte>> out;
  auto flows = SampleFlows(1);
  for (int i = 0; i < 12; ++i) encoder.Encode(flows, {}, kNow + i, out);
  auto has_template = [](const std::vector<std::byte>& m) {
    return m[16] == std::byte{0} && m[17] == std::byte{2};  // first set id 2
  };
  std::vector<int> with;
  for (size_t i = 0; i < out.size(); ++i)
    if (has_template(out[i])) with.push_back(static_cast<int>(i));
  EXPECT_EQ(with, (std::vector<int>{0, 5, 10}));
  out.clear();
  encoder.Encode(flows, {}, kNow + 61'000, out);  // past the 60 s refresh
  EXPECT_TRUE(has_template(out[0]));

  FlowEncoder stream({.version = 10, .stream = true, .template_refresh_messages = 1});
  out.clear();
  for (int i = 0; i < 3; ++i) stream.Encode(flows, {}, kNow + i * 100'000, out);
  EXPECT_TRUE(has_template(out[0]));
  EXPECT_FALSE(has_template(out[1]));
  stream.ForceTemplates();
  stream.Encode(flows, {}, kNow, out);
  EXPECT_TRUE(has_template(out[3]));
}

TEST(Encoder, ActiveTimeoutEndReasonBecomesTheAttribute) {
  FlowEncoder encoder({.version = 10});
  auto flows = SampleFlows(2);
  std::vector<uint8_t> reasons = {kEndActive, kEndIdle};
  std::vector<std::vector<std::byte>> out;
  encoder.Encode(flows, reasons, kNow, out);
  Exporter exporter(IpAddress::V4(1));
  std::vector<FlowRecord> decoded;
  exporter.Decode(out[0], kNow, decoded);
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[0].attributes & kAttrActiveTimeout, kAttrActiveTimeout);
  EXPECT_EQ(decoded[1].attributes & kAttrActiveTimeout, 0);
}

}  // namespace
}  // namespace weir
