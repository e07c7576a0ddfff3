#include "export/formatter.h"

#include <xxhash.h>

#include <algorithm>

#include "base/hash.h"

namespace weir {

uint64_t HashName(std::string_view name) { return XXH3_64bits(name.data(), name.size()); }

uint64_t RecordId(uint64_t file_hash, uint64_t block_offset, uint32_t row) {
  return Mix64(file_hash ^ Mix64(block_offset * 0x100000001b3ULL + row));
}

ColumnSet FormatColumns(const RecordFormat& format) {
  using F = FieldId;
  if (format.format == OutputFormat::kJson && format.json.schema != JsonSchema::kFields)
    return ColumnSet::All();
  ColumnSet columns = ColumnSet::Of(format.json.fields);
  // Long-flow keys and merging, Community ID.
  for (F f : {F::kSip, F::kDip, F::kSport, F::kDport, F::kProtocol, F::kVlan, F::kSensor, F::kStime,
              F::kDuration, F::kAttributes})
    columns.Add(f);
  return columns;
}

RecordFormatter::RecordFormatter(const RecordFormat& format) {
  if (format.format == OutputFormat::kCsv) {
    RecordPrinter::Options o = format.csv;
    o.format = OutputFormat::kCsv;
    csv_ = std::make_unique<RecordPrinter>(format.json.fields, o);
  } else {
    json_ = std::make_unique<JsonRecordWriter>(format.json);
  }
}

void RecordFormatter::Append(ExportBatch& out, const FlowRecord& r, uint64_t flow_id,
                             uint64_t record_id) {
  if (json_) {
    char* p = out.text.Reserve(json_->max_length());
    out.text.Commit(json_->Write(p, r, flow_id));
  } else {
    line_.clear();
    csv_->AppendRecord(line_, r);
    out.text.Append(line_);
  }
  out.Close(r.stime_ms, record_id);
}

std::string RecordFormatter::Header() const {
  std::string s;
  if (csv_) csv_->AppendHeader(s);
  return s;
}

ExportBatch& BlockFormatter::Piece() {
  if (used_ > 0 && pieces_[used_ - 1].text.size() < piece_bytes_) return pieces_[used_ - 1];
  if (used_ == pieces_.size()) pieces_.emplace_back();
  ExportBatch& piece = pieces_[used_++];
  piece.Clear();
  piece.text.ReserveTotal(piece_bytes_ + 65536);  // room for the last line too: no regrowth
  return piece;
}

void BlockFormatter::Prepare(const FlowBatch& batch, std::span<const uint32_t> rows,
                             uint64_t file_hash, uint64_t block_offset) {
  used_ = 0;
  batch_ = &batch;
  rows_.assign(rows.begin(), rows.end());
  deferred_.assign(rows.size(), 0);
  any_deferred_ = false;
  file_hash_ = file_hash;
  block_offset_ = block_offset;
  batch.ForEachChunk(records_, [&](size_t at, std::span<const FlowRecord> records) {
    formatter_.Prepare(records);
    for (size_t c = 0; c < records.size(); ++c) {
      const FlowRecord& r = records[c];
      const size_t k = at + c;
      ExportBatch& piece = Piece();
      if (r.attributes & (kAttrActiveTimeout | kAttrContinuation)) {
        deferred_[k] = 1;
        any_deferred_ = true;
        piece.Close(0, 0);  // an empty line keeps the indexes aligned
        continue;
      }
      formatter_.Append(piece, r, LongFlows::FlowId(LongFlows::FlowKey(r), r.stime_ms),
                        RecordId(file_hash, block_offset, rows[k]));
    }
  });
  formatter_.Prepare({});
}

void BlockFormatter::Finish(LongFlows& long_flows, int64_t now_ms, ExportBatch& out) {
  const bool open = long_flows.open_flows() > 0;
  uint64_t current_id = 0;
  auto emit = [&](const FlowRecord& r, uint64_t flow_id) {
    uint64_t id =
        &r == &record_ ? current_id : Mix64(flow_id ^ static_cast<uint64_t>(r.etime_ms()));
    formatter_.Append(out, r, flow_id, id);
  };
  if (!open && !any_deferred_ && out.empty() && used_ == 1) {
    std::swap(out, pieces_[0]);  // the whole block as prepared: no copy
    return;
  }
  size_t k = 0;  // the row of the block
  for (const ExportBatch& piece : pieces()) {
    size_t run_begin = 0;  // first line of the piece not yet copied
    auto copy_run = [&](size_t end) {
      if (end == run_begin) return;
      // The run's lines are contiguous: one copy, then their ends moved along.
      size_t from = run_begin == 0 ? 0 : piece.ends[run_begin - 1];
      size_t base = out.text.size();
      out.text.Append(piece.text.view().substr(from, piece.ends[end - 1] - from));
      for (size_t i = run_begin; i < end; ++i) {
        out.ends.push_back(static_cast<uint32_t>(base + piece.ends[i] - from));
        out.stimes.push_back(piece.stimes[i]);
        out.ids.push_back(piece.ids[i]);
      }
    };
    for (size_t i = 0; i < piece.size(); ++i, ++k) {
      bool through = deferred_[k] != 0;
      if (!through && open) {
        batch_->GetRow(k, record_);
        through = long_flows.Involved(record_);
      }
      if (!through) continue;
      copy_run(i);
      run_begin = i + 1;
      if (deferred_[k]) batch_->GetRow(k, record_);
      current_id = RecordId(file_hash_, block_offset_, rows_[k]);
      long_flows.Add(record_, now_ms, emit);
    }
    copy_run(piece.size());
  }
}

}  // namespace weir
