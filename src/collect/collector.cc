#include "collect/collector.h"

#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <map>

#include "base/failpoint.h"
#include "base/file.h"
#include "base/thread.h"
#include "base/time.h"
#include "collect/socket.h"
#include "store/repository_writer.h"

namespace weir {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr size_t kQueueBatches = 256;  // datagram batches between receivers and decoder
constexpr size_t kRecordBatch = 8192;  // records per hand-off from decoder to writer
constexpr size_t kRecordQueue = 16;    // record batches between decoder and writer
constexpr int64_t kHandoffMs = 50;     // the longest records wait in the decoder
constexpr int64_t kStatusEveryMs = 1000;
// Hand-offs wake their consumer only once this many batches wait, or after its nap
// (BoundedQueue): a few wake-ups per millisecond at most, whatever the rate.
constexpr size_t kQueueWakeAt = 8;
constexpr size_t kRecordWakeAt = 2;
constexpr int kNapMs = 1;

}  // namespace

// Counters the worker keeps per probe.
struct WorkCounters {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> stored{0};
  std::atomic<uint64_t> discarded{0};
};

class Collector::Impl {
 public:
  Impl(const SiteConfig& site, const SensorConfig& sensors, CollectorOptions options)
      : site_(site),
        sensors_(sensors),
        options_(std::move(options)),
        queue_(kQueueBatches, kQueueWakeAt, kNapMs),
        receive_(sensors.probes().size()),
        work_(sensors.probes().size()),
        writer_(
            options_.root,
            [this](uint8_t flowtype, uint16_t sensor, int64_t hour) {
              return site_.FilePath(flowtype, sensor, hour);
            },
            options_.writer) {}

  Status Open() {
    // Probes on the same protocol, port and host share one socket.
    for (size_t i = 0; i < sensors_.probes().size(); ++i) {
      const ProbeConfig& p = sensors_.probes()[i];
      ListenSocket* socket = nullptr;
      for (auto& s : sockets_)
        if (s.tcp == p.tcp && s.port == p.port && s.host == p.listen_host) socket = &s;
      if (!socket) {
        sockets_.push_back({});
        socket = &sockets_.back();
        socket->tcp = p.tcp;
        socket->port = p.port;
        socket->host = p.listen_host;
      }
      socket->probes.push_back({static_cast<uint16_t>(i), p.accept_from});
    }
    for (auto& s : sockets_) {
      Status st = OpenSocket(s, options_.socket_buffer_bytes);
      if (!st.ok()) return st.WithPrefix("probe " + sensors_.probes()[s.probes[0].probe].name);
    }
    return Status::Ok();
  }

  void StartThreads() {
    started_ms_ = NowMs();
    // A thread that fails reports it in one line and stops the collector, which
    // flushes what it holds and exits non-zero (Join returns the failure).
    auto failed = [this](const std::string& failure) { ThreadFailed(failure); };
    decoder_ = StartThread(
        "weir-decode", [this] { Decode(); }, failed);
    writer_thread_ = StartThread(
        "weir-write", [this] { Write(); }, failed);
    for (auto& s : sockets_) {
      receivers_.push_back(StartThread(
          s.tcp ? "weir-tcp" : "weir-udp",
          [this, &s, failed] {
            if (s.tcp)
              AcceptTcp(s, queue_, receive_, stop_, failed);
            else
              ReceiveUdp(s, queue_, receive_, stop_);
          },
          failed));
    }
  }

  void Stop() { stop_.store(true); }

  Status Join() {
    stop_.store(true);
    for (auto& t : receivers_)
      if (t.joinable()) t.join();
    receivers_.clear();
    queue_.Close();
    if (decoder_.joinable()) decoder_.join();
    if (writer_thread_.joinable()) writer_thread_.join();
    for (auto& s : sockets_)
      if (s.fd >= 0) close(s.fd), s.fd = -1;
    std::lock_guard lock(error_mu_);
    return error_;
  }

  CollectorSnapshot Snapshot() const {
    CollectorSnapshot s;
    s.started_ms = started_ms_;
    s.now_ms = NowMs();
    for (size_t i = 0; i < sensors_.probes().size(); ++i) {
      const ProbeConfig& p = sensors_.probes()[i];
      ProbeCounters c;
      c.name = p.name;
      c.listen = std::string(p.tcp ? "tcp/" : "udp/") + std::to_string(BoundPort(i));
      c.datagrams = receive_[i].datagrams.load();
      c.bytes = receive_[i].bytes.load();
      c.rejected = receive_[i].rejected.load();
      c.socket_drops = receive_[i].socket_drops.load();
      c.records = work_[i].records.load();
      c.stored = work_[i].stored.load();
      c.discarded = work_[i].discarded.load();
      s.stored += c.stored;
      s.probes.push_back(std::move(c));
    }
    std::lock_guard lock(published_mu_);
    s.exporters = published_exporters_;
    s.files_opened = published_files_;
    s.bytes_written = published_bytes_;
    return s;
  }

  uint16_t BoundPort(size_t probe) const {
    for (const auto& s : sockets_)
      for (const auto& p : s.probes)
        if (p.probe == probe) return s.port;
    return 0;
  }

  bool failed() const { return failed_.load(); }

 private:
  struct ExporterKey {
    IpAddress address;
    uint16_t probe;
    auto operator<=>(const ExporterKey&) const = default;
  };

  void Log(const std::string& line) {
    if (options_.log) options_.log(line);
  }

  void ThreadFailed(const std::string& failure) {
    Log("error: " + failure + "; flushing and stopping");
    Fail(Status::Internal(failure));
  }

  void Fail(const Status& s) {
    {
      std::lock_guard lock(error_mu_);
      if (error_.ok()) error_ = s;
    }
    failed_.store(true);
    stop_.store(true);
  }

  // Decoder: datagrams to classified records, handed to the writer in batches.
  // Should it fail (out of memory), the records of the datagrams it finished are
  // still handed to the writer, and the writer is told the stream ended.
  void Decode() {
    std::unique_ptr<std::vector<FlowRecord>> out;
    size_t complete = 0;  // records of out whose datagram was fully decoded and classified
    try {
      Decode(out, complete);
    } catch (...) {
      ThreadFailed("thread weir-decode failed: " + DescribeException(std::current_exception()));
      try {
        if (out && complete > 0) {
          out->resize(complete);
          records_queue_.Push(std::move(out));
        }
      } catch (...) {
        Log("error: the records of the last " + std::to_string(complete) +
            " decoded flows could not be handed to the writer");
      }
    }
    records_queue_.Close();
  }

  void Decode(std::unique_ptr<std::vector<FlowRecord>>& out, size_t& complete) {
    std::vector<FlowRecord> extra;  // copies for second and later sensors of a probe
    std::vector<std::pair<uint16_t, uint8_t>> targets;
    out = TakeRecordBatch();
    int64_t last_handoff = NowMs(), last_publish = 0, last_expire = NowMs();
    auto hand_off = [&] {
      if (!out->empty()) records_queue_.Push(std::exchange(out, TakeRecordBatch()));
      complete = 0;
      last_handoff = NowMs();
    };
    while (true) {
      auto batch = queue_.Pop(50);
      if (!batch && queue_.closed_and_empty()) break;
      if (batch && !failed_.load()) {
        FailPoint("collect.decode");
        const int64_t now = NowMs();
        for (const auto& item : batch->items) {
          auto key = ExporterKey{item.source, item.probe};
          auto it = exporters_.find(key);
          if (it == exporters_.end()) {
            it = exporters_.emplace(key, Exporter(item.source, options_.limits)).first;
            Log("new exporter " + item.source.ToString() + " on probe " +
                sensors_.probes()[item.probe].name);
          }
          // Records are decoded straight into the hand-off batch and classified in
          // place; discarded ones are squeezed out, extra sensors appended.
          const size_t first = out->size();
          it->second.Decode({batch->bytes.data() + item.offset, item.length}, now, *out);
          const ProbeConfig& probe = sensors_.probes()[item.probe];
          WorkCounters& counters = work_[item.probe];
          counters.records.fetch_add(out->size() - first, std::memory_order_relaxed);
          uint64_t stored = 0, discarded = 0;
          size_t keep = first;
          extra.clear();
          for (size_t i = first; i < out->size(); ++i) {
            FlowRecord& r = (*out)[i];
            probe.ApplyInterfaceValues(r);
            targets.clear();
            sensors_.Classify(item.probe, r, options_.classify, targets);
            if (targets.empty()) {
              ++discarded;
              continue;
            }
            r.sensor = targets[0].first;
            r.flowtype = targets[0].second;
            for (size_t t = 1; t < targets.size(); ++t) {
              extra.push_back(r);
              extra.back().sensor = targets[t].first;
              extra.back().flowtype = targets[t].second;
            }
            if (keep != i) (*out)[keep] = r;
            ++keep;
          }
          out->resize(keep);
          out->insert(out->end(), extra.begin(), extra.end());
          stored = keep - first + extra.size();
          counters.stored.fetch_add(stored, std::memory_order_relaxed);
          counters.discarded.fetch_add(discarded, std::memory_order_relaxed);
          complete = out->size();
        }
        if (out->size() >= kRecordBatch) hand_off();
      }
      if (batch) queue_.GiveBack(std::move(batch));
      const int64_t now = NowMs();
      if (now - last_handoff >= kHandoffMs) hand_off();
      if (now - last_expire >= options_.flush_ms) {
        for (auto& [key, e] : exporters_) e.Expire(now);
        last_expire = now;
      }
      if (now - last_publish >= kStatusEveryMs / 2) {
        PublishExporters();
        last_publish = now;
      }
    }
    hand_off();
    PublishExporters();
  }

  // Writer: classified records into the repository, flushed every interval. It
  // stores what reaches it even after another thread failed, so a stop loses
  // nothing already decoded. Should it fail itself (out of memory), it closes the
  // files, which writes what they hold, and drains the queue so the decoder ends.
  void Write() {
    std::unique_ptr<std::vector<FlowRecord>> batch;  // the one being stored
    try {
      WriteLoop(batch);
    } catch (...) {
      ThreadFailed("thread weir-write failed: " + DescribeException(std::current_exception()));
      write_failed_ = true;
      try {
        (void)writer_.Close();
      } catch (...) {
        Log("error: closing the repository's files failed too");
      }
      // The batch being stored when it failed may be partly in the files: it
      // counts as lost whole (the files never hold more than was counted).
      uint64_t lost = batch ? batch->size() : 0;
      while (true) {
        auto batch = records_queue_.Pop(100);
        if (!batch && records_queue_.closed_and_empty()) break;
        if (batch) lost += batch->size();
      }
      if (lost > 0) Log("error: " + std::to_string(lost) + " decoded records were not stored");
    }
  }

  void WriteLoop(std::unique_ptr<std::vector<FlowRecord>>& batch) {
    int64_t last_flush = NowMs(), last_status = 0, last_stats = NowMs();
    bool dirty = false;
    CollectorSnapshot previous_stats = Snapshot();
    while (true) {
      batch = records_queue_.Pop(100);
      if (!batch && records_queue_.closed_and_empty()) break;
      if (batch && options_.observe) options_.observe(*batch);
      if (batch && !write_failed_) {
        FailPoint("collect.write");
        Status s = writer_.AppendRecords(*batch);
        if (!s.ok()) {
          Log("error: " + s.message() + "; stopping");
          write_failed_ = true;
          Fail(s);
        }
        dirty = true;
      }
      if (batch) records_queue_.GiveBack(std::move(batch));
      const int64_t now = NowMs();
      if (now - last_flush >= options_.flush_ms) {
        if (dirty && !write_failed_) {
          Status s = writer_.Flush(false);
          if (!s.ok()) {
            Log("error: " + s.message() + "; stopping");
            write_failed_ = true;
            Fail(s);
          }
        }
        dirty = false;
        last_flush = now;
      }
      if (now - last_status >= kStatusEveryMs) {
        PublishFiles();
        if (!options_.status_path.empty())
          (void)WriteFileAtomically(options_.status_path, FormatStatus(Snapshot(), nullptr));
        last_status = now;
      }
      if (options_.stats_interval_ms > 0 && now - last_stats >= options_.stats_interval_ms) {
        CollectorSnapshot snap = Snapshot();
        LogStats(snap, previous_stats);
        previous_stats = std::move(snap);
        last_stats = now;
      }
    }
    Status s = writer_.Close();
    if (!s.ok()) Fail(s);
    PublishFiles();
    if (!options_.status_path.empty())
      (void)WriteFileAtomically(options_.status_path, FormatStatus(Snapshot(), nullptr));
  }

  // Record batches go back and forth between decoder and writer, so their memory
  // is allocated once.
  std::unique_ptr<std::vector<FlowRecord>> TakeRecordBatch() {
    auto b = records_queue_.TakeSpare();
    if (b) {
      b->clear();
      return b;
    }
    b = std::make_unique<std::vector<FlowRecord>>();
    b->reserve(kRecordBatch + 64 * 30);
    return b;
  }

  // Copies what the status needs from the decoder's and the writer's own state.
  void PublishExporters() {
    std::vector<ExporterStatus> list;
    list.reserve(exporters_.size());
    for (const auto& [key, e] : exporters_) {
      ExporterStatus st;
      st.address = key.address.ToString();
      st.probe = sensors_.probes()[key.probe].name;
      st.version = e.last_version();
      st.templates = e.template_count();
      st.counters = e.counters();
      st.interface_names = e.interface_names();
      st.interface_counters = e.interface_counters();
      list.push_back(std::move(st));
    }
    std::lock_guard lock(published_mu_);
    published_exporters_ = std::move(list);
  }
  void PublishFiles() {
    std::lock_guard lock(published_mu_);
    published_files_ = writer_.files_opened();
    published_bytes_ = writer_.bytes_written();
  }

  // One line per interval, plus per-exporter lines for what each probe's log-flags ask.
  void LogStats(const CollectorSnapshot& now, const CollectorSnapshot& before) {
    double seconds = std::max<int64_t>(1, now.now_ms - before.now_ms) / 1000.0;
    char line[256];
    std::snprintf(line, sizeof line, "stored %" PRIu64 " records in the last %.0f s (%.0f/s)",
                  now.stored - before.stored, seconds, (now.stored - before.stored) / seconds);
    Log(line);
    std::map<std::string, const ExporterStatus*> old;
    for (const auto& e : before.exporters) old[e.address + "/" + e.probe] = &e;
    for (const auto& e : now.exporters) {
      const ProbeConfig* probe = nullptr;
      for (const auto& p : sensors_.probes())
        if (p.name == e.probe) probe = &p;
      if (!probe) continue;
      auto it = old.find(e.address + "/" + e.probe);
      ExporterCounters zero;
      const ExporterCounters& b = it == old.end() ? zero : it->second->counters;
      const ExporterCounters& c = e.counters;
      std::string detail;
      auto add = [&](uint32_t flag, const char* name, uint64_t delta) {
        if ((probe->log_flags & flag) && delta > 0)
          detail += std::string(detail.empty() ? "" : ", ") + name + " " + std::to_string(delta);
      };
      add(kLogBad, "malformed", c.malformed - b.malformed);
      add(kLogBad, "no-template", c.no_template - b.no_template);
      add(kLogMissing, "lost records", c.lost_records - b.lost_records);
      add(kLogMissing, "lost datagrams", c.lost_datagrams - b.lost_datagrams);
      add(kLogShowTemplates, "templates", c.templates - b.templates);
      add(kLogSampling, "options records", c.options_records - b.options_records);
      if (!detail.empty()) Log("exporter " + e.address + " (" + e.probe + "): " + detail);
    }
  }

  const SiteConfig& site_;
  const SensorConfig& sensors_;
  CollectorOptions options_;
  BatchQueue queue_;
  std::vector<ListenSocket> sockets_;
  std::vector<ReceiveCounters> receive_;
  std::vector<WorkCounters> work_;
  RepositoryWriter writer_;
  std::map<ExporterKey, Exporter> exporters_;  // decoder only
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  bool write_failed_ = false;  // writer thread only
  std::thread decoder_, writer_thread_;
  BoundedQueue<std::vector<FlowRecord>> records_queue_{kRecordQueue, kRecordWakeAt, kNapMs};
  std::vector<std::thread> receivers_;
  int64_t started_ms_ = 0;
  mutable std::mutex published_mu_;
  std::vector<ExporterStatus> published_exporters_;
  uint64_t published_files_ = 0;
  uint64_t published_bytes_ = 0;
  std::mutex error_mu_;
  Status error_;
};

Collector::Collector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Collector::~Collector() {
  if (impl_) (void)impl_->Join();
}

Result<std::unique_ptr<Collector>> Collector::Start(const SiteConfig& site,
                                                    const SensorConfig& sensors,
                                                    CollectorOptions options) {
  if (options.root.empty()) return Status::Invalid("no repository root directory");
  WEIR_RETURN_IF_ERROR(MakeDirectories(options.root));
  auto impl = std::make_unique<Impl>(site, sensors, std::move(options));
  WEIR_RETURN_IF_ERROR(impl->Open());
  impl->StartThreads();
  return std::unique_ptr<Collector>(new Collector(std::move(impl)));
}

void Collector::Stop() { impl_->Stop(); }
Status Collector::Wait() { return impl_->Join(); }
CollectorSnapshot Collector::Snapshot() const { return impl_->Snapshot(); }
uint16_t Collector::BoundPort(size_t probe) const { return impl_->BoundPort(probe); }
bool Collector::failed() const { return impl_->failed(); }

}  // namespace weir
