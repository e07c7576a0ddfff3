#include "record/text.h"

#include <gtest/gtest.h>

#include <bit>

namespace weir {
namespace {

FlowRecord Sample() {
  FlowRecord r;
  r.sip = *IpAddress::Parse("10.0.0.1");
  r.dip = *IpAddress::Parse("2001:db8::53");
  r.nhip = *IpAddress::Parse("192.0.2.254");
  r.exporter = *IpAddress::Parse("fe80::1");
  r.sport = 51000;
  r.dport = 443;
  r.protocol = kProtoTcp;
  r.packets = UINT64_MAX;
  r.bytes = UINT64_MAX;
  r.flags = kTcpSyn | kTcpAck | kTcpFin | kTcpPsh;
  r.initial_flags = kTcpSyn;
  r.session_flags = kTcpAck | kTcpFin | kTcpPsh;
  r.stime_ms = 1795759199999;  // one ms before an hour boundary
  r.duration_ms = 4294967295u;
  r.sensor = 3;
  r.input = 4000000000u;
  r.output = 7;
  r.application = 443;
  r.attributes = kAttrActiveTimeout | kAttrUniformPackets;
  r.tos = 0xb8;
  r.vlan = 4094;
  r.src_as = 4200000000u;
  r.dst_as = 15169;
  r.src_mask = 24;
  r.dst_mask = 64;
  r.sampling = 1000;
  r.flowtype = 2;
  return r;
}

TEST(Text, EveryStoredFieldRoundTripsThroughText) {
  FlowRecord in = Sample();
  FormatOptions fo;
  fo.padded_flags = false;
  RecordParser parser(nullptr);
  FlowRecord out;
  out.sensor = 0;
  out.flowtype = 0;
  for (const auto& f : AllFields()) {
    if (!f.stored) continue;
    std::string text;
    AppendFieldValue(text, in, f.id, fo);
    if (f.id == FieldId::kFlowtype) text = std::to_string(in.flowtype);  // no names here
    ASSERT_TRUE(parser.Parse(f.id, text, out).ok()) << f.name << " '" << text << "'";
  }
  ASSERT_TRUE(parser.Finish(out).ok());
  EXPECT_EQ(out, in);
}

TEST(Text, SilkColumnLayout) {
  RecordPrinter::Options o;
  RecordPrinter p({FieldId::kSport, FieldId::kProtocol, FieldId::kFlags, FieldId::kDuration}, o);
  std::string out;
  p.AppendHeader(out);
  p.AppendRecord(out, Sample());
  EXPECT_EQ(out,
            "sPort|pro|   flags| duration|\n"
            "51000|  6|FS PA   |4294967.295|\n");
}

TEST(Text, TimesAcrossSecondsAndBeforeTheEpochMatchAppendTime) {
  for (TimeFormat format : {TimeFormat::kSilk, TimeFormat::kIso, TimeFormat::kEpoch}) {
    RecordPrinter::Options o;
    o.format = OutputFormat::kCsv;
    o.value.time_format = format;
    RecordPrinter p({FieldId::kStime, FieldId::kEtime}, o);
    FlowRecord r;
    r.duration_ms = 1500;
    for (int64_t ms : {int64_t{1'795'000'000'999}, int64_t{1'795'000'001'000},
                       int64_t{1'795'000'001'001}, int64_t{1'795'000'000'999}, int64_t{0},
                       int64_t{-1}, int64_t{-1000}, int64_t{-1001}, int64_t{253'402'300'799'999}}) {
      r.stime_ms = ms;
      std::string got, want;
      p.AppendRecord(got, r);
      AppendTime(want, ms, format);
      want += ',';
      AppendTime(want, ms + 1500, format);
      want += '\n';
      EXPECT_EQ(got, want) << ms;
    }
  }
}

TEST(Text, CsvAndJson) {
  RecordPrinter::Options o;
  o.format = OutputFormat::kCsv;
  o.value.time_format = TimeFormat::kIso;
  std::vector<FieldId> fields = {FieldId::kSip, FieldId::kDip, FieldId::kBytes, FieldId::kStime,
                                 FieldId::kIcmpType};
  std::string out;
  RecordPrinter csv(fields, o);
  csv.AppendHeader(out);
  csv.AppendRecord(out, Sample());
  EXPECT_EQ(out,
            "sip,dip,bytes,stime,icmp_type\n"
            "10.0.0.1,2001:db8::53,18446744073709551615,2026-11-27T05:59:59.999Z,\n");
  o.format = OutputFormat::kJson;
  out.clear();
  RecordPrinter json(fields, o);
  json.AppendHeader(out);
  json.AppendRecord(out, Sample());
  EXPECT_EQ(out,
            "{\"sip\":\"10.0.0.1\",\"dip\":\"2001:db8::53\",\"bytes\":18446744073709551615,"
            "\"stime\":\"2026-11-27T05:59:59.999Z\",\"icmp_type\":null}\n");
}

TEST(Text, TcpFlags) {
  EXPECT_EQ(*ParseTcpFlags("sa"), kTcpSyn | kTcpAck);
  EXPECT_EQ(*ParseTcpFlags("18"), 18);
  EXPECT_FALSE(ParseTcpFlags("SX").ok());
  std::string s;
  AppendTcpFlags(s, 0xff, true);
  EXPECT_EQ(s, "FSRPAUEC");
  s.clear();
  AppendTcpFlags(s, kTcpSyn | kTcpAck, true);
  EXPECT_EQ(s, " S  A   ");
  s.clear();
  AppendTcpFlags(s, kTcpSyn | kTcpAck, false);
  EXPECT_EQ(s, "SA");
  s = "x";
  AppendTcpFlags(s, 0, false);
  EXPECT_EQ(s, "x");
  for (int v = 0; v < 256; ++v)
    for (bool padded : {false, true}) {
      s.clear();
      AppendTcpFlags(s, static_cast<uint8_t>(v), padded);
      EXPECT_EQ(s.size(),
                padded ? 8u : static_cast<size_t>(std::popcount(static_cast<unsigned>(v))));
      EXPECT_EQ(*ParseTcpFlags(s.empty() ? "0" : s), v) << s;
    }
}

TEST(Text, ParserNamesTheFieldInErrors) {
  RecordParser parser(nullptr);
  FlowRecord r;
  Status s = parser.Parse(FieldId::kSport, "70000", r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("sport"), std::string::npos);
  EXPECT_FALSE(parser.Parse(FieldId::kSip, "1.2.3.999", r).ok());
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

TEST(Text, BytesPerPacketHasTwoDecimalsRoundedHalfUp) {
  FlowRecord r;
  FormatOptions o;
  auto bpp = [&](uint64_t bytes, uint64_t packets) {
    r.bytes = bytes;
    r.packets = packets;
    std::string s;
    AppendFieldValue(s, r, FieldId::kBytesPerPacket, o);
    return s;
  };
  EXPECT_EQ(bpp(1000, 3), "333.33");
  EXPECT_EQ(bpp(5, 8), "0.63");
  EXPECT_EQ(bpp(1500, 1), "1500.00");
  EXPECT_EQ(bpp(0, 0), "0");
  EXPECT_EQ(bpp(UINT64_MAX, 1), "18446744073709551615.00");
}

}  // namespace
}  // namespace weir
