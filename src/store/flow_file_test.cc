#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "base/file.h"
#include "store/flow_reader.h"
#include "store/flow_writer.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class FlowFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("weir_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  fs::path dir_;
};

FlowRecord MakeRecord(uint64_t i) {
  std::mt19937_64 rng(i);
  FlowRecord r;
  r.sip = i % 7 == 0 ? *IpAddress::Parse("2001:db8::" + std::to_string(i % 1000))
                     : IpAddress::V4(0x0a000000u + static_cast<uint32_t>(rng() % 5000));
  r.dip = IpAddress::V4(0xc6336400u + static_cast<uint32_t>(rng() % 256));
  r.nhip = IpAddress::V4(0xc0000201u);
  r.exporter = i % 3 == 0 ? *IpAddress::Parse("fe80::1") : IpAddress::V4(0x7f000001);
  r.sport = static_cast<uint16_t>(rng());
  r.dport = static_cast<uint16_t>(i % 5 == 0 ? 443 : rng());
  r.protocol = static_cast<uint8_t>(i % 4 == 0 ? 17 : 6);
  r.packets = i == 5 ? UINT64_MAX : rng() % 1000 + 1;
  r.bytes = i == 5 ? UINT64_MAX : r.packets * 60 + rng() % 1500;
  r.flags = static_cast<uint8_t>(rng());
  r.initial_flags = kTcpSyn;
  r.session_flags = static_cast<uint8_t>(rng());
  r.stime_ms = 1795759200000 - 5000 + static_cast<int64_t>(i * 10);  // crosses an hour
  r.duration_ms = i == 6 ? UINT32_MAX : static_cast<uint32_t>(rng() % 60000);
  r.sensor = static_cast<uint16_t>(i % 3);
  r.input = i == 7 ? UINT32_MAX : static_cast<uint32_t>(rng() % 64);
  r.output = static_cast<uint32_t>(rng() % 64);
  r.application = i % 2 ? 443 : 0;
  r.attributes = static_cast<uint8_t>(i % 16);
  r.tos = static_cast<uint8_t>(rng());
  r.vlan = static_cast<uint16_t>(rng() % 4096);
  r.src_as = static_cast<uint32_t>(rng());
  r.dst_as = 15169;
  r.src_mask = 24;
  r.dst_mask = static_cast<uint8_t>(rng() % 129);
  r.sampling = i % 11 == 0 ? 1000 : 0;
  r.flowtype = static_cast<uint8_t>(i % 11);
  return r;
}

void WriteFile(const std::string& path, size_t n, WriterOptions o = {}) {
  auto w = FlowFileWriter::Create(path, o);
  ASSERT_TRUE(w.ok()) << w.status().message();
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE((*w)->Append(MakeRecord(i)).ok());
  ASSERT_TRUE((*w)->Close().ok());
}

std::vector<FlowRecord> ReadAll(const std::string& path, std::vector<Status>* errors = nullptr,
                                ColumnSet columns = ColumnSet::All()) {
  std::vector<FlowRecord> out;
  auto r = FlowFileReader::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return out;
  (*r)->SetColumns(columns);
  FlowBatch batch;
  while ((*r)->Next(batch))
    for (size_t i = 0; i < batch.size(); ++i) out.push_back(batch.Row(i));
  if (errors) *errors = (*r)->errors();
  return out;
}

std::string Slurp(const std::string& path) { return *ReadFileToString(path); }
void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

TEST_F(FlowFileTest, RoundTripsEveryFieldWithEveryCodec) {
  for (auto codec : {Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    WriterOptions o;
    o.compression = codec;
    o.block_records = 1000;
    WriteFile(Path("f"), 2500, o);
    auto rows = ReadAll(Path("f"));
    ASSERT_EQ(rows.size(), 2500u);
    for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i], MakeRecord(i)) << "row " << i;
  }
}

TEST_F(FlowFileTest, ThreadedWriterKeepsBlockOrder) {
  WriterOptions o;
  o.block_records = 97;
  o.threads = 3;
  auto w = FlowFileWriter::Create(Path("f"), o);
  ASSERT_TRUE(w.ok());
  for (size_t i = 0; i < 5000; ++i) {
    ASSERT_TRUE((*w)->Append(MakeRecord(i)).ok());
    if (i == 2500) {
      ASSERT_TRUE((*w)->Flush().ok());  // a short block mid-stream
    }
  }
  FlowBatch whole;
  for (size_t i = 5000; i < 5097; ++i) whole.Append(MakeRecord(i));
  ASSERT_TRUE((*w)->AppendBatch(std::move(whole)).ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ((*w)->records_written(), 5097u);
  auto rows = ReadAll(Path("f"));
  ASSERT_EQ(rows.size(), 5097u);
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i], MakeRecord(i)) << "row " << i;
}

TEST_F(FlowFileTest, EmptyFileHasHeaderOnly) {
  WriteFile(Path("f"), 0);
  std::vector<Status> errors;
  EXPECT_TRUE(ReadAll(Path("f"), &errors).empty());
  EXPECT_TRUE(errors.empty());
}

TEST_F(FlowFileTest, DecodesOnlyRequestedColumns) {
  WriteFile(Path("f"), 100);
  ColumnSet only;
  only.Add(FieldId::kBytes);
  auto rows = ReadAll(Path("f"), nullptr, only);
  ASSERT_EQ(rows.size(), 100u);
  EXPECT_EQ(rows[3].bytes, MakeRecord(3).bytes);
  EXPECT_EQ(rows[3].sport, 0);  // not decoded
}

TEST_F(FlowFileTest, ZoneMapsLetReadersSkipBlocks) {
  WriterOptions o;
  o.block_records = 100;
  WriteFile(Path("f"), 1000, o);
  auto r = FlowFileReader::Open(Path("f"));
  ASSERT_TRUE(r.ok());
  int64_t cutoff = MakeRecord(500).stime_ms;
  (*r)->SetBlockFilter([&](const BlockHeader& h) {
    const ColumnEntry* c = h.Find(FieldId::kStime);
    return SignedFromOrdered(c->max) >= cutoff;
  });
  FlowBatch b;
  size_t rows = 0;
  while ((*r)->Next(b)) rows += b.size();
  EXPECT_EQ(rows, 500u);
  EXPECT_EQ((*r)->blocks_skipped(), 5u);
}

TEST_F(FlowFileTest, WrongMagicAndEmptyFileAreOneLineErrors) {
  Spit(Path("bad"), "SILKFILEnot-a-weir-file-at-all");
  auto r = FlowFileReader::Open(Path("bad"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(Path("bad")), std::string::npos);
  EXPECT_NE(r.status().message().find("bad magic"), std::string::npos);
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  Spit(Path("empty"), "");
  r = FlowFileReader::Open(Path("empty"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
}

TEST_F(FlowFileTest, TruncatedFileKeepsEveryWholeBlock) {
  WriterOptions o;
  o.block_records = 100;
  WriteFile(Path("f"), 1000, o);
  std::string data = Slurp(Path("f"));
  Spit(Path("t"), data.substr(0, data.size() - 37));
  std::vector<Status> errors;
  auto rows = ReadAll(Path("t"), &errors);
  EXPECT_EQ(rows.size(), 900u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message().find("block 9"), std::string::npos) << errors[0].message();
  EXPECT_NE(errors[0].message().find("torn tail"), std::string::npos);
}

TEST_F(FlowFileTest, AFlippedBitInAnyBlockLosesOnlyThatBlock) {
  WriterOptions o;
  o.block_records = 100;
  WriteFile(Path("f"), 1000, o);
  std::string data = Slurp(Path("f"));
  FileHeader h;
  size_t needed;
  ASSERT_TRUE(ParseFileHeader(std::as_bytes(std::span(data)), h, &needed).ok());
  // Flip one bit at many positions past the header: each time exactly one block is lost.
  std::mt19937 rng(42);
  for (int trial = 0; trial < 60; ++trial) {
    std::string copy = data;
    size_t pos = h.size + rng() % (data.size() - h.size);
    copy[pos] = static_cast<char>(copy[pos] ^ (1 << (rng() % 8)));
    Spit(Path("c"), copy);
    std::vector<Status> errors;
    auto rows = ReadAll(Path("c"), &errors);
    EXPECT_EQ(rows.size(), 900u) << "bit flip at " << pos;
    ASSERT_GE(errors.size(), 1u) << "bit flip at " << pos;
    EXPECT_NE(errors[0].message().find("block "), std::string::npos);
    // Rows that survive are exactly the intact ones.
    for (const auto& row : rows) {
      uint64_t i = static_cast<uint64_t>((row.stime_ms - MakeRecord(0).stime_ms) / 10);
      ASSERT_EQ(row, MakeRecord(i));
    }
  }
}

TEST_F(FlowFileTest, AppendRepairsATornTail) {
  WriterOptions o;
  o.block_records = 100;
  WriteFile(Path("f"), 300, o);
  std::string data = Slurp(Path("f"));
  // A crash mid-block: half of another block is on disk.
  {
    auto w = FlowFileWriter::Create(Path("g"), o);
    for (size_t i = 0; i < 100; ++i) ASSERT_TRUE((*w)->Append(MakeRecord(300 + i)).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  std::string extra = Slurp(Path("g"));
  FileHeader h;
  size_t needed;
  ASSERT_TRUE(ParseFileHeader(std::as_bytes(std::span(extra)), h, &needed).ok());
  std::string block = extra.substr(h.size);
  Spit(Path("f"), data + block.substr(0, block.size() / 2));

  auto w = FlowFileWriter::OpenForAppend(Path("f"), o);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ((*w)->repaired_bytes(), block.size() / 2);
  for (size_t i = 300; i < 400; ++i) ASSERT_TRUE((*w)->Append(MakeRecord(i)).ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::vector<Status> errors;
  auto rows = ReadAll(Path("f"), &errors);
  EXPECT_TRUE(errors.empty()) << errors[0].message();
  ASSERT_EQ(rows.size(), 400u);
  for (size_t i = 0; i < 400; ++i) ASSERT_EQ(rows[i], MakeRecord(i));
}

// Flips a bit in one byte of `field`'s column in the first block of a flow file.
void DamageFirstBlockColumn(std::string& data, FieldId field) {
  FileHeader fh;
  size_t needed;
  ASSERT_TRUE(ParseFileHeader(std::as_bytes(std::span(data)), fh, &needed).ok());
  BlockHeader bh;
  ASSERT_TRUE(ParseBlockHeader(std::as_bytes(std::span(data)).subspan(fh.size), bh, &needed).ok());
  ASSERT_TRUE(bh.flags & kBlockColumnChecksums);
  size_t at = fh.size + bh.size;
  for (const auto& c : bh.columns) {
    if (c.field == field) break;
    at += c.stored_size;
  }
  data[at + 1] ^= 0x40;
}

TEST_F(FlowFileTest, ReadsAndVerifiesOnlyTheColumnsAsked) {
  // Three blocks; the first has a damaged bytes column. Read from the file (columns
  // read at their offsets) and from a FIFO (a stream is read whole, but only the
  // wanted columns are copied out and checksummed).
  WriterOptions o;
  o.block_records = 1000;
  WriteFile(Path("f"), 3000, o);
  std::string data = Slurp(Path("f"));
  DamageFirstBlockColumn(data, FieldId::kBytes);
  Spit(Path("d"), data);
  auto from_fifo = [&](ColumnSet columns, std::vector<Status>* errors) {
    std::string fifo = Path("fifo");
    ::unlink(fifo.c_str());
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread producer([&] { Spit(fifo, data); });
    auto rows = ReadAll(fifo, errors, columns);
    producer.join();
    return rows;
  };
  auto from_file = [&](ColumnSet columns, std::vector<Status>* errors) {
    return ReadAll(Path("d"), errors, columns);
  };
  auto full = ReadAll(Path("f"));
  for (const auto& read : {std::function(from_file), std::function(from_fifo)}) {
    // Other columns read cleanly, and agree with a full read of the intact file.
    std::vector<Status> errors;
    auto partial = read(ColumnSet::Of({FieldId::kSip, FieldId::kDport}), &errors);
    EXPECT_TRUE(errors.empty()) << errors[0].message();
    ASSERT_EQ(partial.size(), full.size());
    for (size_t i = 0; i < full.size(); ++i) {
      ASSERT_EQ(partial[i].sip, full[i].sip);
      ASSERT_EQ(partial[i].dport, full[i].dport);
    }
    // The damaged column is caught by its own checksum; only its block is lost.
    auto damaged = read(ColumnSet::Of({FieldId::kBytes}), &errors);
    ASSERT_FALSE(errors.empty());
    EXPECT_NE(errors[0].message().find("column bytes checksum mismatch"), std::string::npos)
        << errors[0].message();
    EXPECT_EQ(damaged.size(), 2000u);
  }
}

// Records 0 .. n-1 encoded as one block.
struct EncodedBlock {
  std::vector<std::byte> bytes;
  BlockHeader header;
  std::span<const std::byte> payload() const {
    return {bytes.data() + header.size, header.payload_size};
  }
};
EncodedBlock EncodeRecords(size_t n, Compression compression, uint16_t version = kFlowFileVersion) {
  FlowBatch batch;
  for (size_t i = 0; i < n; ++i) batch.Append(MakeRecord(i));
  EncodedBlock block;
  BlockEncoder(compression, 1, version).Encode(batch, block.bytes);
  size_t needed;
  EXPECT_TRUE(ParseBlockHeader(block.bytes, block.header, &needed).ok());
  return block;
}

TEST_F(FlowFileTest, SelectionBlocksKeepOnlyTheirRows) {
  const EncodedBlock block = EncodeRecords(1000, Compression::kLz4);
  const BlockHeader& header = block.header;
  const std::span<const std::byte> payload = block.payload();
  size_t needed;
  std::vector<uint32_t> keep;
  for (uint32_t i = 0; i < 1000; i += 3) keep.push_back(i);
  std::vector<std::byte> selected;
  EncodeSelectedBlock(header, payload, keep, selected);
  BlockHeader h2;
  ASSERT_TRUE(ParseBlockHeader(selected, h2, &needed).ok());
  EXPECT_EQ(h2.kept_records(), keep.size());
  EXPECT_EQ(h2.record_count, 1000u);
  std::span<const std::byte> p2(selected.data() + h2.size, h2.payload_size);
  EXPECT_EQ(Checksum(p2), h2.payload_checksum);
  BlockDecoder decoder;
  FlowBatch out;
  ASSERT_TRUE(decoder.Decode(h2, p2, ColumnSet::All(), out).ok());
  ASSERT_EQ(out.size(), keep.size());
  for (size_t k = 0; k < keep.size(); ++k) ASSERT_EQ(out.Row(k), MakeRecord(keep[k]));
  // One column only, as a query decodes it.
  ASSERT_TRUE(decoder.Decode(h2, p2, ColumnSet::Of({FieldId::kBytes}), out).ok());
  ASSERT_EQ(out.size(), keep.size());
  EXPECT_EQ(out.bytes[5], MakeRecord(keep[5]).bytes);
}

TEST_F(FlowFileTest, GetRangeAndForEachChunkEqualRowByRowWithEveryOrSomeColumns) {
  const EncodedBlock block = EncodeRecords(1000, Compression::kLz4);
  BlockDecoder decoder;
  FlowBatch batch;
  for (ColumnSet columns : {ColumnSet::All(), ColumnSet::Of({FieldId::kSip, FieldId::kBytes})}) {
    ASSERT_TRUE(decoder.Decode(block.header, block.payload(), columns, batch).ok());
    for (auto [begin, count] : {std::pair<size_t, size_t>{0, 1000}, {1, 998}, {999, 1}, {7, 0}}) {
      std::vector<FlowRecord> got(count, MakeRecord(5));  // stale values must go
      batch.GetRange(begin, count, got.data());
      for (size_t k = 0; k < count; ++k) ASSERT_EQ(got[k], batch.Row(begin + k)) << begin + k;
    }
    std::vector<FlowRecord> scratch;
    size_t next = 0;
    batch.ForEachChunk(scratch, [&](size_t at, std::span<const FlowRecord> records) {
      ASSERT_EQ(at, next);
      for (size_t c = 0; c < records.size(); ++c) ASSERT_EQ(records[c], batch.Row(at + c));
      next += records.size();
    });
    EXPECT_EQ(next, batch.size());
  }
}

TEST_F(FlowFileTest, DecodeRowsAndDecodeCompactFillTheRowsAskedForAsAWholeDecodeDoes) {
  const EncodedBlock block = EncodeRecords(1000, Compression::kZstd);
  std::vector<uint32_t> keep;
  for (uint32_t i = 0; i < 1000; i += 3) keep.push_back(i);
  std::vector<std::byte> selected_bytes;
  EncodeSelectedBlock(block.header, block.payload(), keep, selected_bytes);
  BlockHeader selected;
  size_t needed;
  ASSERT_TRUE(ParseBlockHeader(selected_bytes, selected, &needed).ok());
  const std::span<const std::byte> selected_payload(selected_bytes.data() + selected.size,
                                                    selected.payload_size);
  BlockDecoder decoder;
  FlowBatch whole, batch;
  for (bool selection : {false, true}) {
    const BlockHeader& header = selection ? selected : block.header;
    const auto payload = selection ? selected_payload : block.payload();
    ASSERT_TRUE(decoder.Decode(header, payload, ColumnSet::All(), whole).ok());
    std::vector<std::vector<uint32_t>> row_sets(4);
    for (uint32_t i = 1; i < whole.size(); i += 7) row_sets[0].push_back(i);
    row_sets[1] = {0, static_cast<uint32_t>(whole.size() - 1)};
    for (uint32_t i = 0; i < whole.size(); ++i) row_sets[3].push_back(i);  // [2]: none
    // What a filter reads first: a port, TCP flags (stored relative to the other
    // flag columns), an address with its dictionary.
    for (FieldId first : {FieldId::kDport, FieldId::kFlags, FieldId::kSip}) {
      for (const auto& rows : row_sets) {
        for (bool compact : {false, true}) {
          SCOPED_TRACE(std::string(GetField(first).name) + (selection ? " selected" : "") +
                       (compact ? " compact " : " ") + std::to_string(rows.size()) + " rows");
          // The batch held a larger block before: what the rows need must be rewritten.
          ASSERT_TRUE(decoder.Decode(block.header, block.payload(), ColumnSet::All(), batch).ok());
          ASSERT_TRUE(decoder.Decode(header, payload, ColumnSet::Of({first}), batch).ok());
          if (compact) {
            ASSERT_TRUE(decoder.DecodeCompact(header, payload, ColumnSet::All(), rows, batch).ok());
            ASSERT_EQ(batch.size(), rows.size());
          } else {
            ASSERT_TRUE(decoder.DecodeRows(header, payload, ColumnSet::All(), rows, batch).ok());
            ASSERT_EQ(batch.size(), whole.size());
          }
          EXPECT_TRUE(batch.columns().Covers(ColumnSet::All()));
          // f(row of the batch, row of the block) for the rows asked for.
          auto batch_rows = [&](auto&& f) {
            for (size_t k = 0; k < rows.size(); ++k) f(compact ? k : rows[k], rows[k]);
          };
          batch_rows([&](size_t k, uint32_t r) { ASSERT_EQ(batch.Row(k), whole.Row(r)) << r; });
          // No rows asked for: nothing was decompressed, so only the filter's own
          // address column may have a dictionary. A compact decode of a few rows
          // keeps none for the columns it decodes itself (it looks the rows up).
          const bool few = compact && rows.size() * 2 <= whole.size() && !selection;
          for (FieldId id : {FieldId::kSip, FieldId::kDip, FieldId::kExporter}) {
            const AddressDictionary* d = batch.Dictionary(id);
            if (rows.empty() && id != first) continue;
            if (few && id != first) {
              EXPECT_EQ(d, nullptr) << GetField(id).name;
              continue;
            }
            ASSERT_NE(d, nullptr) << GetField(id).name;
            if (compact) {
              EXPECT_EQ(d->index.size(), rows.size());
            }
            batch_rows([&](size_t k, uint32_t r) {
              ASSERT_EQ(d->values.at(d->index.at(k)), whole.Ip(id, r)) << r;
            });
          }
          if (compact) {  // the records a compact batch gives, in order
            std::vector<FlowRecord> scratch;
            size_t seen = 0;
            batch.ForEachRecord(scratch, [&](size_t k, const FlowRecord& r) {
              ASSERT_EQ(k, seen++);
              ASSERT_EQ(r, whole.Row(rows[k])) << k;
            });
            EXPECT_EQ(seen, rows.size());
          }
        }
      }
    }
  }
}

// Every row of a dictionary-decoded address column is its dictionary entry.
void ExpectDictionaryMatches(const FlowBatch& b, FieldId id, const Column<IpAddress>& column) {
  const AddressDictionary* d = b.Dictionary(id);
  ASSERT_NE(d, nullptr) << GetField(id).name;
  ASSERT_EQ(d->index.size(), b.size());
  EXPECT_TRUE(std::is_sorted(d->values.begin(), d->values.end(), [](auto& x, auto& y) {
    return x.is_v4() != y.is_v4() ? x.is_v4() : x < y;
  }));
  EXPECT_EQ(std::adjacent_find(d->values.begin(), d->values.end()), d->values.end())
      << "the dictionary repeats an address";
  for (size_t i = 0; i < b.size(); ++i) ASSERT_EQ(d->values.at(d->index[i]), column[i]) << i;
}

// The index width byte a dictionary column was written with (kPackedIndex | bits, or
// bytes); the encoder records it in the column entry's width.
uint8_t IndexWidthOf(const BlockHeader& header, FieldId id) {
  const ColumnEntry* c = header.Find(id);
  EXPECT_NE(c, nullptr);
  return c ? c->width : 0;
}

TEST_F(FlowFileTest, PackedDictionaryIndexesRoundTripAtEveryBlockLength) {
  // Lengths that leave 0 to 7 rows in a partly filled last byte for 1, 2 and 4 bits.
  for (size_t n : {1, 2, 3, 5, 7, 9, 14, 1001, 1006}) {
    const EncodedBlock block = EncodeRecords(n, Compression::kNone);
    if (n >= 16) {
      // flowtype: 11 values (4 bits); sensor: 3 (2 bits); protocol: 2 (1 bit),
      // application 0/443 (a two-byte column, 1 bit); exporter: one IPv4 and one IPv6
      // address (an address dictionary, 1 bit).
      EXPECT_EQ(IndexWidthOf(block.header, FieldId::kFlowtype), kPackedIndex | 4);
      EXPECT_EQ(IndexWidthOf(block.header, FieldId::kSensor), kPackedIndex | 2);
      EXPECT_EQ(IndexWidthOf(block.header, FieldId::kProtocol), kPackedIndex | 1);
      EXPECT_EQ(IndexWidthOf(block.header, FieldId::kApplication), kPackedIndex | 1);
      EXPECT_EQ(IndexWidthOf(block.header, FieldId::kExporter), kPackedIndex | 1);
    }
    BlockDecoder decoder;
    FlowBatch out;
    ASSERT_TRUE(decoder.Decode(block.header, block.payload(), ColumnSet::All(), out).ok()) << n;
    ASSERT_EQ(out.size(), n);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out.Row(i), MakeRecord(i)) << n << " " << i;
    if (n >= 2) ExpectDictionaryMatches(out, FieldId::kExporter, out.exporter);
  }
}

TEST_F(FlowFileTest, DictionaryTablesGrowPastTheirFirstGuess) {
  // 40,000 rows: 15,000 distinct IPv4 sources with some IPv6 (the address table starts
  // sized for 2,500), and source ASes that repeat 10 values over the first 4,096 rows
  // (the sample) and then take 9,000 more (the value table starts sized for 256).
  constexpr size_t kRows = 40000;
  FlowBatch batch;
  for (size_t i = 0; i < kRows; ++i) {
    FlowRecord r = MakeRecord(i);
    r.sip = i % 50 == 0 ? *IpAddress::Parse("2001:db8::" + std::to_string(i % 700))
                        : IpAddress::V4(0x0a000000u + static_cast<uint32_t>(i * 7919 % 15000));
    r.src_as = static_cast<uint32_t>(i < 4096 ? 64500 + i % 10 : 70000 + i % 9000);
    batch.Append(r);
  }
  EncodedBlock block;
  BlockEncoder(Compression::kZstd, 1).Encode(batch, block.bytes);
  size_t needed;
  ASSERT_TRUE(ParseBlockHeader(block.bytes, block.header, &needed).ok());
  EXPECT_EQ(block.header.Find(FieldId::kSip)->encoding, ColumnEncoding::kIpDictionary);
  EXPECT_EQ(block.header.Find(FieldId::kSrcAs)->encoding, ColumnEncoding::kDictionary);
  BlockDecoder decoder;
  FlowBatch out;
  ASSERT_TRUE(decoder.Decode(block.header, block.payload(), ColumnSet::All(), out).ok());
  ASSERT_EQ(out.size(), kRows);
  for (size_t i = 0; i < kRows; ++i) ASSERT_EQ(out.Row(i), batch.Row(i)) << i;
  ExpectDictionaryMatches(out, FieldId::kSip, batch.sip);
}

// With SkipFailingDictionaries, an address column whose dictionary did not pay is
// stored plainly for the next 1, 3, 7, then 15 blocks, then tried again; columns
// that do pay are not affected, and every block decodes to its records.
TEST_F(FlowFileTest, FailingAddressDictionariesAreSkippedForGrowingRuns) {
  auto block_of = [](bool distinct) {
    FlowBatch batch;
    for (size_t i = 0; i < 2000; ++i) {
      FlowRecord r = MakeRecord(i);
      r.sip = IpAddress::V4(0x0a000000u + static_cast<uint32_t>(distinct ? i : i % 100));
      r.dip = IpAddress::V4(0xc0a80000u + static_cast<uint32_t>(i % 50));
      batch.Append(r);
    }
    return batch;
  };
  const FlowBatch distinct = block_of(true), repeating = block_of(false);
  // (the block's sip addresses are distinct, the sip column expected as a dictionary)
  const std::vector<std::pair<bool, bool>> plan = {{true, false},   // fails: skip 1
                                                   {false, false},  // skipped
                                                   {true, false},   // fails again: skip 3
                                                   {false, false}, {false, false},
                                                   {false, false},                 // skipped
                                                   {false, true},  {false, true},  // tried: pays
                                                   {true, false},  // fails: skip 1 (reset)
                                                   {false, false}, {false, true}};
  for (bool skip : {true, false}) {
    BlockEncoder encoder(Compression::kZstd, 1);
    encoder.SkipFailingDictionaries(skip);
    BlockDecoder decoder;
    for (size_t k = 0; k < plan.size(); ++k) {
      const auto [is_distinct, expect_dictionary] = plan[k];
      const FlowBatch& batch = is_distinct ? distinct : repeating;
      EncodedBlock block;
      encoder.Encode(batch, block.bytes);
      size_t needed;
      ASSERT_TRUE(ParseBlockHeader(block.bytes, block.header, &needed).ok());
      const bool dictionary =
          block.header.Find(FieldId::kSip)->encoding == ColumnEncoding::kIpDictionary;
      EXPECT_EQ(dictionary, skip ? expect_dictionary : !is_distinct) << "block " << k;
      EXPECT_EQ(block.header.Find(FieldId::kDip)->encoding, ColumnEncoding::kIpDictionary);
      FlowBatch out;
      ASSERT_TRUE(decoder.Decode(block.header, block.payload(), ColumnSet::All(), out).ok());
      for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out.Row(i), batch.Row(i)) << i;
    }
  }
}

TEST_F(FlowFileTest, Version2BlocksKeepByteIndexes) {
  const EncodedBlock block = EncodeRecords(1001, Compression::kZstd, 2);
  for (const ColumnEntry& c : block.header.columns)
    EXPECT_FALSE(c.width & kPackedIndex) << GetField(c.field).name;
  BlockDecoder decoder;
  FlowBatch out;
  ASSERT_TRUE(decoder.Decode(block.header, block.payload(), ColumnSet::All(), out).ok());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out.Row(i), MakeRecord(i)) << i;
}

TEST_F(FlowFileTest, PackedIndexBeyondTheDictionaryIsCorruption) {
  // sensor holds 3 values in 2-bit indexes; index 3 names no entry. Uncompressed, the
  // column's last raw byte holds the indexes of rows 1000-1003.
  EncodedBlock block = EncodeRecords(1004, Compression::kNone);
  size_t at = 0;
  for (const ColumnEntry& c : block.header.columns) {
    at += c.stored_size;
    if (c.field == FieldId::kSensor) break;
  }
  block.bytes[block.header.size + at - 1] = std::byte{0xff};
  BlockDecoder decoder;
  FlowBatch out;
  Status s = decoder.Decode(block.header, block.payload(), ColumnSet::All(), out);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("sensor"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("index out of range"), std::string::npos) << s.message();
}

TEST_F(FlowFileTest, DecoderKeepsAddressDictionaries) {
  FlowBatch batch;
  batch.Append(MakeRecord(0));
  EXPECT_EQ(batch.Dictionary(FieldId::kSip), nullptr);
  const EncodedBlock block = EncodeRecords(1000, Compression::kZstd);
  const BlockHeader& header = block.header;
  const std::span<const std::byte> payload = block.payload();
  size_t needed;
  BlockDecoder decoder;
  FlowBatch out;
  ASSERT_TRUE(decoder.Decode(header, payload, ColumnSet::All(), out).ok());
  ExpectDictionaryMatches(out, FieldId::kSip, out.sip);  // IPv4 and IPv6
  ExpectDictionaryMatches(out, FieldId::kDip, out.dip);
  ExpectDictionaryMatches(out, FieldId::kExporter, out.exporter);
  EXPECT_EQ(out.Dictionary(FieldId::kBytes), nullptr);
  // A column not decoded has no dictionary, even one decoded into this batch before.
  ASSERT_TRUE(decoder.Decode(header, payload, ColumnSet::Of({FieldId::kDip}), out).ok());
  EXPECT_EQ(out.Dictionary(FieldId::kSip), nullptr);
  ExpectDictionaryMatches(out, FieldId::kDip, out.dip);
  // Selected rows keep their own indexes.
  std::vector<uint32_t> keep;
  for (uint32_t i = 1; i < 1000; i += 7) keep.push_back(i);
  std::vector<std::byte> selected;
  EncodeSelectedBlock(header, payload, keep, selected);
  BlockHeader h2;
  ASSERT_TRUE(ParseBlockHeader(selected, h2, &needed).ok());
  ASSERT_TRUE(
      decoder.Decode(h2, {selected.data() + h2.size, h2.payload_size}, ColumnSet::All(), out).ok());
  ASSERT_EQ(out.size(), keep.size());
  ExpectDictionaryMatches(out, FieldId::kSip, out.sip);
  for (size_t k = 0; k < keep.size(); ++k) ASSERT_EQ(out.sip[k], MakeRecord(keep[k]).sip);
  // Changing the batch forgets them.
  out.Append(MakeRecord(1));
  EXPECT_EQ(out.Dictionary(FieldId::kSip), nullptr);
}

TEST_F(FlowFileTest, AppendRefusesForeignFiles) {
  Spit(Path("x"), "this is somebody's text file\n");
  auto w = FlowFileWriter::OpenForAppend(Path("x"), {});
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(Slurp(Path("x")), "this is somebody's text file\n");
}

TEST_F(FlowFileTest, StreamsThroughAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread producer([&] {
    WriterOptions o;
    o.block_records = 64;
    auto w = FlowFileWriter::ToFd(fds[1], "pipe", o);
    for (size_t i = 0; i < 1000; ++i) (void)(*w)->Append(MakeRecord(i));
    (void)(*w)->Close();
    ::close(fds[1]);
  });
  auto r = FlowFileReader::FromFd(fds[0], "pipe", true);
  ASSERT_TRUE(r.ok());
  FlowBatch b;
  size_t n = 0;
  while ((*r)->Next(b))
    for (size_t i = 0; i < b.size(); ++i, ++n) ASSERT_EQ(b.Row(i), MakeRecord(n));
  producer.join();
  EXPECT_EQ(n, 1000u);
  EXPECT_FALSE((*r)->had_errors());
}

TEST_F(FlowFileTest, ConcatenatedStreamsReadAsOne) {
  WriteFile(Path("a"), 10);
  Spit(Path("ab"), Slurp(Path("a")) + Slurp(Path("a")));
  std::vector<Status> errors;
  EXPECT_EQ(ReadAll(Path("ab"), &errors).size(), 20u);
  EXPECT_TRUE(errors.empty());
}

// The committed samples of earlier versions must keep reading in every later version.
TEST(FlowFileCompat, ReadsCommittedVersion3Sample) {
  std::string path = std::string(WEIR_SOURCE_DIR) + "/tests/data/flowfile-v3.weir";
  auto r = FlowFileReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->header().version, 3);
  FlowBatch b;
  size_t n = 0, packed = 0;
  while ((*r)->Next(b)) {
    for (const ColumnEntry& c : (*r)->block().columns) packed += (c.width & kPackedIndex) != 0;
    for (size_t i = 0; i < b.size(); ++i, ++n) ASSERT_EQ(b.Row(i), MakeRecord(n)) << n;
  }
  EXPECT_EQ(n, 1000u);
  EXPECT_GT(packed, 0u);
  EXPECT_FALSE((*r)->had_errors());
}

TEST(FlowFileCompat, ReadsCommittedVersion2Sample) {
  std::string path = std::string(WEIR_SOURCE_DIR) + "/tests/data/flowfile-v2.weir";
  auto r = FlowFileReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->header().version, 2);
  FlowBatch b;
  size_t n = 0;
  while ((*r)->Next(b)) {
    EXPECT_TRUE((*r)->block().flags & kBlockColumnChecksums);
    for (size_t i = 0; i < b.size(); ++i, ++n) ASSERT_EQ(b.Row(i), MakeRecord(n)) << n;
  }
  EXPECT_EQ(n, 1000u);
  EXPECT_FALSE((*r)->had_errors());
}

// Appends records 1000-1099 to a copy of a committed sample, then checks that every
// block reads back and is of the sample's version (its flags and column widths).
void ExpectAppendKeepsVersion(uint16_t version) {
  const std::string name = "flowfile-v" + std::to_string(version) + ".weir";
  std::string path = ::testing::TempDir() + "/append-" + name;
  auto data = ReadFileToString(std::string(WEIR_SOURCE_DIR) + "/tests/data/" + name);
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(WriteFileAtomically(path, *data).ok());
  {
    auto w = FlowFileWriter::OpenForAppend(path, {});
    ASSERT_TRUE(w.ok()) << w.status().message();
    for (size_t i = 1000; i < 1100; ++i) ASSERT_TRUE((*w)->Append(MakeRecord(i)).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto r = FlowFileReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->header().version, version);
  FlowBatch b;
  size_t n = 0;
  while ((*r)->Next(b)) {
    EXPECT_EQ((*r)->block().flags, version >= 2 ? kBlockColumnChecksums : 0);
    for (const ColumnEntry& c : (*r)->block().columns)
      EXPECT_FALSE(version < 3 && (c.width & kPackedIndex)) << GetField(c.field).name;
    for (size_t i = 0; i < b.size(); ++i, ++n) ASSERT_EQ(b.Row(i), MakeRecord(n)) << n;
  }
  EXPECT_EQ(n, 1100u);
}

TEST(FlowFileCompat, AppendingToVersion1KeepsVersion1Blocks) { ExpectAppendKeepsVersion(1); }
TEST(FlowFileCompat, AppendingToVersion2KeepsVersion2Blocks) { ExpectAppendKeepsVersion(2); }

TEST(FlowFileCompat, ReadsCommittedVersion1Sample) {
  std::string path = std::string(WEIR_SOURCE_DIR) + "/tests/data/flowfile-v1.weir";
  auto r = FlowFileReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->header().version, 1);
  FlowBatch b;
  size_t n = 0;
  while ((*r)->Next(b))
    for (size_t i = 0; i < b.size(); ++i, ++n) ASSERT_EQ(b.Row(i), MakeRecord(n)) << n;
  EXPECT_EQ(n, 1000u);
  EXPECT_FALSE((*r)->had_errors());
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {
// Writes the current version's sample; run only by hand when creating a new
// version's sample (--gtest_also_run_disabled_tests). Never rewrite an old
// version's sample: flowfile-v1.weir was written by version 1 and stays as it is.
TEST(FlowFileCompat, DISABLED_WriteVersion3Sample) {
  WriterOptions o;
  o.block_records = 300;
  o.annotations = {{"created-by", "weir flow_file_test"}, {"purpose", "version 3 sample"}};
  WriteFile(std::string(WEIR_SOURCE_DIR) + "/tests/data/flowfile-v3.weir", 1000, o);
}
}  // namespace
}  // namespace weir
