// Scan: reads flow files and streams, skips blocks by zone map, decodes only the
// columns asked for, applies a Predicate, and hands each block's passing rows to a
// consumer, on several threads.
//
// One thread reads and verifies blocks in input order; workers decode and filter
// them. An unordered scan of many files (at least 4 per worker) has each worker
// read whole files itself instead. In unordered mode the consumer runs on the workers concurrently
// (each call names its worker, so consumers keep per-worker state and merge at the end); in ordered
// mode calls come one at a time in input order. Every tool (filter, cut, stats, uniq, count, sort),
// the web UI and Python scan through here.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/predicate.h"
#include "store/flow_batch.h"
#include "store/flow_reader.h"

namespace weir {

struct ScanOptions {
  ColumnSet columns;                     // columns the consumer reads
  const Predicate* predicate = nullptr;  // null: every record passes
  int threads = 0;                       // workers; 0: one per core
  bool ordered = false;                  // deliver blocks in input order
  bool whole_blocks = false;             // keep RawBlocks complete (for copying them whole)
  // Ordered mode: called on the worker with the decoded block before its turn,
  // concurrently with other workers, so that per-block work (formatting) runs in
  // parallel while the consumer still sees blocks in order. The same worker then
  // calls the consumer with the same batch. Returning false stops the scan.
  std::function<bool(int worker, const FlowBatch& batch, std::span<const uint32_t> rows,
                     const RawBlock& raw)>
      prepare;
  // Ordered mode: blocks each worker may have decoded (and prepared) ahead of the
  // consumer, so that a worker goes on with the next block instead of waiting for
  // its turn. Callbacks then name a slot in 0 .. ScanSlots()-1 instead of a worker:
  // prepare and the consumer of a block get the same slot, possibly on different
  // threads, and no two calls with one slot overlap.
  int lookahead = 1;
  // The batch prepare and the consumer get holds only the passing rows, in order
  // (row k is the block's row rows[k]): a consumer that reads every column of a few
  // rows then touches those rows' memory only. rows keeps naming the rows' indexes
  // in the block (for ids); the batch is indexed 0 .. rows.size()-1.
  bool compact = false;
  // Columns the consumer reads at every row of a block, not only at the passing
  // ones (totals over all records, the rows that fail): decoded whole, as the
  // predicate's own columns are. The others hold values at the passing rows only.
  ColumnSet every_row;
};

struct ScanStats {
  uint64_t files = 0;
  uint64_t records_read = 0;    // including the records of blocks skipped by zone map
  uint64_t records_passed = 0;  // rows handed to the consumer
  uint64_t blocks_read = 0;
  uint64_t blocks_skipped = 0;  // ruled out by zone maps, never decompressed
  uint64_t errors = 0;          // unreadable files and damaged blocks
};

// Called with the worker's index (0 .. workers-1), a decoded block, the indexes of
// its passing rows, and the block as stored (for copying it whole, unchanged, when
// every row passes). Returning false stops the scan early.
using ScanConsumer = std::function<bool(int worker, const FlowBatch& batch,
                                        std::span<const uint32_t> rows, const RawBlock& raw)>;
// Receives each error (an unreadable file, a damaged block); never concurrently.
using ScanErrorHandler = std::function<void(const Status&)>;

// Number of workers Scan uses for `threads`.
int ScanWorkers(int threads);
// The range of the index Scan passes to prepare and the consumer: the workers, or
// in ordered mode with lookahead, workers x lookahead slots.
int ScanSlots(const ScanOptions& options);

// Decodes blocks and selects their rows as Scan does, by options' predicate (every
// row passes when it is null), every_row and compact. The predicate's columns and
// those of every_row are decoded for every row, the other columns only at the rows
// that pass: their other rows hold unspecified values (BlockDecoder::DecodeRows).
// With compact, the batch holds the passing rows only, in order
// (BlockDecoder::DecodeCompact), and rows still names their indexes in the block.
// One per thread: it keeps the decoder's and the predicate's working memory.
class BlockSelector {
 public:
  // columns: what the consumer reads; blocks are read with at least these.
  BlockSelector(ColumnSet columns, const ScanOptions& options)
      : columns_(columns),
        predicate_(options.predicate),
        every_row_(options.every_row),
        compact_(options.compact) {}
  // Decodes raw into batch and the indexes of its passing rows into rows; returns
  // the block's row count.
  Result<size_t> Select(const RawBlock& raw, FlowBatch& batch, std::vector<uint32_t>& rows);

 private:
  const ColumnSet columns_;
  const Predicate* const predicate_;
  const ColumnSet every_row_;
  const bool compact_;
  BlockDecoder decoder_;
  Predicate::Scratch scratch_;
};

// Scans inputs (paths; "-" is standard input) in order. Errors are reported and
// counted, and the scan goes on with the next block or file.
ScanStats Scan(const std::vector<std::string>& inputs, const ScanOptions& options,
               const ScanConsumer& consumer, const ScanErrorHandler& on_error);

}  // namespace weir
