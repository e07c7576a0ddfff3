#include "detect/detector.h"

#include <gtest/gtest.h>

#include <random>

namespace weir {
namespace {

constexpr int64_t kT0 = 1'764'547'200'000;  // 2025-12-01 00:00 UTC

RuleContext Context() {
  RuleContext c;
  c.site = &SiteConfig::Default();
  c.internal.AddPrefix(*IpPrefix::Parse("10.0.0.0/8"));
  c.internal.Finish();
  return c;
}

RuleSet Rules(const std::string& text) {
  auto rules = text.empty() ? DefaultRules(Context()) : ParseRules(text, "t.toml", Context());
  EXPECT_TRUE(rules.ok()) << rules.status().message();
  return rules.ok() ? std::move(*rules) : RuleSet();
}

IpAddress Ip(const std::string& s) { return *IpAddress::Parse(s); }

FlowRecord Syn(const IpAddress& sip, const IpAddress& dip, int64_t ms) {
  FlowRecord r;
  r.sip = sip;
  r.dip = dip;
  r.protocol = kProtoTcp;
  r.sport = 1024 + static_cast<uint16_t>(ms % 50000);
  r.dport = 80;
  r.flags = r.initial_flags = kTcpSyn;
  r.packets = 1;
  r.bytes = 60;
  r.stime_ms = ms;
  return r;
}

// Runs records through a detector in batches of `batch`; collects the events.
struct Outcome {
  std::vector<DetectEvent> events;
  DetectorStats stats;
  std::vector<const DetectEvent*> Of(EventKind kind, const std::string& rule = "") const {
    std::vector<const DetectEvent*> out;
    for (const auto& e : events)
      if (e.kind == kind && (rule.empty() || e.rule == rule)) out.push_back(&e);
    return out;
  }
};

Outcome Detect(RuleSet rules, const std::vector<FlowRecord>& records, size_t batch = 1000) {
  Outcome run;
  Detector d(std::move(rules), nullptr, {}, [&](const DetectEvent& e) { run.events.push_back(e); });
  for (size_t i = 0; i < records.size(); i += batch)
    d.Add(std::span(records).subspan(i, std::min(batch, records.size() - i)));
  d.Finish();
  run.stats = d.Stats();
  return run;
}

// Background: 200 flows/s of ordinary web traffic to 50 internal hosts.
void Background(std::vector<FlowRecord>& out, int64_t from, int64_t to, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  for (int64_t t = from; t < to; t += 5) {
    FlowRecord r;
    r.sip = IpAddress::V4(0xc6336400 + rng() % 200);
    r.dip = IpAddress::V4(0x0a000100 + rng() % 50);
    r.protocol = kProtoTcp;
    r.sport = static_cast<uint16_t>(30000 + rng() % 30000);
    r.dport = 443;
    r.flags = kTcpSyn | kTcpAck | kTcpPsh | kTcpFin;
    r.packets = 10 + rng() % 20;
    r.bytes = r.packets * 800;
    r.stime_ms = t - 200;
    r.duration_ms = 200;
    out.push_back(r);
  }
}

void SortByEnd(std::vector<FlowRecord>& v) {
  std::stable_sort(v.begin(), v.end(), [](const FlowRecord& a, const FlowRecord& b) {
    return a.etime_ms() < b.etime_ms();
  });
}

// 30,000 spoofed SYNs a second to one host for `seconds`, from t.
void SynFlood(std::vector<FlowRecord>& out, const IpAddress& victim, int64_t t, int seconds) {
  std::mt19937 rng(7);
  for (int64_t ms = t; ms < t + seconds * 1000LL; ms += 1)
    for (int i = 0; i < 30; ++i) out.push_back(Syn(IpAddress::V4(rng()), victim, ms));
}

TEST(Detector, SynFloodStartsUpdatesAndEnds) {
  std::vector<FlowRecord> flows;
  Background(flows, kT0, kT0 + 120'000);
  SynFlood(flows, Ip("10.0.1.7"), kT0 + 30'000, 20);
  SortByEnd(flows);
  Outcome run = Detect(Rules(""), flows);
  auto starts = run.Of(EventKind::kStart);
  ASSERT_EQ(starts.size(), 3u) << "syn_flood, packet_flood and flow_flood";
  const DetectEvent* start = run.Of(EventKind::kStart, "syn_flood").at(0);
  EXPECT_EQ(start->key, "10.0.1.7");
  EXPECT_EQ(start->address.ToString(), "10.0.1.7/32");
  EXPECT_EQ(start->vector, "syn_flood");
  EXPECT_EQ(start->start_ms, kT0 + 30'000);
  // fired within the attack's first second, as soon as the sum passed 20,000
  EXPECT_LT(start->time_ms, kT0 + 31'000);
  EXPECT_GT(start->report.packets, 20'000u);
  EXPECT_GE(start->report.distinct_sources, 10'000u);
  EXPECT_LE(start->report.sources.size(), 10u);
  auto updates = run.Of(EventKind::kUpdate, "syn_flood");
  EXPECT_GE(updates.size(), 1u);
  for (const DetectEvent* u : updates) EXPECT_EQ(u->incident, start->incident);
  auto ends = run.Of(EventKind::kEnd, "syn_flood");
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0]->incident, start->incident);
  // the flood stopped at +50 s; the incident clears 30 s later
  EXPECT_EQ(ends[0]->time_ms, kT0 + 80'000);
  EXPECT_NEAR(ends[0]->peak, 30'000, 1);
  EXPECT_GT(ends[0]->report.packets, 590'000u);
  // the JSON line has what scripts rely on
  const std::string json = EventJson(*start);
  for (const char* field :
       {"\"event\":\"start\"", "\"incident\":", "\"rule\":\"syn_flood\"", "\"key\":\"10.0.1.7\"",
        "\"direction\":\"incoming\"", "\"vector\":\"syn_flood\"",
        "\"time\":", "\"rates\":{\"bps\":", "\"report\":{\"victim\":\"10.0.1.7\""})
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  // and in Elastic Common Schema, with the weir event inside
  const std::string ecs = EventEcsJson(*start);
  for (const std::string& field :
       {std::string("{\"@timestamp\":\""), std::string("\"event\":{\"kind\":\"alert\""),
        "\"action\":\"incident-start\",\"id\":\"" + start->incident + "\"",
        std::string("\"rule\":{\"name\":\"syn_flood\""),
        std::string("\"destination\":{\"ip\":\"10.0.1.7\"}"),
        std::string("\"network\":{\"direction\":\"inbound\"}"), ",\"weir\":" + json + "}"})
    EXPECT_NE(ecs.find(field), std::string::npos) << field << " in " << ecs;
}

TEST(Detector, EventsLinkToTheQueryBuilder) {
  std::vector<FlowRecord> flows;
  SynFlood(flows, Ip("10.0.1.7"), kT0, 2);
  DetectorOptions options;
  options.ui_url = "https://weir.example.net/";
  std::vector<DetectEvent> events;
  Detector d(Rules(""), nullptr, options, [&](const DetectEvent& e) { events.push_back(e); });
  d.Add(flows);
  d.Finish();
  ASSERT_FALSE(events.empty());
  const std::string& link = events[0].link;
  EXPECT_EQ(link.rfind("https://weir.example.net/#/query?q=%7B%22view%22%3A%22top%22", 0), 0u)
      << link;
  EXPECT_NE(link.find("%22expr%22%3A%22dst%20ip%2010.0.1.7%22"), std::string::npos) << link;
  EXPECT_NE(link.find("%22start%22%3A%222025-11-30T23%3A55%3A00.000Z%22"), std::string::npos)
      << link;
  EXPECT_NE(EventJson(events[0]).find("\"link\":\"https://weir.example.net/#/query?q="),
            std::string::npos);
}

TEST(Detector, SameIncidentsWhateverTheBatches) {
  std::vector<FlowRecord> flows;
  Background(flows, kT0, kT0 + 60'000);
  SynFlood(flows, Ip("10.0.1.7"), kT0 + 10'000, 5);
  SortByEnd(flows);
  Outcome a = Detect(Rules(""), flows, 1);
  Outcome b = Detect(Rules(""), flows, 65536);
  // the same events, each rule's in the same order (rules may interleave differently)
  auto list = [](const Outcome& o) {
    std::vector<std::string> out;
    for (const auto& e : o.events)
      out.push_back(e.rule + " " + e.incident + " " + std::string(EventKindName(e.kind)) + " " +
                    std::to_string(e.time_ms));
    std::stable_sort(out.begin(), out.end(), [](const std::string& x, const std::string& y) {
      return x.substr(0, x.find(' ')) < y.substr(0, y.find(' '));
    });
    return out;
  };
  EXPECT_FALSE(a.events.empty());
  EXPECT_EQ(list(a), list(b));
}

TEST(Detector, SpeedTestAndBackgroundRaiseNothing) {
  std::vector<FlowRecord> flows;
  Background(flows, kT0, kT0 + 60'000);
  // one 10 s TCP download at 2 Gbit/s (170,000 packets/s) from one server,
  // exported as active-timeout records every second
  for (int s = 0; s < 10; ++s) {
    FlowRecord r;
    r.sip = Ip("198.51.100.20");
    r.dip = Ip("10.0.1.9");
    r.protocol = kProtoTcp;
    r.sport = 8080;
    r.dport = 50000;
    r.flags = kTcpAck | kTcpPsh | (s == 0 ? kTcpSyn : 0);
    r.packets = 170'000;
    r.bytes = 250'000'000;
    r.stime_ms = kT0 + 20'000 + s * 1000;
    r.duration_ms = 1000;
    flows.push_back(r);
  }
  SortByEnd(flows);
  Outcome run = Detect(Rules(""), flows);
  EXPECT_TRUE(run.events.empty()) << EventJson(run.events.at(0));
}

TEST(Detector, ConsecutiveWindowsHysteresisAndCooldown) {
  RuleSet rules = Rules(R"([[rule]]
name = "pps"
metric = "packets"
threshold = 1000
windows = 3
hysteresis = 0.5
clear = "2s"
cooldown = "10s"
)");
  auto burst = [](std::vector<FlowRecord>& out, int64_t from, int seconds, int per_second) {
    for (int64_t ms = from; ms < from + seconds * 1000LL; ms += 10)
      for (int i = 0; i < per_second / 100; ++i) {
        FlowRecord r = Syn(IpAddress::V4(0xc0000200 + i), Ip("10.0.0.1"), ms);
        r.flags = kTcpAck;
        out.push_back(r);
      }
  };
  std::vector<FlowRecord> flows;
  burst(flows, kT0, 2, 2000);           // two windows over: nothing
  burst(flows, kT0 + 10'000, 4, 2000);  // starts in the third window
  burst(flows, kT0 + 14'000, 3, 700);   // under the limit, over the clearing level: stays open
  // silence ends it 2 s after +17 s; a new burst inside the cooldown is ignored
  burst(flows, kT0 + 22'000, 5, 2000);
  burst(flows, kT0 + 40'000, 5, 2000);  // after the cooldown: a new incident
  SortByEnd(flows);
  Outcome run = Detect(std::move(rules), flows);
  auto starts = run.Of(EventKind::kStart);
  auto ends = run.Of(EventKind::kEnd);
  ASSERT_EQ(starts.size(), 2u);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(starts[0]->start_ms, kT0 + 12'000);
  EXPECT_EQ(ends[0]->time_ms, kT0 + 19'000);
  EXPECT_EQ(starts[1]->start_ms, kT0 + 42'000);
  EXPECT_NE(starts[0]->incident, starts[1]->incident);
}

TEST(Detector, WhitelistedHostNeverAlerts) {
  RuleSet rules = Rules(R"([[rule]]
name = "syn"
metric = "syn_packets"
threshold = 1000
whitelist = ["10.0.1.0/24"]
)");
  std::vector<FlowRecord> flows;
  SynFlood(flows, Ip("10.0.1.7"), kT0, 3);
  SynFlood(flows, Ip("10.0.2.7"), kT0, 3);
  SortByEnd(flows);
  Outcome run = Detect(std::move(rules), flows);
  auto starts = run.Of(EventKind::kStart);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0]->key, "10.0.2.7");
  EXPECT_GT(run.stats.whitelisted, 0u);
}

TEST(Detector, CarpetBombingFiresOnThePrefix) {
  std::vector<FlowRecord> flows;
  std::mt19937 rng(3);
  // 150,000 packets/s of UDP spread over 200 hosts of 10.0.5.0/24: 750 each
  for (int64_t ms = kT0; ms < kT0 + 5000; ms += 1)
    for (int i = 0; i < 150; ++i) {
      FlowRecord r;
      r.sip = IpAddress::V4(rng());
      r.dip = IpAddress::V4(0x0a000500 + 1 + rng() % 200);
      r.protocol = kProtoUdp;
      r.sport = static_cast<uint16_t>(rng());
      r.dport = static_cast<uint16_t>(rng());
      r.packets = 1;
      r.bytes = 500;
      r.stime_ms = ms;
      flows.push_back(r);
    }
  Outcome run = Detect(Rules(""), flows);
  auto starts = run.Of(EventKind::kStart);
  ASSERT_GE(starts.size(), 1u);
  for (const DetectEvent* s : starts) {
    EXPECT_EQ(s->rule, "carpet_bombing");
    EXPECT_EQ(s->key, "10.0.5.0/24");
    EXPECT_EQ(s->vector, "carpet_bombing");
  }
}

TEST(Detector, BaselineLearnsAHostsNormalAndFiresOnAJump) {
  RuleSet rules = Rules(R"([[rule]]
name = "learned"
metric = "packets"
window = "10s"
baseline = { k = 6, floor = 100, cold = 100000, half_life = "20m", warmup = "30m", time_of_day = false }
)");
  std::vector<FlowRecord> flows;
  std::mt19937 rng(5);
  // two hosts, steady for an hour (about 50 and 5,000 packets/s), then the small one jumps to 2,000
  for (int64_t ms = kT0; ms < kT0 + 3900'000; ms += 100) {
    for (const char* host : {"10.0.0.1", "10.0.0.2"}) {
      FlowRecord r = Syn(IpAddress::V4(rng()), Ip(host), ms);
      r.flags = kTcpAck | kTcpPsh;
      const bool big = host[7] == '2';
      const bool jump = !big && ms >= kT0 + 3600'000;
      r.packets = (jump ? 200 : big ? 500 : 5) + rng() % 3;
      flows.push_back(r);
    }
  }
  Outcome run = Detect(std::move(rules), flows, 4096);
  auto starts = run.Of(EventKind::kStart);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0]->key, "10.0.0.1");
  EXPECT_EQ(starts[0]->start_ms, kT0 + 3600'000);
  EXPECT_LT(starts[0]->limit, 200);  // what it learned, not a fixed limit
}

TEST(Detector, DistinctPortsOfAScannerEndInTheSweep) {
  RuleSet rules = Rules(R"([[rule]]
name = "scan"
scope = "key"
key = "sip"
direction = "any"
metric = "dports"
threshold = 100
window = "10s"
)");
  std::vector<FlowRecord> flows;
  for (int port = 1; port <= 1000; ++port)
    flows.push_back(Syn(Ip("203.0.113.66"), Ip("10.0.0.9"), kT0 + port));
  Detector d(std::move(rules), nullptr, {}, [&](const DetectEvent& e) {
    EXPECT_EQ(e.key, "203.0.113.66");
    EXPECT_GT(e.value, 700);
  });
  for (auto& f : flows) f.dport = static_cast<uint16_t>(f.stime_ms - kT0);
  d.Add(flows);
  EXPECT_EQ(d.Stats().incidents, 0u);  // the window is still open
  d.Advance(kT0 + 13'000);             // the clock passes it: judged
  EXPECT_EQ(d.Stats().incidents, 1u);
  EXPECT_EQ(d.Open().at(0).rule, "scan");
}

TEST(Detector, KeysStayWithinMaxKeys) {
  RuleSet rules = Rules(R"([[rule]]
name = "pps"
metric = "packets"
threshold = 1000000
max_keys = 100
)");
  std::vector<FlowRecord> flows;
  for (int i = 0; i < 5000; ++i)
    flows.push_back(Syn(Ip("192.0.2.1"), IpAddress::V4(0x0a000000 + i), kT0 + i * 10));
  Outcome run = Detect(std::move(rules), flows);
  EXPECT_LE(run.stats.keys, 100u);
  EXPECT_GT(run.stats.evicted, 4000u);
}

}  // namespace
}  // namespace weir
