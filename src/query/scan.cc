#include "query/scan.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "base/failpoint.h"
#include "store/flow_reader.h"

namespace weir {

namespace {

// The first exception a scan's workers hit (out of memory in a consumer's
// table, say). The worker that hits it stops the scan and carries on with the
// workers' hand-offs, so none waits for it; Scan rethrows it on the calling thread
// once every worker has ended, as a one-thread scan would have thrown it.
class WorkerFailure {
 public:
  explicit WorkerFailure(std::atomic<bool>& stop) : stop_(stop) {}
  template <typename Fn>
  void Guard(Fn&& fn) {
    try {
      fn();
    } catch (...) {
      {
        std::lock_guard lock(mutex_);
        if (!first_) first_ = std::current_exception();
      }
      stop_.store(true);
    }
  }
  void RethrowIfAny() {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::atomic<bool>& stop_;
  std::mutex mutex_;
  std::exception_ptr first_;
};

// on_error for several threads: the calls are serialised by `mutex`.
ScanErrorHandler OneAtATime(const ScanErrorHandler& on_error, std::mutex& mutex) {
  return [&on_error, &mutex](const Status& s) {
    std::lock_guard lock(mutex);
    on_error(s);
  };
}

// Opens each input in turn and reads its blocks, applying the zone-map filter.
// With a shared counter, sources on several threads claim inputs from one list.
class BlockSource {
 public:
  BlockSource(const std::vector<std::string>& inputs, const Predicate* predicate, ColumnSet columns,
              bool whole_blocks, const ScanErrorHandler& on_error, ScanStats& stats,
              std::atomic<size_t>* shared_next = nullptr)
      : inputs_(inputs),
        predicate_(predicate),
        columns_(columns),
        whole_blocks_(whole_blocks),
        on_error_(on_error),
        stats_(stats),
        next_(shared_next ? shared_next : &own_next_) {}

  // Reads the next block raw (for another thread to decode).
  bool NextRaw(RawBlock& raw) {
    while (Ready()) {
      if (reader_->NextRaw(raw)) {
        raw.input = static_cast<uint32_t>(input_);
        return true;
      }
      Finish();
    }
    return false;
  }

 private:
  // Makes sure a reader is open; false when every input is done.
  bool Ready() {
    while (!reader_) {
      input_ = next_->fetch_add(1, std::memory_order_relaxed);
      if (input_ >= inputs_.size()) return false;
      const std::string& path = inputs_[input_];
      auto reader = FlowFileReader::Open(path);
      if (!reader.ok()) {
        ++stats_.errors;
        on_error_(reader.status());
        continue;
      }
      ++stats_.files;
      reader_ = std::move(*reader);
      reader_->SetColumns(columns_);
      reader_->SetWholeBlocks(whole_blocks_);
      reader_->SetErrorHandler([this](const Status& s) {
        ++stats_.errors;
        on_error_(s);
      });
      if (predicate_ && !predicate_->is_all()) {
        reader_->SetBlockFilter([this](const BlockHeader& block) {
          stats_.records_read += block.kept_records();  // skipped blocks count as read
          if (predicate_->MayMatch(block)) {
            stats_.records_read -= block.kept_records();  // counted when decoded instead
            return true;
          }
          return false;
        });
      }
    }
    return true;
  }
  void Finish() {
    stats_.blocks_skipped += reader_->blocks_skipped();
    reader_.reset();
  }

  const std::vector<std::string>& inputs_;
  const Predicate* predicate_;
  ColumnSet columns_;
  bool whole_blocks_;
  const ScanErrorHandler& on_error_;
  ScanStats& stats_;
  std::atomic<size_t> own_next_{0};
  std::atomic<size_t>* next_;  // the next input to open
  size_t input_ = 0;           // the input being read
  std::unique_ptr<FlowFileReader> reader_;
};

// Reads, decodes, filters and consumes blocks on the calling thread. Workers that
// scan whole files side by side share `next_input` and `stop`.
ScanStats ScanOnThisThread(const std::vector<std::string>& inputs, const ScanOptions& options,
                           ColumnSet columns, const ScanConsumer& consumer,
                           const ScanErrorHandler& on_error, int worker = 0,
                           std::atomic<size_t>* next_input = nullptr,
                           std::atomic<bool>* stop = nullptr) {
  ScanStats stats;
  BlockSource source(inputs, options.predicate, columns, options.whole_blocks, on_error, stats,
                     next_input);
  BlockSelector selector(columns, options);
  RawBlock raw;
  FlowBatch batch;
  std::vector<uint32_t> rows;
  while (!(stop && stop->load(std::memory_order_relaxed)) && source.NextRaw(raw)) {
    FailPoint("scan.block");
    Result<size_t> block_rows = selector.Select(raw, batch, rows);
    if (!block_rows.ok()) {
      ++stats.errors;
      on_error(block_rows.status());
      continue;
    }
    ++stats.blocks_read;
    stats.records_read += *block_rows;
    stats.records_passed += rows.size();
    if ((options.prepare && !options.prepare(worker, batch, rows, raw)) ||
        !consumer(worker, batch, rows, raw)) {
      if (stop) stop->store(true);
      break;
    }
  }
  return stats;
}

// Unordered scans of many files: each worker reads, decodes and consumes whole
// files on its own, so no thread only reads and no block changes hands.
ScanStats ScanFilesSideBySide(const std::vector<std::string>& inputs, const ScanOptions& options,
                              ColumnSet columns, const ScanConsumer& consumer,
                              const ScanErrorHandler& on_error, int workers) {
  std::mutex error_mutex;
  ScanErrorHandler locked_error = OneAtATime(on_error, error_mutex);
  std::atomic<size_t> next_input{0};
  std::atomic<bool> stop{false};
  std::vector<ScanStats> each(static_cast<size_t>(workers));
  WorkerFailure failure(stop);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      failure.Guard([&] {
        each[static_cast<size_t>(w)] = ScanOnThisThread(inputs, options, columns, consumer,
                                                        locked_error, w, &next_input, &stop);
      });
    });
  for (auto& t : threads) t.join();
  failure.RethrowIfAny();
  ScanStats stats;
  for (const ScanStats& s : each) {
    stats.files += s.files;
    stats.records_read += s.records_read;
    stats.records_passed += s.records_passed;
    stats.blocks_read += s.blocks_read;
    stats.blocks_skipped += s.blocks_skipped;
    stats.errors += s.errors;
  }
  return stats;
}

// One reader thread (the caller's) fills a bounded queue of raw blocks; workers
// decode, filter, prepare and consume them. A block in flight lives in a slot. In
// unordered mode worker w always uses slot w and consumes its block itself. In
// ordered mode a worker takes any free slot, and after preparing its block hands
// it on: whichever worker finds the next block in input order ready consumes it,
// and the ones after it that are ready too, one worker at a time. So a worker never
// sits waiting for its turn while there is a block to decode and a slot to put it in.
ScanStats ScanThroughQueue(const std::vector<std::string>& inputs, const ScanOptions& options,
                           ColumnSet columns, const ScanConsumer& consumer,
                           const ScanErrorHandler& on_error, int workers) {
  struct Slot {
    RawBlock raw;
    uint64_t sequence = 0;
    bool ok = false;
    FlowBatch batch;
    std::vector<uint32_t> rows;
  };
  const size_t slot_count = static_cast<size_t>(ScanSlots(options));
  std::vector<Slot> slots(slot_count);
  std::mutex mutex;
  std::condition_variable changed;                  // queue, free slots or stop
  std::deque<std::pair<RawBlock, uint64_t>> queue;  // blocks and their sequence numbers
  std::vector<RawBlock> spare;  // payload buffers back from the workers, for reuse
  std::vector<int> free_slots;  // ordered mode
  for (size_t k = slot_count; k-- > 0;) free_slots.push_back(static_cast<int>(k));
  std::vector<int> ready(slot_count, -1);  // by sequence % slot_count: the slot holding it
  const size_t capacity = std::max(static_cast<size_t>(workers) * 2, slot_count);
  bool done_reading = false, draining = false;
  uint64_t next_turn = 0;  // the sequence number the consumer sees next (ordered mode)
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> records_read{0}, records_passed{0}, blocks_read{0};
  ScanStats stats;
  std::mutex error_mutex;
  ScanErrorHandler locked_error = OneAtATime(on_error, error_mutex);

  WorkerFailure failure(stop);
  auto consume = [&](int slot) {
    Slot& s = slots[static_cast<size_t>(slot)];
    if (!s.ok || stop.load(std::memory_order_relaxed)) return;
    records_passed.fetch_add(s.rows.size(), std::memory_order_relaxed);
    failure.Guard([&] {
      if (!consumer(slot, s.batch, s.rows, s.raw)) stop = true;
    });
  };
  // Under the lock: gives a slot's payload buffer back for the reader to reuse.
  auto recycle = [&](Slot& s) {
    if (spare.size() < capacity + slot_count) spare.push_back(std::move(s.raw));
  };

  auto work = [&](int worker) {
    BlockSelector selector(columns, options);
    while (true) {
      int slot = worker;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] {
          return (!queue.empty() && (!options.ordered || !free_slots.empty())) ||
                 (queue.empty() && done_reading);
        });
        if (queue.empty()) return;
        if (options.ordered) {
          slot = free_slots.back();
          free_slots.pop_back();
        }
        Slot& s = slots[static_cast<size_t>(slot)];
        s.raw = std::move(queue.front().first);
        s.sequence = queue.front().second;
        queue.pop_front();
      }
      changed.notify_all();
      Slot& s = slots[static_cast<size_t>(slot)];
      s.ok = false;
      failure.Guard([&] {
        if (!stop.load(std::memory_order_relaxed)) {
          FailPoint("scan.block");
          Result<size_t> block_rows = selector.Select(s.raw, s.batch, s.rows);
          if (!block_rows.ok()) {
            locked_error(block_rows.status());
            std::lock_guard lock(mutex);
            ++stats.errors;
          } else {
            s.ok = true;
            blocks_read.fetch_add(1, std::memory_order_relaxed);
            records_read.fetch_add(*block_rows, std::memory_order_relaxed);
          }
        }
        if (s.ok && options.prepare && !stop.load(std::memory_order_relaxed) &&
            !options.prepare(slot, s.batch, s.rows, s.raw))
          stop = true;
      });
      if (stop.load()) {
        s.ok = false;
        changed.notify_all();
      }
      if (!options.ordered) {
        consume(slot);
        std::lock_guard lock(mutex);
        recycle(s);
        if (stop.load()) changed.notify_all();
        continue;
      }
      std::unique_lock lock(mutex);
      ready[s.sequence % slot_count] = slot;
      while (!draining && ready[next_turn % slot_count] >= 0) {
        const int turn = ready[next_turn % slot_count];
        ready[next_turn % slot_count] = -1;
        draining = true;
        lock.unlock();
        consume(turn);
        lock.lock();
        draining = false;
        ++next_turn;
        recycle(slots[static_cast<size_t>(turn)]);
        free_slots.push_back(turn);
        changed.notify_all();
      }
    }
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] { failure.Guard([&] { work(w); }); });
  {
    ScanStats source_stats;
    BlockSource source(inputs, options.predicate, columns, options.whole_blocks, locked_error,
                       source_stats);
    uint64_t sequence = 0;
    RawBlock raw;
    failure.Guard([&] {  // the workers must be joined whatever the reading throws
      while (!stop.load(std::memory_order_relaxed)) {
        {
          std::lock_guard lock(mutex);
          if (!spare.empty()) {
            raw = std::move(spare.back());
            spare.pop_back();
          }
        }
        if (!source.NextRaw(raw)) break;
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return queue.size() < capacity || stop.load(); });
        if (stop.load()) break;
        queue.emplace_back(std::move(raw), sequence++);
        lock.unlock();
        changed.notify_all();
      }
    });
    {
      std::lock_guard lock(mutex);
      done_reading = true;
    }
    changed.notify_all();
    for (auto& t : threads) t.join();
    failure.RethrowIfAny();
    stats.files = source_stats.files;
    stats.blocks_skipped = source_stats.blocks_skipped;
    stats.errors += source_stats.errors;
    stats.records_read = source_stats.records_read;
  }
  stats.records_read += records_read.load();
  stats.records_passed = records_passed.load();
  stats.blocks_read = blocks_read.load();
  return stats;
}

}  // namespace

Result<size_t> BlockSelector::Select(const RawBlock& raw, FlowBatch& batch,
                                     std::vector<uint32_t>& rows) {
  if (predicate_ && !predicate_->is_all()) {
    const ColumnSet tested = predicate_->columns().With(every_row_);
    WEIR_RETURN_IF_ERROR(DecodeRawBlock(raw, tested, decoder_, batch));
    const size_t block_rows = batch.size();
    predicate_->Select(batch, scratch_, rows, &raw.header);
    const ColumnSet columns = columns_.With(tested);
    WEIR_RETURN_IF_ERROR(
        (compact_ ? decoder_.DecodeCompact(raw.header, raw.payload, columns, rows, batch)
                  : decoder_.DecodeRows(raw.header, raw.payload, columns, rows, batch))
            .WithPrefix(raw.where));
    return block_rows;
  }
  WEIR_RETURN_IF_ERROR(DecodeRawBlock(raw, columns_, decoder_, batch));
  const size_t block_rows = batch.size();
  if (predicate_) {
    predicate_->Select(batch, scratch_, rows, &raw.header);
    if (compact_ && rows.size() < batch.size())
      WEIR_RETURN_IF_ERROR(decoder_.DecodeCompact(raw.header, raw.payload, columns_, rows, batch)
                               .WithPrefix(raw.where));
    return block_rows;
  }
  rows.resize(batch.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
  return block_rows;
}

int ScanSlots(const ScanOptions& options) {
  int workers = ScanWorkers(options.threads);
  return options.ordered ? workers * std::max(options.lookahead, 1) : workers;
}

int ScanWorkers(int threads) {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 16u));
}

ScanStats Scan(const std::vector<std::string>& inputs, const ScanOptions& options,
               const ScanConsumer& consumer, const ScanErrorHandler& on_error) {
  ColumnSet columns = options.columns.With(options.every_row);
  if (options.predicate) columns = columns.With(options.predicate->columns());
  int workers = ScanWorkers(options.threads);
  if (workers <= 1) return ScanOnThisThread(inputs, options, columns, consumer, on_error);
  // Enough files to keep every worker busy: a file per worker at a time.
  if (!options.ordered && inputs.size() >= 4 * static_cast<size_t>(workers))
    return ScanFilesSideBySide(inputs, options, columns, consumer, on_error, workers);

  return ScanThroughQueue(inputs, options, columns, consumer, on_error, workers);
}

}  // namespace weir
