#include "export/exporter.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "base/hash.h"
#include "base/time.h"
#include "export/cursor.h"
#include "query/scan.h"

namespace weir {

namespace {

// The file part of a RawBlock's "FILE: block N at offset X".
std::string_view FileOfWhere(std::string_view where) {
  size_t at = where.rfind(": block ");
  return at == std::string_view::npos ? where : where.substr(0, at);
}

bool SleepUnlessStopped(int64_t ms, const std::atomic<bool>* stop) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (stop && stop->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 50)));
  }
  return !(stop && stop->load());
}

// Emits records that LongFlows gives back outside any block (expired or flushed).
LongFlows::Emit EmitInto(RecordFormatter& formatter, ExportBatch& batch) {
  return [&formatter, &batch](const FlowRecord& r, uint64_t flow_id) {
    formatter.Append(batch, r, flow_id, Mix64(flow_id ^ static_cast<uint64_t>(r.etime_ms())));
  };
}

Status RunOnce(const ExportOptions& options, Sink& sink, ExportStats& stats,
               const std::function<void(const std::string&)>& on_message) {
  ScanOptions scan;
  scan.columns = FormatColumns(options.format);
  scan.predicate = options.predicate;
  scan.threads = options.threads;
  scan.ordered = true;
  scan.compact = true;  // BlockFormatter formats whole batches
  // Block sizes vary a lot (hourly files); with a block of lookahead a worker
  // formats the next one instead of waiting for a slow neighbour's turn.
  scan.lookahead = 2;
  std::vector<std::unique_ptr<BlockFormatter>> formatters;
  for (int slot = 0; slot < ScanSlots(scan); ++slot)
    formatters.push_back(std::make_unique<BlockFormatter>(options.format, options.batch_bytes));
  LongFlows long_flows(options.long_flows);
  ExportBatch batch;
  Status failure;
  auto deliver = [&](ExportBatch& b) -> bool {
    if (b.empty()) return true;
    failure = sink.Deliver(b);
    stats.records_exported += b.size();
    ++stats.batches;
    b.Clear();
    if (failure.ok()) failure = sink.AfterCommit();  // a file sink rotates here
    if (options.on_progress) options.on_progress(stats.records_exported);
    return failure.ok();
  };
  scan.prepare = [&](int slot, const FlowBatch& b, std::span<const uint32_t> rows,
                     const RawBlock& raw) {
    formatters[static_cast<size_t>(slot)]->Prepare(b, rows, HashName(FileOfWhere(raw.where)),
                                                   raw.offset);
    return true;
  };
  ScanStats scanned = Scan(
      options.inputs, scan,
      [&](int slot, const FlowBatch&, std::span<const uint32_t>, const RawBlock&) {
        BlockFormatter& block = *formatters[static_cast<size_t>(slot)];
        size_t prepared = 0;
        for (const ExportBatch& piece : block.pieces()) prepared += piece.text.size();
        if (block.Plain(long_flows) && batch.empty() && 2 * prepared >= options.batch_bytes) {
          // The prepared pieces go to the sink as they are, without a copy. Small
          // blocks (a repository's hourly files hold a few records each) are
          // gathered into one batch instead: a request per block would be a
          // request per few records (5,000 flows in 240 files: 240 _bulk calls).
          for (ExportBatch& piece : block.pieces())
            if (!deliver(piece)) return false;
        } else {
          block.Finish(long_flows, NowMillis(), batch);
          if (batch.text.size() >= options.batch_bytes && !deliver(batch)) return false;
        }
        return !(options.stop && options.stop->load());
      },
      [&](const Status& s) { on_message(s.message()); });
  stats.records_read += scanned.records_read;
  stats.errors += scanned.errors;
  if (!failure.ok()) return failure;
  long_flows.Flush(EmitInto(formatters[0]->formatter(), batch));
  deliver(batch);
  return failure;
}

class Follower {
 public:
  // How blocks are read: the filter's rows only, in a dense batch (BlockFormatter
  // formats whole batches).
  static ScanOptions Selection(const ExportOptions& options) {
    ScanOptions scan;
    scan.predicate = options.predicate;
    scan.compact = true;
    return scan;
  }

  Follower(const ExportOptions& options, Sink& sink, ExportStats& stats,
           const std::function<void(const std::string&)>& on_message)
      : options_(options),
        sink_(sink),
        stats_(stats),
        on_message_(on_message),
        tail_(options.root, options.selection),
        formatter_(options.format),
        columns_(FormatColumns(options.format)),
        long_flows_(options.long_flows),
        selector_(columns_, Selection(options)) {}

  Status Run() {
    auto cursor = ExportCursor::Open(options_.cursor_path);
    if (!cursor.ok()) return cursor.status();
    cursor_ = std::move(*cursor);
    WEIR_RETURN_IF_ERROR(Begin());
    // Said once the cursor is durable: what is stored from here on will be exported.
    on_message_("following " + options_.root + " from " +
                (cursor_->created() ? options_.start + " (new cursor " : "cursor (") +
                options_.cursor_path + ")");
    long_flows_.Restore(cursor_->long_flows());
    std::map<std::string, std::string> settings;
    for (const char* key : {"output_path", "output_size"})
      if (auto v = cursor_->Setting(key)) settings[key] = *v;
    WEIR_RETURN_IF_ERROR(sink_.Resume(settings));

    const int64_t started = NowMillis();
    std::vector<PendingFile> pending;
    std::vector<std::string> gone;
    while (!Stopped()) {
      WEIR_RETURN_IF_ERROR(tail_.Poll(*cursor_, pending, gone));
      for (const std::string& file : gone) forget_.push_back(file);
      for (const PendingFile& file : pending) {
        WEIR_RETURN_IF_ERROR(ReadFile(file));
        if (Stopped()) break;
      }
      long_flows_.Expire(NowMillis(), EmitInto(formatter_, batch_));
      WEIR_RETURN_IF_ERROR(Flush());
      if (options_.duration_ms && NowMillis() - started >= options_.duration_ms) break;
      if (!SleepUnlessStopped(options_.poll_ms, options_.stop)) break;
    }
    return Flush();
  }

 private:
  bool Stopped() const { return options_.stop && options_.stop->load(); }

  Status Begin() {
    return StartCursor(*cursor_, options_.root, options_.selection, options_.start);
  }

  Status ReadFile(const PendingFile& file) {
    uint64_t file_hash = HashName(file.path);
    Status failure;
    auto done = tail_.Read(
        file,
        [&](RawBlock& raw, uint64_t end) {
          Result<size_t> block_rows = selector_.Select(raw, flows_, rows_);
          if (!block_rows.ok()) {
            on_message_(block_rows.status().message());
            ++stats_.errors;
          } else {
            stats_.records_read += *block_rows;
            BlockFormatter& block = Block();
            block.Prepare(flows_, rows_, file_hash, raw.offset);
            block.Finish(long_flows_, NowMillis(), batch_);
          }
          offsets_[file.path] = end;
          if (batch_.text.size() >= options_.batch_bytes) failure = Flush();
          return failure.ok() && !Stopped();
        },
        [&](const Status& s) {
          on_message_(s.message());
          ++stats_.errors;
        });
    if (!failure.ok()) return failure;
    if (!done.ok()) {
      // A file removed or replaced meanwhile: report, and look again next poll.
      on_message_(done.status().message());
      ++stats_.errors;
      return Status::Ok();
    }
    if (*done > file.offset) offsets_[file.path] = *done;
    return Status::Ok();
  }

  BlockFormatter& Block() {
    if (!block_) block_ = std::make_unique<BlockFormatter>(options_.format, options_.batch_bytes);
    return *block_;
  }

  // Delivers the batch (retrying while the sink is down), then commits.
  Status Flush() {
    const bool long_flows_changed = long_flows_.TakeChanged();
    if (batch_.empty() && offsets_.empty() && forget_.empty() && !long_flows_changed)
      return Status::Ok();
    if (!batch_.empty()) {
      double backoff_s = 1;
      while (true) {
        Status s = sink_.Deliver(batch_);
        if (s.ok()) break;
        if (!options_.retry_forever || Stopped()) return s;
        on_message_(s.message() + " (retrying in " + std::to_string(static_cast<int>(backoff_s)) +
                    " s; the cursor waits)");
        if (!SleepUnlessStopped(static_cast<int64_t>(backoff_s * 1000), options_.stop)) return s;
        backoff_s = std::min(backoff_s * 2, 60.0);
      }
      stats_.records_exported += batch_.size();
      ++stats_.batches;
    }
    ExportCursor::Update update;
    update.offsets = std::move(offsets_);
    update.forget = std::move(forget_);
    update.settings = sink_.CommitState();
    std::vector<LongFlows::Entry> entries;
    if (long_flows_changed) {
      entries = long_flows_.Entries();
      update.long_flows = &entries;
    }
    WEIR_RETURN_IF_ERROR(cursor_->Commit(update));
    offsets_.clear();
    forget_.clear();
    batch_.Clear();
    auto before = sink_.CommitState();
    WEIR_RETURN_IF_ERROR(sink_.AfterCommit());
    if (auto after = sink_.CommitState(); after != before) {
      ExportCursor::Update rotated;
      rotated.settings = after;
      WEIR_RETURN_IF_ERROR(cursor_->Commit(rotated));
    }
    return Status::Ok();
  }

  const ExportOptions& options_;
  Sink& sink_;
  ExportStats& stats_;
  const std::function<void(const std::string&)>& on_message_;
  RepositoryTail tail_;
  RecordFormatter formatter_;
  const ColumnSet columns_;  // what formatting reads
  LongFlows long_flows_;
  std::unique_ptr<ExportCursor> cursor_;
  std::unique_ptr<BlockFormatter> block_;
  BlockSelector selector_;
  FlowBatch flows_;
  std::vector<uint32_t> rows_;
  ExportBatch batch_;
  std::map<std::string, uint64_t> offsets_;
  std::vector<std::string> forget_;
};

}  // namespace

Status RunExport(const ExportOptions& options, Sink& sink, ExportStats& stats,
                 const std::function<void(const std::string&)>& on_message) {
  if (!options.follow) return RunOnce(options, sink, stats, on_message);
  Follower follower(options, sink, stats, on_message);
  return follower.Run();
}

}  // namespace weir
