#include "query/scan.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "store/flow_reader.h"

namespace weir {

namespace {

ColumnSet Union(ColumnSet a, ColumnSet b) {
  for (int id = 1; id <= kMaxFieldId; ++id)
    if (b.Has(static_cast<FieldId>(id))) a.Add(static_cast<FieldId>(id));
  return a;
}

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
  BlockDecoder decoder;
  RawBlock raw;
  FlowBatch batch;
  Predicate::Scratch scratch;
  std::vector<uint32_t> rows;
  while (!(stop && stop->load(std::memory_order_relaxed)) && source.NextRaw(raw)) {
    if (Status s = DecodeRawBlock(raw, columns, decoder, batch); !s.ok()) {
      ++stats.errors;
      on_error(s);
      continue;
    }
    ++stats.blocks_read;
    stats.records_read += batch.size();
    if (options.predicate) {
      options.predicate->Select(batch, scratch, rows, &raw.header);
    } else {
      rows.resize(batch.size());
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
    }
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
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      each[static_cast<size_t>(w)] =
          ScanOnThisThread(inputs, options, columns, consumer, locked_error, w, &next_input, &stop);
    });
  for (auto& t : threads) t.join();
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

}  // namespace

int ScanWorkers(int threads) {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 16u));
}

ScanStats Scan(const std::vector<std::string>& inputs, const ScanOptions& options,
               const ScanConsumer& consumer, const ScanErrorHandler& on_error) {
  ColumnSet columns = options.columns;
  if (options.predicate) columns = Union(columns, options.predicate->columns());
  int workers = ScanWorkers(options.threads);
  if (workers <= 1) return ScanOnThisThread(inputs, options, columns, consumer, on_error);
  // Enough files to keep every worker busy: a file per worker at a time.
  if (!options.ordered && inputs.size() >= 4 * static_cast<size_t>(workers))
    return ScanFilesSideBySide(inputs, options, columns, consumer, on_error, workers);

  // The reader thread (this one) fills a bounded queue of raw blocks; workers
  // decode, filter and consume them. Sequence numbers keep ordered mode in order.
  std::mutex mutex;
  std::condition_variable queue_changed, turn_changed;
  struct Item {
    RawBlock raw;
    uint64_t sequence;
  };
  std::deque<Item> queue;
  std::vector<RawBlock> spare;  // payload buffers back from the workers, for reuse
  const size_t capacity = static_cast<size_t>(workers) * 2;
  bool done_reading = false;
  std::atomic<bool> stop{false};
  uint64_t next_turn = 0;
  std::atomic<uint64_t> records_read{0}, records_passed{0}, blocks_read{0};
  ScanStats stats;
  std::mutex error_mutex;
  ScanErrorHandler locked_error = OneAtATime(on_error, error_mutex);

  auto work = [&](int worker) {
    BlockDecoder decoder;
    FlowBatch batch;
    Predicate::Scratch scratch;
    std::vector<uint32_t> rows;
    while (true) {
      std::optional<Item> item;
      {
        std::unique_lock lock(mutex);
        queue_changed.wait(lock, [&] { return !queue.empty() || done_reading; });
        if (queue.empty()) return;
        item.emplace(std::move(queue.front()));
        queue.pop_front();
      }
      queue_changed.notify_all();
      bool ok = true;
      if (!stop.load(std::memory_order_relaxed)) {
        Status s = DecodeRawBlock(item->raw, columns, decoder, batch);
        if (!s.ok()) {
          locked_error(s);
          std::lock_guard lock(mutex);
          ++stats.errors;
          ok = false;
        }
      }
      if (ok && !stop.load(std::memory_order_relaxed)) {
        blocks_read.fetch_add(1, std::memory_order_relaxed);
        records_read.fetch_add(batch.size(), std::memory_order_relaxed);
        if (options.predicate) {
          options.predicate->Select(batch, scratch, rows, &item->raw.header);
        } else {
          rows.resize(batch.size());
          for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
        }
      }
      if (ok && options.prepare && !stop.load(std::memory_order_relaxed) &&
          !options.prepare(worker, batch, rows, item->raw)) {
        stop = true;
        queue_changed.notify_all();
      }
      if (options.ordered) {
        std::unique_lock lock(mutex);
        turn_changed.wait(lock, [&] { return next_turn == item->sequence; });
      }
      if (ok && !stop.load(std::memory_order_relaxed)) {
        records_passed.fetch_add(rows.size(), std::memory_order_relaxed);
        if (!consumer(worker, batch, rows, item->raw)) {
          stop = true;
          queue_changed.notify_all();
        }
      }
      {
        std::lock_guard lock(mutex);
        if (options.ordered) ++next_turn;
        if (spare.size() < capacity + static_cast<size_t>(workers))
          spare.push_back(std::move(item->raw));
      }
      if (options.ordered) turn_changed.notify_all();
    }
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) threads.emplace_back(work, w);
  {
    ScanStats source_stats;
    BlockSource source(inputs, options.predicate, columns, options.whole_blocks, locked_error,
                       source_stats);
    uint64_t sequence = 0;
    RawBlock raw;
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
      queue_changed.wait(lock, [&] { return queue.size() < capacity || stop.load(); });
      if (stop.load()) break;
      queue.push_back({std::move(raw), sequence++});
      lock.unlock();
      queue_changed.notify_all();
    }
    {
      std::lock_guard lock(mutex);
      done_reading = true;
    }
    queue_changed.notify_all();
    for (auto& t : threads) t.join();
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

}  // namespace weir
