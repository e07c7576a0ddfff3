#include "detect/live.h"

#include "base/thread.h"
#include "base/time.h"

namespace weir {

namespace {
constexpr size_t kQueueBatches = 64;  // of up to 8192 records each (the collector's hand-off)
constexpr int64_t kTickMs = 100;      // how often the clock moves the watermark
}  // namespace

LiveDetector::LiveDetector(RuleSet rules, const FlowtypeNames* names, DetectorOptions options,
                           EventHandler on_event, Log log)
    : detector_(std::move(rules), names, options, std::move(on_event)), log_(std::move(log)) {
  thread_ = StartThread(
      "weir-detect", [this] { Run(); },
      [this](const std::string& failure) {
        failed_ = true;
        if (log_) log_("error: detection stopped: " + failure);
        std::lock_guard lock(mutex_);
        queue_.clear();
        room_.notify_all();
      });
}

LiveDetector::~LiveDetector() { Stop(); }

void LiveDetector::Observe(const std::vector<FlowRecord>& batch) {
  if (batch.empty() || failed_) return;
  std::unique_lock lock(mutex_);
  if (queue_.size() >= kQueueBatches) {
    ++waits_;
    room_.wait(lock, [&] { return queue_.size() < kQueueBatches || stop_ || failed_; });
  }
  if (stop_ || failed_) return;
  std::vector<FlowRecord> copy;
  if (!spare_.empty()) {
    copy = std::move(spare_.back());
    spare_.pop_back();
  }
  copy.assign(batch.begin(), batch.end());
  queue_.push_back(std::move(copy));
  ready_.notify_one();
}

void LiveDetector::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  ready_.notify_all();
  room_.notify_all();
  if (thread_.joinable()) thread_.join();
}

LiveStats LiveDetector::Stats() const {
  std::lock_guard lock(mutex_);
  return {published_, queue_.size(), waits_};
}

std::vector<OpenIncident> LiveDetector::Open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void LiveDetector::Run() {
  // The records' times drive the windows (a replay of old flows runs on its own
  // time); once no record has come for kQuietMs, the watermark moves on from the
  // newest record time at the clock's pace, so that incidents end.
  constexpr int64_t kQuietMs = 2000;
  int64_t last_tick = 0, last_batch = NowMillis(), newest = INT64_MIN;
  while (true) {
    std::vector<FlowRecord> batch;
    bool done = false;
    {
      std::unique_lock lock(mutex_);
      ready_.wait_for(lock, std::chrono::milliseconds(kTickMs),
                      [&] { return !queue_.empty() || stop_; });
      if (!queue_.empty()) {
        batch = std::move(queue_.front());
        queue_.pop_front();
        room_.notify_one();
      } else {
        done = stop_;
      }
    }
    const int64_t now = NowMillis();
    if (!batch.empty()) {
      detector_.Add(batch);
      for (const FlowRecord& r : batch) newest = std::max(newest, r.etime_ms());
      last_batch = now;
    }
    if (now - last_tick >= kTickMs && now - last_batch >= kQuietMs && newest != INT64_MIN) {
      detector_.Advance(newest + (now - last_batch));
      last_tick = now;
    }
    if (done) detector_.Finish();
    {
      std::lock_guard lock(mutex_);
      if (!batch.empty() && spare_.size() < 4) spare_.push_back(std::move(batch));
      published_ = detector_.Stats();
      open_ = detector_.Open();
    }
    if (done) return;
  }
}

}  // namespace weir
