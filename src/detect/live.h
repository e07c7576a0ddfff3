// LiveDetector: a Detector on its own thread, fed the collector's decoded record
// batches (weir collect --detect). Observe() copies a batch into a bounded queue
// and returns; when the detector falls behind by the whole queue, Observe waits
// (the collector's socket buffers take up the slack) rather than let detection
// miss records, and counts the wait. Besides the records' own times, the clock
// moves the watermark, so incidents end when traffic stops altogether.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "detect/detector.h"

namespace weir {

struct LiveStats {
  DetectorStats detector;
  uint64_t queued_batches = 0;
  uint64_t waits = 0;  // Observe calls that waited for room in the queue
};

class LiveDetector {
 public:
  using Log = std::function<void(const std::string&)>;
  // on_event runs on the detection thread.
  LiveDetector(RuleSet rules, const FlowtypeNames* names, DetectorOptions options,
               EventHandler on_event, Log log);
  ~LiveDetector();

  // Thread-safe; called by the collector with each batch before it is stored.
  void Observe(const std::vector<FlowRecord>& batch);
  // Detects what is queued, ends open incidents (end events) and stops the thread.
  void Stop();
  LiveStats Stats() const;
  std::vector<OpenIncident> Open() const;
  bool failed() const { return failed_.load(); }

 private:
  void Run();

  Detector detector_;
  Log log_;
  mutable std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<FlowRecord>> queue_;
  std::vector<std::vector<FlowRecord>> spare_;
  bool stop_ = false;
  uint64_t waits_ = 0;
  std::atomic<bool> failed_{false};
  // Published by the detection thread for Stats()/Open() from others.
  DetectorStats published_;
  std::vector<OpenIncident> open_;
  std::thread thread_;
};

}  // namespace weir
