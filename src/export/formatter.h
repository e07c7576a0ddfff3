// Formatting for weir export: records to JSON Lines (through the one
// JsonRecordWriter) or CSV (through RecordPrinter), with their flow ids from
// LongFlows. BlockFormatter splits the work of one block in two: Prepare, which
// formats the records that cannot be part of a long flow and may run on many
// threads at once, and Finish, which runs in storage order, sends the others
// through LongFlows and puts the block's lines together in order.
#pragma once

#include <algorithm>
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
  // Optional, before Append of several records (JsonRecordWriter::Prepare).
  void Prepare(std::span<const FlowRecord> records) {
    if (json_) json_->Prepare(records);
  }
  // The CSV title line (with its newline); empty for JSON.
  std::string Header() const;

 private:
  std::unique_ptr<JsonRecordWriter> json_;
  std::unique_ptr<RecordPrinter> csv_;
  std::string line_;
};

class BlockFormatter {
 public:
  // Prepared lines are kept in pieces of about piece_bytes, each a batch a sink
  // can take as it is.
  BlockFormatter(const RecordFormat& format, size_t piece_bytes)
      : formatter_(format), piece_bytes_(std::max<size_t>(piece_bytes, 1)) {}
  // Formats the rows that are not part of a long flow; any thread. The batch holds
  // just the rows to format (a compact scan); rows names their indexes in the block,
  // for the records' ids.
  void Prepare(const FlowBatch& batch, std::span<const uint32_t> rows, uint64_t file_hash,
               uint64_t block_offset);
  // True when no row of the prepared block goes through long_flows: Finish would
  // only copy the pieces, which a sink may then take directly instead.
  bool Plain(const LongFlows& long_flows) const {
    return !any_deferred_ && long_flows.open_flows() == 0;
  }
  std::span<ExportBatch> pieces() { return {pieces_.data(), used_}; }
  // In storage order: the rest through long_flows, and every line into out.
  void Finish(LongFlows& long_flows, int64_t now_ms, ExportBatch& out);
  RecordFormatter& formatter() { return formatter_; }

 private:
  // The piece the next line goes into.
  ExportBatch& Piece();

  RecordFormatter formatter_;
  const size_t piece_bytes_;
  std::vector<ExportBatch> pieces_;  // pieces_[0, used_) hold the prepared lines
  size_t used_ = 0;
  const FlowBatch* batch_ = nullptr;
  std::vector<uint32_t> rows_;
  std::vector<uint8_t> deferred_;  // per row: 1 when Finish must format it
  bool any_deferred_ = false;
  uint64_t file_hash_ = 0, block_offset_ = 0;
  FlowRecord record_;
  std::vector<FlowRecord> records_;  // Prepare()'s rows, a chunk at a time
};

}  // namespace weir
