#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/time.h"
#include "export/cursor.h"
#include "export/exporter.h"
#include "export/repository_tail.h"
#include "export/sink.h"
#include "export/spool.h"
#include "record/json_writer.h"
#include "store/repository_writer.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/weir-export-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

FlowRecord Flow(int64_t stime_ms, uint16_t sport) {
  FlowRecord r;
  r.sip = IpAddress::V4(0xc0000201);
  r.dip = IpAddress::V4(0xc6336401);
  r.sport = sport;
  r.dport = 53;
  r.protocol = kProtoUdp;
  r.packets = 1;
  r.bytes = 60;
  r.stime_ms = stime_ms;
  r.sensor = 0;
  r.flowtype = 0;
  return r;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

RepositoryWriter::PathFunction Hourly() {
  return [](uint8_t, uint16_t, int64_t hour) {
    return "in/" + std::to_string(hour / kMillisPerHour) + ".rwf";
  };
}

ExportOptions FollowOptions(const TempDir& dir, const std::string& start) {
  ExportOptions o;
  o.format.json.fields = {FieldId::kSport, FieldId::kStime};
  o.format.json.value.time_format = TimeFormat::kIso;
  o.follow = true;
  o.root = dir.path() + "/repo";
  o.cursor_path = dir.path() + "/cursor.db";
  o.start = start;
  o.poll_ms = 10;
  o.duration_ms = 1;  // one poll
  return o;
}

Status ExportOnce(const ExportOptions& o, const std::string& out) {
  FileSinkOptions fo;
  fo.path = out;
  auto sink = OpenFileSink(fo);
  if (!sink.ok()) return sink.status();
  ExportStats stats;
  return RunExport(o, **sink, stats, [](const std::string&) {});
}

// Records stored late, into an hour long past, are exported once; so is every
// record across runs, and nothing is exported twice.
TEST(Export, FollowExportsWhatWasStoredSinceTheCursor) {
  TempDir dir;
  const int64_t hour = 1795759200000;  // 2026-11-27T06:00Z
  RepositoryWriter writer(dir.path() + "/repo", Hourly(), WriterOptions{});
  for (uint16_t i = 0; i < 10; ++i) ASSERT_TRUE(writer.Append(Flow(hour + i, i)).ok());
  ASSERT_TRUE(writer.Flush(true).ok());
  std::string out = dir.path() + "/out.json";
  ASSERT_TRUE(ExportOnce(FollowOptions(dir, "beginning"), out).ok());
  EXPECT_EQ(Lines(out).size(), 10u);
  // New records in this hour, and a late one for an hour ago.
  for (uint16_t i = 10; i < 15; ++i) ASSERT_TRUE(writer.Append(Flow(hour + i, i)).ok());
  ASSERT_TRUE(writer.Append(Flow(hour - kMillisPerHour, 99)).ok());
  ASSERT_TRUE(writer.Flush(true).ok());
  ASSERT_TRUE(ExportOnce(FollowOptions(dir, "beginning"), out).ok());
  std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(lines.size(), 16u);
  std::set<std::string> unique(lines.begin(), lines.end());
  EXPECT_EQ(unique.size(), 16u);
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "{\"sport\":99,\"stime\":\"2026-11-27T05:00:00.000Z\"}"),
            lines.end());
  ASSERT_TRUE(writer.Close().ok());
}

// A file removed and written anew (shorter than what was exported) holds new records.
TEST(Export, AReplacedFileIsExportedFromItsStart) {
  TempDir dir;
  const int64_t hour = 1795759200000;
  {
    RepositoryWriter writer(dir.path() + "/repo", Hourly(), WriterOptions{});
    for (uint16_t i = 0; i < 50; ++i) ASSERT_TRUE(writer.Append(Flow(hour + i, i)).ok());
    ASSERT_TRUE(writer.Close().ok());
  }
  std::string out = dir.path() + "/out.json";
  ASSERT_TRUE(ExportOnce(FollowOptions(dir, "beginning"), out).ok());
  ASSERT_EQ(Lines(out).size(), 50u);
  fs::remove_all(dir.path() + "/repo/in");
  {
    RepositoryWriter writer(dir.path() + "/repo", Hourly(), WriterOptions{});
    ASSERT_TRUE(writer.Append(Flow(hour, 1000)).ok());
    ASSERT_TRUE(writer.Close().ok());
  }
  ASSERT_TRUE(ExportOnce(FollowOptions(dir, "beginning"), out).ok());
  std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_EQ(lines.back(), "{\"sport\":1000,\"stime\":\"2026-11-27T06:00:00.000Z\"}");
}

TEST(Export, StartNowSkipsWhatIsAlreadyStored) {
  TempDir dir;
  const int64_t hour = 1795759200000;
  RepositoryWriter writer(dir.path() + "/repo", Hourly(), WriterOptions{});
  ASSERT_TRUE(writer.Append(Flow(hour, 1)).ok());
  ASSERT_TRUE(writer.Flush(true).ok());
  std::string out = dir.path() + "/out.json";
  ASSERT_TRUE(ExportOnce(FollowOptions(dir, "now"), out).ok());
  EXPECT_EQ(Lines(out).size(), 0u);
  ASSERT_TRUE(writer.Append(Flow(hour, 2)).ok());
  ASSERT_TRUE(writer.Flush(true).ok());
  ASSERT_TRUE(ExportOnce(FollowOptions(dir, "now"), out).ok());
  EXPECT_EQ(Lines(out),
            std::vector<std::string>{"{\"sport\":2,\"stime\":\"2026-11-27T06:00:00.000Z\"}"});
  ASSERT_TRUE(writer.Close().ok());
}

// A block still being written (cut short) is left for the next poll.
TEST(Export, TornTailWaitsForItsWriter) {
  TempDir dir;
  const int64_t hour = 1795759200000;
  {
    RepositoryWriter writer(dir.path() + "/repo", Hourly(), WriterOptions{});
    for (uint16_t i = 0; i < 3; ++i) ASSERT_TRUE(writer.Append(Flow(hour, i)).ok());
    ASSERT_TRUE(writer.Close().ok());
  }
  std::string file = dir.path() + "/repo/in/" + std::to_string(hour / kMillisPerHour) + ".rwf";
  std::string whole;
  {
    std::ifstream in(file, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  RepositoryTail tail(dir.path() + "/repo", {});
  auto cursor = ExportCursor::Open(dir.path() + "/cursor.db");
  ASSERT_TRUE(cursor.ok());
  std::vector<PendingFile> pending;
  std::vector<std::string> gone;
  // Half the block on disk: nothing to read yet, no error.
  fs::resize_file(file, whole.size() - 40);
  ASSERT_TRUE(tail.Poll(**cursor, pending, gone).ok());
  ASSERT_EQ(pending.size(), 1u);
  int blocks = 0, errors = 0;
  auto done = tail.Read(
      pending[0], [&](RawBlock&, uint64_t) { return ++blocks, true; },
      [&](const Status&) { ++errors; });
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(blocks, 0);
  EXPECT_EQ(errors, 0);
  EXPECT_LT(*done, whole.size() - 40);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << whole;
  }
  pending[0].size = whole.size();
  done = tail.Read(
      pending[0], [&](RawBlock&, uint64_t) { return ++blocks, true; },
      [&](const Status&) { ++errors; });
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(blocks, 1);
  EXPECT_EQ(*done, whole.size());
}

// A file of an old hour that its writer has only begun (the collector creates it
// for a late flow, then fills in its first block at the next flush) is looked at
// on every poll until it is quiet again, not only on the full polls.
TEST(Export, AnOldHourFileJustBegunIsFollowedOnEveryPoll) {
  TempDir dir;
  const int64_t hour = 1795759200000;  // more than recent_hours ago
  {
    RepositoryWriter writer(dir.path() + "/repo", Hourly(), WriterOptions{});
    for (uint16_t i = 0; i < 3; ++i) ASSERT_TRUE(writer.Append(Flow(hour, i)).ok());
    ASSERT_TRUE(writer.Close().ok());
  }
  const std::string name = "in/" + std::to_string(hour / kMillisPerHour) + ".rwf";
  const std::string file = dir.path() + "/repo/" + name;
  std::string whole;
  {
    std::ifstream in(file, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  fs::resize_file(file, whole.size() - 40);  // the block is still being written
  TailSelection selection;
  selection.full_every = 1000;  // a full poll first, then none for the test's length
  RepositoryTail tail(dir.path() + "/repo", selection);
  auto cursor = ExportCursor::Open(dir.path() + "/cursor.db");
  ASSERT_TRUE(cursor.ok());
  std::vector<PendingFile> pending;
  std::vector<std::string> gone;
  ASSERT_TRUE(tail.Poll(**cursor, pending, gone).ok());
  ASSERT_EQ(pending.size(), 1u);
  int blocks = 0;
  auto done = tail.Read(
      pending[0], [&](RawBlock&, uint64_t) { return ++blocks, true; }, [](const Status&) {});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(blocks, 0);
  ASSERT_TRUE((*cursor)->Commit({{{name, *done}}, {}, {}, nullptr}).ok());
  // The file as its writer created it: the header alone, nothing new to read.
  fs::resize_file(file, *done);
  ASSERT_TRUE(tail.Poll(**cursor, pending, gone).ok());
  EXPECT_TRUE(pending.empty());
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << whole;
  }
  ASSERT_TRUE(tail.Poll(**cursor, pending, gone).ok());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].offset, *done);
  EXPECT_EQ(pending[0].size, whole.size());
}

// A crash after writing a batch but before the cursor commit: the file sink
// cuts the uncommitted tail on restart, so the records appear once.
TEST(Export, FileSinkCutsWhatTheCursorDidNotCommit) {
  TempDir dir;
  std::string out = dir.path() + "/out.json";
  FileSinkOptions fo;
  fo.path = out;
  {
    auto sink = OpenFileSink(fo);
    ASSERT_TRUE(sink.ok());
    ExportBatch b;
    b.text.Append("{\"a\":1}\n");
    b.Close(0, 1);
    ASSERT_TRUE((*sink)->Deliver(b).ok());
    auto state = (*sink)->CommitState();
    EXPECT_EQ(state["output_size"], "8");
    b.Clear();
    b.text.Append("{\"a\":2}\n");
    b.Close(0, 2);
    ASSERT_TRUE((*sink)->Deliver(b).ok());  // "crash" before the commit
    auto sink2 = OpenFileSink(fo);
    ASSERT_TRUE(sink2.ok());
    ASSERT_TRUE((*sink2)->Resume(state).ok());
  }
  EXPECT_EQ(Lines(out), std::vector<std::string>{"{\"a\":1}"});
}

TEST(Export, FileSinkRotatesAndKeepsTheNewest) {
  TempDir dir;
  FileSinkOptions fo;
  fo.path = dir.path() + "/flows.json";
  fo.rotate_bytes = 10;
  fo.keep = 2;
  auto sink = OpenFileSink(fo);
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 4; ++i) {
    ExportBatch b;
    b.text.Append("{\"record\":" + std::to_string(i) + "}\n");
    b.Close(0, 1);
    ASSERT_TRUE((*sink)->Deliver(b).ok());
    ASSERT_TRUE((*sink)->AfterCommit().ok());
  }
  int rotated = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename().string().starts_with("flows.json.")) ++rotated;
  EXPECT_EQ(rotated, 2);
  EXPECT_TRUE(fs::exists(fo.path));
  EXPECT_EQ(fs::file_size(fo.path), 0u);
}

TEST(Export, SpooledBatchesRoundTripAndRefuseDamage) {
  ExportBatch b;
  b.text.Append("{\"a\":1}\n");
  b.Close(-5, 1);
  b.text.Append("{\"a\":2}\n");
  b.Close(7, UINT64_MAX);
  std::string data = EncodeSpooledBatch(b);
  ExportBatch back;
  ASSERT_TRUE(DecodeSpooledBatch(data, back).ok());
  EXPECT_EQ(back.text.view(), b.text.view());
  EXPECT_EQ(back.ends, b.ends);
  EXPECT_EQ(back.stimes, b.stimes);
  EXPECT_EQ(back.ids, b.ids);
  data[20] ^= 1;
  EXPECT_FALSE(DecodeSpooledBatch(data, back).ok());
  EXPECT_FALSE(DecodeSpooledBatch(data.substr(0, 30), back).ok());
  std::ifstream sample(std::string(WEIR_SOURCE_DIR) + "/fuzz/corpus/spooled_batch/two_records",
                       std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(sample), {});
  ASSERT_TRUE(DecodeSpooledBatch(bytes, back).ok());
  EXPECT_EQ(back.size(), 2u);
}

TEST(Export, BulkResponseStatusesAndReasons) {
  std::vector<int> statuses;
  std::vector<std::string> reasons;
  ASSERT_TRUE(ParseBulkResponse(
                  R"({"took":1,"errors":true,"items":[{"create":{"status":201}},)"
                  R"({"create":{"status":429,"error":{"type":"es_rejected_execution_exception",)"
                  R"("reason":"busy"}}},{"create":{"status":409}}]})",
                  3, statuses, reasons)
                  .ok());
  EXPECT_EQ(statuses, (std::vector<int>{201, 429, 409}));
  EXPECT_EQ(reasons[1], "busy");
  EXPECT_FALSE(ParseBulkResponse(R"({"errors":false,"items":[]})", 2, statuses, reasons).ok());
  EXPECT_FALSE(ParseBulkResponse("<html>", 1, statuses, reasons).ok());
}

// Every value of every layout is valid JSON, read back with a real parser:
// IPv6, ICMP, protocols 0 and 255, counters at 2^64-1, times before 1970.
TEST(Export, EveryLayoutIsValidJsonForExtremeValues) {
  std::vector<FlowRecord> records;
  for (uint8_t protocol : {0, 1, 6, 17, 58, 255}) {
    FlowRecord r = Flow(-1, 65535);
    r.protocol = protocol;
    r.sip = *IpAddress::Parse("2001:db8::1");
    r.dip = *IpAddress::Parse("ff02::1:ff00:1");
    r.dport = protocol == 1 || protocol == 58 ? (3 << 8 | 1) : 0;
    r.packets = UINT64_MAX;
    r.bytes = UINT64_MAX;
    r.duration_ms = UINT32_MAX;
    r.flags = 0xff;
    r.attributes = 0x0f;
    r.sensor = kUnknownSensor;
    r.flowtype = kUnknownFlowtype;
    r.vlan = 4095;
    records.push_back(r);
  }
  simdjson::dom::parser parser;
  for (JsonSchema schema : {JsonSchema::kFields, JsonSchema::kEcs, JsonSchema::kEve}) {
    JsonOptions o;
    o.schema = schema;
    for (const auto& f : AllFields()) o.fields.push_back(f.id);
    o.value.time_format = TimeFormat::kIso;
    o.community_id = true;
    o.flow_id = true;
    JsonRecordWriter writer(o);
    for (const FlowRecord& r : records) {
      std::string line;
      writer.Append(line, r, UINT64_MAX);
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
      uint64_t bytes = 0;
      std::string_view sip;
      if (schema == JsonSchema::kFields) {
        ASSERT_EQ(doc["bytes"].get_uint64().get(bytes), simdjson::SUCCESS) << line;
        ASSERT_EQ(doc["sip"].get_string().get(sip), simdjson::SUCCESS) << line;
      } else if (schema == JsonSchema::kEcs) {
        ASSERT_EQ(doc["network"]["bytes"].get_uint64().get(bytes), simdjson::SUCCESS) << line;
        ASSERT_EQ(doc["source"]["ip"].get_string().get(sip), simdjson::SUCCESS) << line;
      } else {
        ASSERT_EQ(doc["netflow"]["bytes"].get_uint64().get(bytes), simdjson::SUCCESS) << line;
        ASSERT_EQ(doc["src_ip"].get_string().get(sip), simdjson::SUCCESS) << line;
      }
      EXPECT_EQ(bytes, UINT64_MAX);
      EXPECT_EQ(sip, "2001:db8::1");
    }
  }
}

}  // namespace
}  // namespace weir
