#include "meter/meter.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "net/host_port.h"
#include "store/repository_writer.h"
#include "wire/packet/packet.h"

namespace weir {

std::string ExportTarget::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port) + (tcp ? "/tcp" : "/udp");
}

Result<ExportTarget> ExportTarget::Parse(std::string_view text) {
  auto parsed = ParseHostPort(text);
  if (!parsed.ok()) return parsed.status();
  if (parsed->port == 0) return Status::Invalid("'" + std::string(text) + "': expected HOST:PORT");
  ExportTarget t;
  t.host = parsed->host.empty() ? "127.0.0.1" : parsed->host;
  t.port = parsed->port;
  return t;
}

namespace {

// Meters a capture file at `speed` times its own pace: a packet is taken when
// as much wall time has passed since the first as capture time, divided by speed.
// A gap of more than a minute of capture time (merged captures, a clock that
// jumps) starts the pace afresh instead of sleeping through it.
class ReplayClock {
 public:
  explicit ReplayClock(double speed) : speed_(speed) {}
  void Wait(int64_t capture_us) {
    constexpr int64_t kMaxGapUs = 60'000'000;
    const auto now = std::chrono::steady_clock::now();
    if (!started_ || capture_us < last_us_ || capture_us - last_us_ > kMaxGapUs) {
      started_ = true;
      origin_us_ = capture_us;
      origin_ = now;
    }
    last_us_ = capture_us;
    const auto due = origin_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double, std::micro>(
                                       static_cast<double>(capture_us - origin_us_) / speed_));
    if (due - now > std::chrono::microseconds(200)) std::this_thread::sleep_until(due);
  }

 private:
  double speed_;
  bool started_ = false;
  int64_t origin_us_ = 0, last_us_ = 0;
  std::chrono::steady_clock::time_point origin_;
};

// Paces a sender to `rate` messages a second (0: no limit), in bursts of at most
// kBurst: enough to keep up with a busy meter, little enough for a collector's
// socket buffer to absorb while its reader is descheduled.
class Pace {
 public:
  explicit Pace(double rate) : rate_(rate) {}
  void Wait() {
    if (rate_ <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    tokens_ =
        std::min(kBurst, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
    if (tokens_ < 1) {
      std::this_thread::sleep_for(std::chrono::duration<double>((1 - tokens_) / rate_));
      tokens_ = 1;
      last_ = std::chrono::steady_clock::now();
    }
    tokens_ -= 1;
  }

 private:
  static constexpr double kBurst = 32;
  double rate_;
  double tokens_ = kBurst;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// One export destination: an encoder (its own sequence numbers and templates), a
// socket and a pace. A TCP connection that breaks is retried once a second; its
// flows meanwhile wait in a bounded buffer and go out, after the templates, when
// it is back. Only the messages in flight when it broke are lost (counted as
// errors), and flows beyond the buffer (counted as dropped).
class ExportSink {
 public:
  ExportSink(ExportTarget target, EncoderOptions options, const MeterOptions& meter,
             std::function<void(const std::string&)> log)
      : target_(std::move(target)),
        encoder_([&] {
          options.stream = target_.tcp;
          return options;
        }()),
        pace_(meter.export_rate),
        buffer_limit_(meter.export_buffer_flows),
        log_(std::move(log)) {}
  ~ExportSink() {
    if (fd_ >= 0) close(fd_);
  }

  Status Connect() {
    addrinfo hints{};
    hints.ai_socktype = target_.tcp ? SOCK_STREAM : SOCK_DGRAM;
    addrinfo* list = nullptr;
    std::string port = std::to_string(target_.port);
    if (int rc = getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &list); rc != 0)
      return Status::Invalid("export " + target_.ToString() + ": " + gai_strerror(rc));
    int err = 0;
    for (addrinfo* a = list; a; a = a->ai_next) {
      int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        err = errno;
        continue;
      }
      if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        break;
      }
      err = errno;
      close(fd);
    }
    freeaddrinfo(list);
    if (fd_ < 0) return Status::IoError("export " + target_.ToString() + ": " + ErrnoMessage(err));
    encoder_.ForceTemplates();
    return Status::Ok();
  }

  void Send(const ExpiredFlows& flows, int64_t now_ms, int64_t wall_ms) {
    if (target_.tcp && !Connected(wall_ms)) return Hold(flows);
    if (!held_.records.empty()) SendHeld(now_ms);
    Deliver(flows.records, flows.reasons, now_ms);
  }

  // At the end: gives a TCP destination that is down up to wait_ms to come back
  // for the flows it holds; what it does not take counts as dropped.
  void Finish(int64_t now_ms, int64_t wait_ms) {
    if (held_.records.empty()) return;
    const int64_t deadline = NowMillis() + wait_ms;
    while (!Connected(NowMillis()) && NowMillis() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (fd_ >= 0) return SendHeld(now_ms);
    dropped_ += held_.records.size();
    Log("export " + target_.ToString() + ": still down; " + std::to_string(held_.records.size()) +
        " held flows were not sent");
    held_.clear();
  }

  MeterStats::Export Counters() const {
    return {target_.ToString(),
            encoder_.messages(),
            encoder_.records(),
            encoder_.skipped(),
            errors_,
            held_.records.size(),
            dropped_};
  }

 private:
  void Log(const std::string& line) {
    if (log_) log_(line);
  }

  // Whether the TCP connection is up, after a reconnection attempt if one is due.
  bool Connected(int64_t wall_ms) {
    if (fd_ >= 0) return true;
    if (wall_ms - last_attempt_ms_ < 1000) return false;
    last_attempt_ms_ = wall_ms;
    if (!Connect().ok()) return false;
    Log("export " + target_.ToString() + ": connected again" +
        (held_.records.empty()
             ? std::string()
             : "; sending " + std::to_string(held_.records.size()) + " held flows"));
    return true;
  }

  void Hold(const ExpiredFlows& flows) { Hold(flows.records, flows.reasons); }
  void Hold(std::span<const FlowRecord> records, std::span<const uint8_t> reasons) {
    const size_t room = buffer_limit_ - std::min(buffer_limit_, held_.records.size());
    const size_t take = std::min(room, records.size());
    held_.records.insert(held_.records.end(), records.begin(), records.begin() + take);
    if (reasons.size() == records.size())
      held_.reasons.insert(held_.reasons.end(), reasons.begin(), reasons.begin() + take);
    else
      held_.reasons.resize(held_.records.size(), 0);
    if (take < records.size()) {
      if (dropped_ == 0)
        Log("export " + target_.ToString() + ": the buffer of " + std::to_string(buffer_limit_) +
            " flows is full; dropping flows until the destination is back");
      dropped_ += records.size() - take;
    }
  }

  void SendHeld(int64_t now_ms) {
    ExpiredFlows held = std::move(held_);
    held_.clear();
    Deliver(held.records, held.reasons, now_ms);
  }

  // Over TCP the flows go out in slices, so that when the connection breaks only
  // the slice in flight is lost and the rest is held.
  void Deliver(std::span<const FlowRecord> records, std::span<const uint8_t> reasons,
               int64_t now_ms) {
    constexpr size_t kSlice = 64;  // two or three messages
    const size_t slice = target_.tcp ? kSlice : records.size();
    const bool with_reasons = reasons.size() == records.size();
    for (size_t at = 0; at < records.size(); at += slice) {
      const size_t n = std::min(slice, records.size() - at);
      auto part = records.subspan(at, n);
      auto part_reasons = with_reasons ? reasons.subspan(at, n) : std::span<const uint8_t>();
      if (target_.tcp && fd_ < 0) {
        Hold(records.subspan(at), with_reasons ? reasons.subspan(at) : part_reasons);
        return;
      }
      messages_.clear();
      encoder_.Encode(part, part_reasons, now_ms, messages_);
      for (const auto& m : messages_) {
        pace_.Wait();
        if (fd_ < 0 || !SendAll(m)) ++errors_;
      }
    }
  }

  bool SendAll(const std::vector<std::byte>& m) {
    size_t at = 0;
    while (at < m.size()) {
      ssize_t n = send(fd_, m.data() + at, m.size() - at, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // UDP: an ICMP unreachable from the last datagram; the socket stays usable.
        if (target_.tcp) {
          Log("export " + target_.ToString() + ": " + ErrnoMessage(errno) +
              "; holding flows until it is back");
          close(fd_);
          fd_ = -1;
        }
        return false;
      }
      if (!target_.tcp) return true;
      at += static_cast<size_t>(n);
    }
    return true;
  }

  ExportTarget target_;
  FlowEncoder encoder_;
  Pace pace_;
  size_t buffer_limit_;
  std::function<void(const std::string&)> log_;
  int fd_ = -1;
  int64_t last_attempt_ms_ = 0;
  uint64_t errors_ = 0;
  uint64_t dropped_ = 0;
  ExpiredFlows held_;
  std::vector<std::vector<std::byte>> messages_;
};

// The ports of first fragments, for the later fragments of the same datagram
// (IPv4 and IPv6 alike). Bounded; entries older than a minute are dropped.
class FragmentPorts {
 public:
  struct Ports {
    uint16_t sport, dport;
    int64_t time_ms;
  };
  void Remember(const PacketInfo& p, int64_t now_ms) {
    if (map_.size() >= kMax) Prune(now_ms);
    if (map_.size() >= kMax) return;
    map_[Key(p)] = {p.sport, p.dport, now_ms};
  }
  const Ports* Find(const PacketInfo& p) const {
    auto it = map_.find(Key(p));
    return it == map_.end() ? nullptr : &it->second;
  }

 private:
  static constexpr size_t kMax = 65536;
  static uint64_t Key(const PacketInfo& p) {
    uint64_t h = p.sip.low64() * 0x9e3779b97f4a7c15ULL ^ p.sip.high64();
    h = (h ^ p.dip.low64()) * 0xc2b2ae3d27d4eb4fULL ^ p.dip.high64();
    return (h ^ (uint64_t{p.fragment_id} << 8 | p.protocol)) * 0x9e3779b97f4a7c15ULL;
  }
  void Prune(int64_t now_ms) {
    std::erase_if(map_, [&](const auto& kv) { return now_ms - kv.second.time_ms > 60'000; });
  }
  std::unordered_map<uint64_t, Ports> map_;
};

// Exponentially weighted averages over 1 and 5 minutes, updated once a second.
struct RateAverages {
  double value[2] = {};
  bool primed = false;
  void Update(double per_second) {
    if (!primed) {
      value[0] = value[1] = per_second;
      primed = true;
      return;
    }
    static const double kDecay[2] = {std::exp(-1.0 / 60), std::exp(-1.0 / 300)};
    for (int i = 0; i < 2; ++i) value[i] = value[i] * kDecay[i] + per_second * (1 - kDecay[i]);
  }
};

}  // namespace

class Meter::Impl {
 public:
  explicit Impl(MeterOptions options) : options_(std::move(options)), cache_(options_.cache) {
    options_.encoder.sampling = options_.sampling;
  }

  Status Open() {
    for (const ExportTarget& t : options_.exports) {
      auto sink = std::make_unique<ExportSink>(t, options_.encoder, options_,
                                               [this](const std::string& line) { Log(line); });
      if (Status s = sink->Connect(); !s.ok()) return s;
      exports_.push_back(std::move(sink));
    }
    if (!options_.root.empty()) {
      if (!options_.site || !options_.sensors ||
          options_.probe >= options_.sensors->probes().size())
        return Status::Invalid("a repository needs a site and a sensor configuration");
      const SiteConfig* site = options_.site;
      repository_ = std::make_unique<RepositoryWriter>(
          options_.root,
          [site](uint8_t flowtype, uint16_t sensor, int64_t hour) {
            return site->FilePath(flowtype, sensor, hour);
          },
          options_.writer);
    }
    if (!options_.output_path.empty()) {
      auto w = FlowFileWriter::Create(options_.output_path, options_.writer);
      if (!w.ok()) return w.status();
      file_ = std::move(*w);
    }
    return Status::Ok();
  }

  Status Run(PacketSource& source, std::atomic<bool>& stop, std::atomic<bool>& report) {
    started_ms_ = NowMillis();
    if (!source.live() && options_.replay_speed > 0)
      replay_ = std::make_unique<ReplayClock>(options_.replay_speed);
    int64_t last_second = started_ms_, last_flush = started_ms_, last_stats = started_ms_;
    uint64_t packets_at_second = 0, bytes_at_second = 0;
    auto on_packet = [this](const CapturedPacket& p) { OnPacket(p); };
    while (!stop.load(std::memory_order_relaxed) && error_.ok()) {
      // Paced, a batch takes as long as the capture did: small ones keep the
      // once-a-second work (statistics, flushes) on time.
      int64_t n = source.Dispatch(replay_ ? 64 : 4096, 100, on_packet);
      const int64_t wall = NowMillis();
      if (source.live()) clock_ms_ = std::max(clock_ms_, wall);
      if (clock_ms_ - last_expire_ms_ >= 1000 || expired_.size() >= kDeliverAt) {
        cache_.Expire(clock_ms_, expired_);
        last_expire_ms_ = clock_ms_;
        Deliver(wall);
      }
      if (wall - last_second >= 1000) {
        double seconds = static_cast<double>(wall - last_second) / 1000;
        packet_rate_.Update(static_cast<double>(stats_.packets - packets_at_second) / seconds);
        bit_rate_.Update(static_cast<double>(stats_.bytes - bytes_at_second) * 8 / seconds);
        packets_at_second = stats_.packets;
        bytes_at_second = stats_.bytes;
        last_second = wall;
        sources_ = source.Counters();
        if (options_.progress) options_.progress(Snapshot(wall));
        if (!options_.status_path.empty())
          (void)WriteFileAtomically(options_.status_path, FormatStats(Snapshot(wall)));
      }
      for (const std::string& w : source.TakeWarnings()) Log("warning: " + w);
      if (wall - last_flush >= options_.flush_ms) {
        Deliver(wall);
        FlushStorage(false);
        last_flush = wall;
      }
      if (report.exchange(false) ||
          (options_.stats_interval_ms > 0 && wall - last_stats >= options_.stats_interval_ms)) {
        sources_ = source.Counters();
        Log(FormatStats(Snapshot(wall)));
        last_stats = wall;
      }
      if (n < 0) break;
    }
    for (const std::string& w : source.TakeWarnings()) Log("warning: " + w);
    cache_.Flush(expired_);
    const int64_t wall = NowMillis();
    Deliver(wall);
    for (auto& e : exports_) e->Finish(clock_ms_, options_.export_wait_ms);
    FlushStorage(true);
    if (repository_ && error_.ok()) error_ = repository_->Close();
    if (file_ && error_.ok()) error_ = file_->Close();
    sources_ = source.Counters();
    if (!options_.status_path.empty())
      (void)WriteFileAtomically(options_.status_path, FormatStats(Snapshot(wall)));
    return error_;
  }

  MeterStats Snapshot(int64_t wall) const {
    MeterStats s = stats_;
    s.started_ms = started_ms_;
    s.now_ms = wall;
    for (int i = 0; i < 2; ++i) {
      s.packets_per_s[i] = packet_rate_.value[i];
      s.bits_per_s[i] = bit_rate_.value[i];
    }
    s.active_flows = cache_.active();
    s.peak_flows = cache_.peak();
    s.slots = cache_.slots();
    s.flows_created = cache_.created();
    s.early_expired = cache_.early_expired();
    for (const auto& e : exports_) s.exports.push_back(e->Counters());
    s.sources = sources_;
    return s;
  }

 private:
  static constexpr size_t kDeliverAt = 4096;

  void Log(const std::string& line) {
    if (options_.log) options_.log(line);
  }

  void OnPacket(const CapturedPacket& p) {
    ++stats_.frames;
    if (replay_) {
      replay_->Wait(p.time_us);
      // Paced, a batch of packets spans seconds: flows end as the capture's clock
      // passes, not when the batch is done.
      if (clock_ms_ - last_expire_ms_ >= 1000) {
        cache_.Expire(clock_ms_, expired_);
        last_expire_ms_ = clock_ms_;
        Deliver(NowMillis());
      }
    }
    const int64_t time_ms = p.time_us / 1000;
    clock_ms_ = std::max(clock_ms_, time_ms);
    if (options_.sampling > 1 && sample_counter_++ % options_.sampling != 0) {
      ++stats_.sampled_out;
      return;
    }
    if (!DecodePacket(p.link_type, p.frame, packet_)) {
      ++(p.frame.size() < p.wire_length ? stats_.truncated : stats_.non_ip);
      return;
    }
    if (packet_.fragment) {
      ++stats_.fragments;
      if (packet_.fragment_offset == 0) {
        if (packet_.has_ports) fragments_.Remember(packet_, time_ms);
      } else if (const auto* ports = fragments_.Find(packet_)) {
        packet_.sport = ports->sport;
        packet_.dport = ports->dport;
      } else {
        ++stats_.orphan_fragments;
      }
    }
    uint32_t bytes = packet_.ip_length ? packet_.ip_length : p.wire_length;
    ++stats_.packets;
    stats_.bytes += bytes;
    cache_.Add(packet_, bytes, time_ms, p.interface, expired_);
    if (expired_.size() >= kDeliverAt) Deliver(NowMillis());
  }

  void Deliver(int64_t wall) {
    if (expired_.size() == 0) return;
    stats_.flows_ended += expired_.size();
    for (auto& e : exports_) e->Send(expired_, clock_ms_, wall);
    if ((repository_ || file_) && error_.ok()) Store();
    expired_.clear();
  }

  void Store() {
    std::vector<FlowRecord>& records = expired_.records;
    if (options_.sampling > 1) {
      for (FlowRecord& r : records) {
        r.sampling = options_.sampling;
        r.packets *= options_.sampling;
        r.bytes *= options_.sampling;
      }
    }
    if (file_) {
      for (const FlowRecord& r : records) {
        if (Status s = file_->Append(r); !s.ok()) return Fail(s);
      }
      stats_.stored += records.size();
    }
    if (repository_) {
      classified_.clear();
      const ProbeConfig& probe = options_.sensors->probes()[options_.probe];
      for (const FlowRecord& metered : records) {
        FlowRecord r = metered;
        probe.ApplyInterfaceValues(r);
        targets_.clear();
        options_.sensors->Classify(options_.probe, r, options_.classify, targets_);
        for (const auto& [sensor, flowtype] : targets_) {
          FlowRecord& c = classified_.emplace_back(r);
          c.sensor = sensor;
          c.flowtype = flowtype;
        }
      }
      if (Status s = repository_->AppendRecords(classified_); !s.ok()) return Fail(s);
      stats_.stored += classified_.size();
    }
  }

  void FlushStorage(bool sync) {
    if (!error_.ok()) return;
    if (repository_) {
      if (Status s = repository_->Flush(sync); !s.ok()) return Fail(s);
    }
    if (file_) {
      if (Status s = file_->Flush(sync); !s.ok()) return Fail(s);
    }
  }

  void Fail(const Status& s) {
    if (error_.ok()) error_ = s;
  }

  MeterOptions options_;
  FlowCache cache_;
  ExpiredFlows expired_;
  PacketInfo packet_;
  FragmentPorts fragments_;
  std::vector<std::unique_ptr<ExportSink>> exports_;
  std::unique_ptr<ReplayClock> replay_;  // files metered at a pace
  std::unique_ptr<RepositoryWriter> repository_;
  std::unique_ptr<FlowFileWriter> file_;
  std::vector<FlowRecord> classified_;
  std::vector<std::pair<uint16_t, uint8_t>> targets_;
  MeterStats stats_;
  std::vector<SourceCounters> sources_;
  RateAverages packet_rate_, bit_rate_;
  uint64_t sample_counter_ = 0;
  int64_t clock_ms_ = 0;  // the packets' clock (wall clock too when live)
  int64_t last_expire_ms_ = 0;
  int64_t started_ms_ = 0;
  Status error_;
};

Meter::Meter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Meter::~Meter() = default;

Result<std::unique_ptr<Meter>> Meter::Create(MeterOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (Status s = impl->Open(); !s.ok()) return s;
  return std::unique_ptr<Meter>(new Meter(std::move(impl)));
}

Status Meter::Run(PacketSource& source, std::atomic<bool>& stop, std::atomic<bool>& report) {
  return impl_->Run(source, stop, report);
}

MeterStats Meter::Stats() const { return impl_->Snapshot(NowMillis()); }

std::string Meter::FormatStats(const MeterStats& s) {
  auto rate = [](double v) {
    const char* units[] = {"", "K", "M", "G", "T"};
    int u = 0;
    while (v >= 1000 && u < 4) v /= 1000, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
    return std::string(buf);
  };
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "running %.1f s\n",
                static_cast<double>(s.now_ms - s.started_ms) / 1000);
  out += line;
  std::snprintf(line, sizeof line,
                "traffic: %llu packets, %llu bytes; %s pkt/s, %s bit/s (1 min); %s pkt/s, %s bit/s "
                "(5 min)\n",
                static_cast<unsigned long long>(s.packets),
                static_cast<unsigned long long>(s.bytes), rate(s.packets_per_s[0]).c_str(),
                rate(s.bits_per_s[0]).c_str(), rate(s.packets_per_s[1]).c_str(),
                rate(s.bits_per_s[1]).c_str());
  out += line;
  std::snprintf(line, sizeof line,
                "flows: %zu active (peak %zu), hash table %zu slots, load %.2f; %llu created, "
                "%llu ended, %llu ended early (max-flows), %llu stored\n",
                s.active_flows, s.peak_flows, s.slots,
                s.slots ? static_cast<double>(s.active_flows) / static_cast<double>(s.slots) : 0.0,
                static_cast<unsigned long long>(s.flows_created),
                static_cast<unsigned long long>(s.flows_ended),
                static_cast<unsigned long long>(s.early_expired),
                static_cast<unsigned long long>(s.stored));
  out += line;
  std::snprintf(
      line, sizeof line,
      "decode: %llu frames, %llu not IP, %llu truncated, %llu fragments (%llu without "
      "their first), %llu sampled out\n",
      static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.non_ip),
      static_cast<unsigned long long>(s.truncated), static_cast<unsigned long long>(s.fragments),
      static_cast<unsigned long long>(s.orphan_fragments),
      static_cast<unsigned long long>(s.sampled_out));
  out += line;
  for (const auto& e : s.exports) {
    std::snprintf(
        line, sizeof line,
        "export %s: %llu messages, %llu records, %llu errors, %llu not carried\n", e.target.c_str(),
        static_cast<unsigned long long>(e.messages), static_cast<unsigned long long>(e.records),
        static_cast<unsigned long long>(e.errors), static_cast<unsigned long long>(e.skipped));
    out += line;
    if (e.buffered > 0 || e.dropped > 0) {
      std::snprintf(line, sizeof line, "export %s: %llu flows held while down, %llu dropped\n",
                    e.target.c_str(), static_cast<unsigned long long>(e.buffered),
                    static_cast<unsigned long long>(e.dropped));
      out += line;
    }
  }
  for (const auto& c : s.sources) {
    std::snprintf(line, sizeof line,
                  "capture %s: %llu packets, %llu dropped, %llu dropped by the interface%s%s\n",
                  c.name.c_str(), static_cast<unsigned long long>(c.packets),
                  static_cast<unsigned long long>(c.dropped),
                  static_cast<unsigned long long>(c.if_dropped), c.error.empty() ? "" : "; ",
                  c.error.c_str());
    out += line;
  }
  return out;
}

}  // namespace weir
