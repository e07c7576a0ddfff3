#include "record/json_writer.h"

#include <gtest/gtest.h>

#include <random>

namespace weir {
namespace {

// Names with characters JSON must escape.
class TestNames : public FlowtypeNames {
 public:
  std::string_view SensorName(uint16_t s) const override { return s == 3 ? "edge\"1\\" : ""; }
  std::string_view ClassName(uint8_t f) const override { return f < 4 ? "all" : ""; }
  std::string_view TypeName(uint8_t f) const override {
    static constexpr std::string_view kTypes[] = {"in", "out", "int2int", "ext2ext"};
    return f < 4 ? kTypes[f] : "";
  }
  std::optional<uint16_t> FindSensor(std::string_view) const override { return {}; }
  std::optional<uint8_t> FindFlowtype(std::string_view, std::string_view) const override {
    return {};
  }
  size_t MaxSensorNameLength() const override { return 7; }
  size_t MaxClassNameLength() const override { return 3; }
  size_t MaxTypeNameLength() const override { return 7; }
};

FlowRecord Random(std::mt19937_64& rng) {
  FlowRecord r;
  auto any = [&](uint64_t max) { return rng() % (max + 1); };
  auto address = [&] {
    std::array<uint8_t, 16> b{};
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    if (rng() % 2) return IpAddress::V4(static_cast<uint32_t>(rng()));
    return IpAddress::V6(b);
  };
  r.sip = address();
  r.dip = address();
  r.nhip = address();
  r.exporter = address();
  static constexpr uint8_t kProtocols[] = {0, 1, 6, 17, 58, 132, 255};
  r.protocol = kProtocols[any(6)];
  r.sport = static_cast<uint16_t>(any(65535));
  r.dport = static_cast<uint16_t>(any(65535));
  r.packets = any(3) == 0 ? UINT64_MAX : any(100000);
  r.bytes = any(3) == 0 ? UINT64_MAX : any(100000000);
  r.flags = static_cast<uint8_t>(any(255));
  r.initial_flags = static_cast<uint8_t>(any(255));
  r.session_flags = static_cast<uint8_t>(any(255));
  r.attributes = static_cast<uint8_t>(any(15));
  r.stime_ms = static_cast<int64_t>(any(4'000'000'000'000ULL)) - 1'000'000'000'000LL;
  r.duration_ms = static_cast<uint32_t>(any(UINT32_MAX));
  r.sensor = static_cast<uint16_t>(any(4) == 0 ? kUnknownSensor : any(5));
  r.flowtype = static_cast<uint8_t>(any(4) == 0 ? kUnknownFlowtype : any(5));
  r.input = static_cast<uint32_t>(any(UINT32_MAX));
  r.output = static_cast<uint32_t>(any(UINT32_MAX));
  r.src_as = static_cast<uint32_t>(any(UINT32_MAX));
  r.dst_as = static_cast<uint32_t>(any(UINT32_MAX));
  r.vlan = static_cast<uint16_t>(any(4095));
  r.tos = static_cast<uint8_t>(any(255));
  r.application = static_cast<uint16_t>(any(65535));
  r.sampling = static_cast<uint32_t>(any(1000));
  return r;
}

// The fast writer gives, field for field, what the generic per-field formatter
// gives laid out as JSON by TableLayout.
TEST(JsonWriter, FieldsMatchTheGenericFormatter) {
  TestNames names;
  for (TimeFormat tf : {TimeFormat::kIso, TimeFormat::kEpochMillis, TimeFormat::kSilk}) {
    for (IpFormat ipf : {IpFormat::kCanonical, IpFormat::kZeroPadded}) {
      FormatOptions fo;
      fo.names = &names;
      fo.padded_flags = false;
      fo.time_format = tf;
      fo.ip_format = ipf;
      std::vector<FieldId> fields;
      for (const auto& f : AllFields()) fields.push_back(f.id);
      RecordPrinter::Options po;
      po.format = OutputFormat::kCsv;  // cells only; laid out as JSON below
      po.value = fo;
      RecordPrinter columns(fields, po);
      LayoutOptions lo;
      lo.format = OutputFormat::kJson;
      TableLayout layout(columns.LayoutColumns(), lo);
      JsonRecordWriter writer(
          JsonOptions{.schema = JsonSchema::kFields, .fields = fields, .value = fo});
      std::mt19937_64 rng(7);
      int64_t last_stime = 0;
      for (int i = 0; i < 2000; ++i) {
        FlowRecord r = Random(rng);
        if (i % 2) {  // near the last record's time: in its hour, the one before or after
          r.stime_ms = last_stime + static_cast<int64_t>(rng() % 7'200'000) - 3'600'000;
          r.duration_ms = static_cast<uint32_t>(rng() % 4'000'000);
        }
        last_stime = r.stime_ms;
        std::string expected, cell;
        for (size_t c = 0; c < fields.size(); ++c) {
          cell.clear();
          AppendFieldValue(cell, r, fields[c], fo);
          layout.AppendCell(expected, cell, c);
        }
        layout.EndRow(expected);
        std::string got;
        writer.Append(got, r);
        ASSERT_EQ(got, expected) << "record " << i;
      }
    }
  }
}

// Prepare computes the Community IDs of many records at once; records outside
// the prepared ones (and everything after Prepare({})) are computed one by one.
// Every layout writes the same lines either way.
TEST(JsonWriter, PreparedRecordsWriteWhatUnpreparedOnesDo) {
  std::mt19937_64 rng(11);
  std::vector<FlowRecord> records(300);
  for (FlowRecord& r : records) r = Random(rng);
  const FlowRecord outside = Random(rng);
  for (JsonSchema schema : {JsonSchema::kFields, JsonSchema::kEcs, JsonSchema::kEve}) {
    JsonOptions o{.schema = schema,
                  .fields = {FieldId::kSip, FieldId::kDport},
                  .value = {},
                  .community_id = true,
                  .community_id_seed = 9};
    JsonRecordWriter plain(o), prepared(o);
    std::string expected, got;
    for (const FlowRecord& r : records) plain.Append(expected, r);
    plain.Append(expected, outside);
    prepared.Prepare(std::span<const FlowRecord>(records).subspan(0, 257));
    for (const FlowRecord& r : records) prepared.Append(got, r);
    prepared.Append(got, outside);
    EXPECT_EQ(got, expected) << "schema " << static_cast<int>(schema);
    prepared.Prepare({});
    got.clear();
    for (const FlowRecord& r : records) prepared.Append(got, r);
    prepared.Append(got, outside);
    EXPECT_EQ(got, expected) << "schema " << static_cast<int>(schema) << " after Prepare({})";
  }
}

// Prepare writes the keys whose value is the same in every prepared record once
// and copies that text: for every field, whichever columns happen to be constant
// (all, some, or all but one row), the lines are those written record by record.
TEST(JsonWriter, KeysTheSameInAllPreparedRecordsWriteWhatEachRecordWould) {
  TestNames names;
  std::vector<FieldId> every;
  for (const FieldInfo& f : AllFields()) every.push_back(f.id);
  std::mt19937_64 rng(23);
  for (int round = 0; round < 40; ++round) {
    // A template record; each record copies a random subset of its members.
    const FlowRecord common = Random(rng);
    const uint64_t shared = rng();  // bit k: member k is copied into every record
    std::vector<FlowRecord> records(round % 5 == 0 ? 9 : 64);
    for (FlowRecord& r : records) {
      r = Random(rng);
      int k = 0;
      auto copy = [&](auto member) {
        if (shared >> k++ & 1) r.*member = common.*member;
      };
      copy(&FlowRecord::sip), copy(&FlowRecord::dip), copy(&FlowRecord::nhip);
      copy(&FlowRecord::exporter), copy(&FlowRecord::protocol), copy(&FlowRecord::sport);
      copy(&FlowRecord::dport), copy(&FlowRecord::packets), copy(&FlowRecord::bytes);
      copy(&FlowRecord::flags), copy(&FlowRecord::initial_flags);
      copy(&FlowRecord::session_flags), copy(&FlowRecord::attributes);
      copy(&FlowRecord::stime_ms), copy(&FlowRecord::duration_ms), copy(&FlowRecord::sensor);
      copy(&FlowRecord::flowtype), copy(&FlowRecord::input), copy(&FlowRecord::output);
      copy(&FlowRecord::src_as), copy(&FlowRecord::dst_as), copy(&FlowRecord::vlan);
      copy(&FlowRecord::tos), copy(&FlowRecord::application);
    }
    if (round % 3 == 1) records.back().sensor ^= 1;  // constant but for the last row
    if (round % 4 == 2) records.back().dport ^= 0x100;
    for (bool with_names : {false, true}) {
      JsonOptions o{.schema = JsonSchema::kFields, .fields = every, .value = {}};
      if (with_names) o.value.names = &names;
      o.community_id = round % 2 == 0;
      o.flow_id = true;
      JsonRecordWriter plain(o), prepared(o);
      std::string expected, got;
      for (const FlowRecord& r : records) plain.Append(expected, r, 7);
      plain.Append(expected, common, 7);
      prepared.Prepare(records);
      for (const FlowRecord& r : records) prepared.Append(got, r, 7);
      prepared.Append(got, common, 7);  // outside the prepared records
      ASSERT_EQ(got, expected) << "round " << round << " names " << with_names;
    }
  }
}

TEST(JsonWriter, EcsCarriesCommunityIdDirectionAndNanoseconds) {
  TestNames names;
  FlowRecord r;
  r.sip = *IpAddress::Parse("128.232.110.120");
  r.dip = *IpAddress::Parse("66.35.250.204");
  r.sport = 34855;
  r.dport = 80;
  r.protocol = kProtoTcp;
  r.packets = 3;
  r.bytes = 180;
  r.flags = kTcpSyn | kTcpAck;
  r.stime_ms = 1795759199999;
  r.duration_ms = 1500;
  r.sensor = 3;
  r.flowtype = 0;  // all/in
  FormatOptions fo;
  fo.names = &names;
  JsonRecordWriter ecs(
      JsonOptions{.schema = JsonSchema::kEcs, .fields = {}, .value = fo, .community_id = true});
  std::string out;
  ecs.Append(out, r);
  EXPECT_NE(out.find("\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("\"direction\":\"inbound\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"duration\":1500000000"), std::string::npos) << out;
  EXPECT_NE(out.find("\"start\":\"2026-11-27T05:59:59.999Z\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"end\":\"2026-11-27T06:00:01.499Z\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"observer\":{\"name\":\"edge\\\"1\\\\\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"transport\":\"tcp\",\"iana_number\":\"6\""), std::string::npos) << out;

  JsonRecordWriter eve(
      JsonOptions{.schema = JsonSchema::kEve, .fields = {}, .value = fo, .community_id = true});
  out.clear();
  eve.Append(out, r);
  EXPECT_EQ(out.substr(0, 47), "{\"timestamp\":\"2026-11-27T05:59:59.999000+0000\",");
  EXPECT_NE(out.find("\"proto\":\"TCP\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"tcp\":{\"tcp_flags\":\"12\",\"syn\":true,\"ack\":true}"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace weir
