#include "ids/eve.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace weir {
namespace {

int64_t Utc(std::string_view text) { return ParseTime(text)->ms; }

TEST(EveTime, ZonesAndFractions) {
  EXPECT_EQ(*ParseEveTime("2017-01-30T16:12:26.985026+0100"), Utc("2017-01-30T15:12:26.985Z"));
  EXPECT_EQ(*ParseEveTime("2017-01-30T16:12:26.985026-05:30"), Utc("2017-01-30T21:42:26.985Z"));
  EXPECT_EQ(*ParseEveTime("2017-01-30T16:12:26Z"), Utc("2017-01-30T16:12:26Z"));
  EXPECT_EQ(*ParseEveTime("2017-01-30T16:12:26.5"), Utc("2017-01-30T16:12:26.500Z"));
  for (std::string_view bad : {"", "2017-01-30", "2017-13-30T16:12:26Z", "2017-01-30T16:12:26+1",
                               "2017-01-30T16:12:26.9x", "2017-01-30X16:12:26Z"})
    EXPECT_FALSE(ParseEveTime(bad).ok()) << bad;
}

TEST(EveProtocol, NamesAndNumbers) {
  EXPECT_EQ(*ParseEveProtocol("TCP"), 6);
  EXPECT_EQ(*ParseEveProtocol("IPv6-ICMP"), 58);
  EXPECT_EQ(*ParseEveProtocol("17"), 17);
  EXPECT_FALSE(ParseEveProtocol("XTP").ok());
  EXPECT_FALSE(ParseEveProtocol("256").ok());
  EXPECT_EQ(AppProtoPort("tls"), 443);
  EXPECT_EQ(AppProtoName(443), "tls");
  EXPECT_EQ(AppProtoPort("failed"), 0);
}

// A real flow event (Suricata 3.2, rhaist/surevego's testdata): both directions.
TEST(EveParser, FlowEventIsTwoRecords) {
  EveParser p;
  EveFlow f;
  auto t = p.Parse(
      R"({"timestamp":"2017-01-30T16:12:29.951412+0100","flow_id":1132792655884373,"event_type":"flow","src_ip":"172.17.0.2","src_port":46038,"dest_ip":"151.101.12.204","dest_port":80,"proto":"TCP","app_proto":"http","flow":{"pkts_toserver":3247,"pkts_toclient":6922,"bytes_toserver":216833,"bytes_toclient":10333230,"start":"2017-01-30T16:12:27.045141+0100","end":"2017-01-30T16:12:29.951412+0100","age":2,"state":"new","reason":"shutdown"},"tcp":{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1a"}})",
      &f, nullptr);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(*t, EveType::kFlow);
  ASSERT_EQ(f.count, 2);
  const FlowRecord& out = f.records[0];
  EXPECT_EQ(out.sip.ToString(), "172.17.0.2");
  EXPECT_EQ(out.dport, 80);
  EXPECT_EQ(out.packets, 3247u);
  EXPECT_EQ(out.bytes, 216833u);
  EXPECT_EQ(out.flags, 0x1b);
  EXPECT_EQ(out.flow_id, 1132792655884373u);
  EXPECT_EQ(out.application, 80);
  EXPECT_EQ(out.stime_ms, Utc("2017-01-30T15:12:27.045Z"));
  EXPECT_EQ(out.duration_ms, 2906u);
  const FlowRecord& back = f.records[1];
  EXPECT_EQ(back.sip.ToString(), "151.101.12.204");
  EXPECT_EQ(back.sport, 80);
  EXPECT_EQ(back.dport, 46038);
  EXPECT_EQ(back.bytes, 10333230u);
  EXPECT_EQ(back.flags, 0x1a);
}

TEST(EveParser, NetflowIcmpv6ExpandedAddressesAndNumericProto) {
  EveParser p;
  EveFlow f;
  auto t = p.Parse(
      R"({"timestamp":"2024-05-01T10:00:00.000000+0000","flow_id":7,"event_type":"netflow","src_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","dest_ip":"2001:0db8:0000:0000:0000:0000:0000:0002","proto":58,"icmp_type":128,"icmp_code":0,"netflow":{"pkts":3,"bytes":312,"start":"2024-05-01T09:59:58.000000+0000","end":"2024-05-01T10:00:00.000000+0000","age":2}})",
      &f, nullptr);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(*t, EveType::kNetflow);
  ASSERT_EQ(f.count, 1);
  EXPECT_EQ(f.records[0].sip.ToString(), "2001:db8::1");
  EXPECT_EQ(f.records[0].protocol, 58);
  EXPECT_EQ(f.records[0].dport, 128 << 8);
  EXPECT_EQ(f.records[0].packets, 3u);
}

TEST(EveParser, AlertAndOtherEvents) {
  EveParser p;
  EveFlow f;
  EveAlert a;
  auto t = p.Parse(
      R"({"timestamp":"2017-01-30T16:12:36.066011+0100","flow_id":1501577875823823,"pcap_cnt":10319,"event_type":"alert","src_ip":"172.17.0.2","src_port":41402,"dest_ip":"54.230.202.37","dest_port":80,"proto":"TCP","community_id":"1:abc=","alert":{"action":"allowed","gid":1,"signature_id":2013504,"rev":5,"signature":"ET POLICY GNU\/Linux APT User-Agent","category":"Not Suspicious Traffic","severity":3},"flow":{"pkts_toserver":3}})",
      &f, &a);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(*t, EveType::kAlert);
  EXPECT_EQ(a.signature_id, 2013504u);
  EXPECT_EQ(a.signature, "ET POLICY GNU/Linux APT User-Agent");
  EXPECT_EQ(a.severity, 3);
  EXPECT_EQ(a.community_id, "1:abc=");
  EXPECT_EQ(a.flow_id, 1501577875823823u);
  EXPECT_EQ(a.sport, 41402);
  EXPECT_EQ(a.time_ms, Utc("2017-01-30T15:12:36.066Z"));
  // Without an alert to fill, an alert is only recognised; a dns event is other.
  EXPECT_EQ(*p.Parse(R"({"event_type":"alert","src_ip":"x"})", &f, nullptr), EveType::kAlert);
  EXPECT_EQ(*p.Parse(R"({"timestamp":"x","event_type":"dns","dns":{}})", &f, &a), EveType::kOther);
}

TEST(EveParser, BadLinesSayWhat) {
  EveParser p;
  EveFlow f;
  EveAlert a;
  auto error = [&](std::string_view line) {
    auto t = p.Parse(line, &f, &a);
    return t.ok() ? std::string("ok") : t.status().message();
  };
  EXPECT_EQ(error("not json"), "not a JSON object");
  EXPECT_EQ(error("[1]"), "not a JSON object");
  EXPECT_EQ(error(R"({"src_ip":"1.2.3.4"})"), "no \"event_type\"");
  EXPECT_EQ(error(R"({"event_type":"flow","src_ip":"1.2.3.4","dest_ip":"1.2.3.5","proto":"TCP"})"),
            "no \"flow\" object");
  EXPECT_EQ(error(R"({"event_type":"flow","src_ip":"1.2.3.4","dest_ip":"x","proto":"TCP"})"),
            "\"dest_ip\" is missing or not an address");
  EXPECT_EQ(error(R"({"event_type":"flow","src_port":"80"})"), "\"src_port\" has the wrong type");
  EXPECT_EQ(error(R"({"event_type":"flow","src_port":70000})"), "\"src_port\" has the wrong type");
  EXPECT_NE(
      error(
          R"({"event_type":"alert","src_ip":"1.2.3.4","dest_ip":"1.2.3.5","proto":"TCP","timestamp":"yesterday"})")
          .find("timestamp"),
      std::string::npos);
  EXPECT_NE(
      error(
          R"({"event_type":"flow","src_ip":"1.2.3.4","dest_ip":"1.2.3.5","proto":"TCP","flow":{"pkts_toserver":1)"),
      "ok");
}

}  // namespace
}  // namespace weir
