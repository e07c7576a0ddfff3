#include "gen/parallel_output.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "base/time.h"
#include "store/block_codec.h"

namespace weir {

namespace {

// Runs make(chunk, result) for every chunk on `threads` workers, each with its own
// maker from new_maker(), and consume(result) on the calling thread in chunk order.
// At most two chunks per worker wait for their turn, which bounds memory.
template <typename Result, typename NewMaker, typename Consume>
Status ForEachChunkInOrder(uint64_t chunks, int threads, NewMaker new_maker, Consume consume) {
  if (threads < 1) threads = 1;
  const uint64_t window = static_cast<uint64_t>(threads) * 2;
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, Result> done;
  uint64_t next_chunk = 0, next_write = 0;
  bool stop = false;

  auto worker = [&] {
    auto make = new_maker();
    while (true) {
      uint64_t chunk;
      {
        std::unique_lock lock(mu);
        cv.wait(lock,
                [&] { return stop || next_chunk >= chunks || next_chunk < next_write + window; });
        if (stop || next_chunk >= chunks) return;
        chunk = next_chunk++;
      }
      Result result;
      make(chunk, result);
      std::lock_guard lock(mu);
      done.emplace(chunk, std::move(result));
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);

  Status status;
  for (uint64_t w = 0; w < chunks && status.ok(); ++w) {
    Result result;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done.count(w) > 0; });
      result = std::move(done[w]);
      done.erase(w);
      ++next_write;
      cv.notify_all();
    }
    status = consume(result);
  }
  {
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  }
  for (auto& t : pool) t.join();
  return status;
}

// One hourly file's share of a chunk, encoded as a block.
struct Part {
  uint8_t flowtype;
  uint16_t sensor;
  int64_t hour_ms;
  std::vector<std::byte> block;
  uint64_t records;
};

}  // namespace

Status GenerateToFile(const FlowGenerator& generator, FlowFileWriter& writer,
                      Compression compression, int zstd_level, int threads,
                      const std::function<void(uint64_t)>& progress) {
  using Block = std::pair<std::vector<std::byte>, uint64_t>;
  uint64_t written = 0;
  return ForEachChunkInOrder<Block>(
      generator.chunks(), threads,
      [&] {
        return [&, encoder = std::make_shared<BlockEncoder>(compression, zstd_level),
                batch = std::make_shared<FlowBatch>()](uint64_t chunk, Block& out) {
          generator.GenerateChunk(chunk, *batch);
          encoder->Encode(*batch, out.first);
          out.second = batch->size();
        };
      },
      [&](const Block& block) {
        Status s = writer.AppendEncodedBlock(block.first, block.second);
        written += block.second;
        if (progress) progress(written);
        return s;
      });
}

Status GenerateToRepository(const FlowGenerator& generator, RepositoryWriter& repository,
                            Compression compression, int zstd_level, int threads,
                            const RepositoryProgress& progress) {
  uint64_t written = 0;
  return ForEachChunkInOrder<std::vector<Part>>(
      generator.chunks(), threads,
      [&] {
        struct Maker {
          Maker(Compression c, int level) : encoder(c, level) {}
          BlockEncoder encoder;
          FlowBatch batch, part;
          std::vector<std::vector<uint32_t>> rows;  // per part, kept for their capacity
        };
        auto m = std::make_shared<Maker>(compression, zstd_level);
        return [&generator, m](uint64_t chunk, std::vector<Part>& parts) {
          generator.GenerateChunk(chunk, m->batch);
          // Rows by hourly file, in order; a chunk spans a few hours and flowtypes.
          size_t last = 0;
          for (size_t i = 0; i < m->batch.size(); ++i) {
            const int64_t hour = FloorTo(m->batch.stime_ms[i], kMillisPerHour);
            const uint8_t flowtype = m->batch.flowtype[i];
            const uint16_t sensor = m->batch.sensor[i];
            auto same = [&](const Part& p) {
              return p.hour_ms == hour && p.flowtype == flowtype && p.sensor == sensor;
            };
            if (parts.empty() || !same(parts[last])) {
              last = 0;
              while (last < parts.size() && !same(parts[last])) ++last;
              if (last == parts.size()) {
                parts.push_back({flowtype, sensor, hour, {}, 0});
                if (m->rows.size() < parts.size()) m->rows.emplace_back();
                m->rows[last].clear();
              }
            }
            m->rows[last].push_back(static_cast<uint32_t>(i));
          }
          for (size_t k = 0; k < parts.size(); ++k) {
            m->part.Clear();
            m->part.AppendRows(m->batch, m->rows[k]);
            m->encoder.Encode(m->part, parts[k].block);
            parts[k].records = m->part.size();
          }
        };
      },
      [&](const std::vector<Part>& parts) {
        for (const Part& p : parts) {
          WEIR_RETURN_IF_ERROR(repository.AppendEncodedBlock(p.flowtype, p.sensor, p.hour_ms,
                                                             p.block, p.records, kFlowFileVersion));
          written += p.records;
          if (progress) progress(p.flowtype, p.records, written);
        }
        return Status::Ok();
      });
}

}  // namespace weir
