// Formatting for weir export: records to JSON Lines (through the one
// JsonRecordWriter) or CSV (through RecordPrinter), with their flow ids from
// LongFlows. BlockFormatter splits the work of one block in two: Prepare, which
// formats the records that cannot be part of a long flow and may run on many
// threads at once, and Finish, which runs in storage order, sends the others
// through LongFlows and puts the block's lines together in order.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "export/export_batch.h"
#include "export/long_flows.h"
#include "record/json_writer.h"
#include "record/text.h"
#include "store/flow_batch.h"

namespace weir {

struct RecordFormat {
  OutputFormat format = OutputFormat::kJson;  // kJson or kCsv
  JsonOptions json;                           // kJson (fields, schema, names ...)
  RecordPrinter::Options csv;                 // kCsv; fields from json.fields
};

// A stable id for the row of a stored block: the file (a hash of its name), the
// block's offset and the row's index.
uint64_t RecordId(uint64_t file_hash, uint64_t block_offset, uint32_t row);
uint64_t HashName(std::string_view name);
// The stored columns formatting (and long-flow tracking) reads.
ColumnSet FormatColumns(const RecordFormat& format);

class RecordFormatter {
 public:
  explicit RecordFormatter(const RecordFormat& format);
  void Append(ExportBatch& out, const FlowRecord& r, uint64_t flow_id, uint64_t record_id);
  // The CSV title line (with its newline); empty for JSON.
  std::string Header() const;

 private:
  std::unique_ptr<JsonRecordWriter> json_;
  std::unique_ptr<RecordPrinter> csv_;
  std::string line_;
};

class BlockFormatter {
 public:
  explicit BlockFormatter(const RecordFormat& format) : formatter_(format) {}
  // Formats the rows that are not part of a long flow; any thread.
  void Prepare(const FlowBatch& batch, std::span<const uint32_t> rows, uint64_t file_hash,
               uint64_t block_offset);
  // In storage order: the rest through long_flows, and every line into out.
  void Finish(LongFlows& long_flows, int64_t now_ms, ExportBatch& out);
  RecordFormatter& formatter() { return formatter_; }

 private:
  RecordFormatter formatter_;
  ExportBatch prepared_;
  const FlowBatch* batch_ = nullptr;
  std::vector<uint32_t> rows_;
  std::vector<uint8_t> deferred_;  // per row: 1 when Finish must format it
  uint64_t file_hash_ = 0, block_offset_ = 0;
  FlowRecord record_;
  std::vector<FlowRecord> records_;  // Prepare()'s rows, a chunk at a time
};

}  // namespace weir
