#include "gen/parallel_output.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "store/block_codec.h"

namespace weir {

Status GenerateToFile(const FlowGenerator& generator, FlowFileWriter& writer,
                      Compression compression, int zstd_level, int threads,
                      const std::function<void(uint64_t)>& progress) {
  const uint64_t chunks = generator.chunks();
  if (threads < 1) threads = 1;
  const uint64_t window = static_cast<uint64_t>(threads) * 2;  // bounds memory
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, std::pair<std::vector<std::byte>, uint64_t>> done;
  uint64_t next_chunk = 0, next_write = 0;
  bool stop = false;

  auto worker = [&] {
    BlockEncoder encoder(compression, zstd_level);
    FlowBatch batch;
    while (true) {
      uint64_t chunk;
      {
        std::unique_lock lock(mu);
        cv.wait(lock,
                [&] { return stop || next_chunk >= chunks || next_chunk < next_write + window; });
        if (stop || next_chunk >= chunks) return;
        chunk = next_chunk++;
      }
      generator.GenerateChunk(chunk, batch);
      std::vector<std::byte> bytes;
      encoder.Encode(batch, bytes);
      std::lock_guard lock(mu);
      done.emplace(chunk, std::make_pair(std::move(bytes), batch.size()));
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);

  Status status;
  uint64_t written = 0;
  for (uint64_t w = 0; w < chunks && status.ok(); ++w) {
    std::pair<std::vector<std::byte>, uint64_t> block;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done.count(w) > 0; });
      block = std::move(done[w]);
      done.erase(w);
      ++next_write;
      cv.notify_all();
    }
    status = writer.AppendEncodedBlock(block.first, block.second);
    written += block.second;
    if (progress) progress(written);
  }
  {
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  }
  for (auto& t : pool) t.join();
  return status;
}

}  // namespace weir
