#include "detect/detector.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "base/flat_index.h"
#include "base/hash.h"
#include "base/time.h"
#include "detect/sketch.h"
#include "record/text.h"

namespace weir {

namespace {

constexpr int64_t kNoWindow = std::numeric_limits<int64_t>::min();
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr int64_t kHourMs = 3600'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct KeyHash {
  size_t operator()(const IpAddress& a) const {
    return static_cast<size_t>(Mix64(a.high64() * 0x9E3779B97F4A7C15ull ^ a.low64()));
  }
};

// One key of one rule: 64 bytes, plus 16 of key and the index entry, plus 64 of
// sketch for rules that count distinct values (doc/detect.md, "State and eviction").
struct KeyState {
  int64_t window = kNoWindow;  // the current window's index (end time / window)
  double value = 0;            // its running sum (out_in_ratio: outgoing bytes)
  double in_value = 0;         // out_in_ratio: incoming bytes
  int64_t quiet_until = 0;     // no new incident before this (cooldown, whitelist)
  float limit = 0;             // the current window's limit, in window units
  float previous = 0;          // the sum of the window before the current one (0: none)
  float mean = 0, var = 0;     // the baseline, of values over the time-of-day factor
  uint32_t learned = 0;        // windows seen (saturating)
  int32_t incident = -1;
  uint16_t above = 0;   // consecutive windows over the limit
  uint16_t below = 0;   // consecutive windows under the clearing level
  bool listed = false;  // in the sweep list
};

static_assert(sizeof(KeyState) <= 64, "a key's state is one cache line");

struct Incident {
  std::string id, key_text;
  size_t rule = 0;
  uint32_t slot = 0;
  IpPrefix address;
  bool has_address = false;
  int64_t start_ms = 0, last_update_ms = 0;
  double value = 0, limit = 0, peak = 0;     // window units
  double bytes = 0, packets = 0, flows = 0;  // the current window's
  double bps = 0, pps = 0, fps = 0;          // the last closed window's
  ReportBuilder report;
};

// The rules that key records alike (scope, direction, hosts, prefix lengths, key
// field) share one key table: a record's key is looked up once for all of them,
// and a key's states sit side by side (slot x width + position).
struct Group {
  const Rule* first = nullptr;   // the group's keying is this rule's
  std::vector<size_t> rules;     // RuleState indexes
  std::vector<size_t> sketched;  // those that count distinct values
  size_t max_keys = 0;           // the smallest of its rules'
  FlatIndex<IpAddress, KeyHash> index;
  std::vector<IpAddress> keys;
  std::vector<uint8_t> used;
  std::vector<KeyState> states;
  std::vector<uint32_t> free;
};

struct RuleState {
  const Rule* rule = nullptr;
  size_t group = 0, position = 0;
  int64_t window = 1000;
  double unit = 1;   // a rate threshold (per second) times unit is a window sum
  double alpha = 0;  // the baseline's weight of one window
  bool sketch = false;
  std::vector<DistinctSketch> sketches;  // by slot, when the rule counts distinct values
  std::vector<uint32_t> listed;          // keys over the limit or in an incident
  int64_t swept = kNoWindow;             // the window sweeps have closed up to
  // The time-of-day profile: the whole rule's value per hour of the day.
  std::array<double, 24> level{}, sum{};
  std::array<bool, 24> known{};
  int64_t hour = kNoWindow;
};

}  // namespace

class Detector::Impl {
 public:
  Impl(RuleSet rules, const FlowtypeNames* names, DetectorOptions options, EventHandler on_event)
      : rules_(std::move(rules)), names_(names), options_(options), emit_(std::move(on_event)) {
    for (const Rule& rule : rules_.rules) {
      RuleState rs;
      rs.rule = &rule;
      rs.window = rule.window_ms;
      rs.unit = IsRate(rule.metric) ? static_cast<double>(rule.window_ms) / 1000 : 1;
      rs.alpha = 1 - std::exp2(-static_cast<double>(rule.window_ms) /
                               static_cast<double>(rule.baseline.half_life_ms));
      rs.sketch =
          rule.metric == Metric::kSources || rule.metric == Metric::kDports || rule.min_sources > 0;
      rs.group = groups_.size();
      for (size_t g = 0; g < groups_.size(); ++g)
        if (SameKeying(*groups_[g].first, rule) && groups_[g].rules.size() < 64) rs.group = g;
      if (rs.group == groups_.size()) {
        groups_.emplace_back();
        groups_.back().first = &rule;
        groups_.back().max_keys = rule.max_keys;
      }
      Group& g = groups_[rs.group];
      rs.position = g.rules.size();
      g.rules.push_back(states_.size());
      if (rs.sketch) g.sketched.push_back(states_.size());
      g.max_keys = std::min(g.max_keys, rule.max_keys);
      states_.push_back(std::move(rs));
    }
    recent_.resize(options_.recent_records);
  }

  // Records go in chunks: the keys of a chunk's records are found and their index
  // entries prefetched first, so the table's cache misses overlap; then each group
  // counts the chunk's records in order.
  void Add(std::span<const FlowRecord> records) {
    constexpr size_t kChunk = 64;
    int64_t newest = watermark_;
    for (size_t begin = 0; begin < records.size(); begin += kChunk) {
      const std::span<const FlowRecord> chunk =
          records.subspan(begin, std::min(kChunk, records.size() - begin));
      int64_t chunk_newest[kChunk];
      for (size_t i = 0; i < chunk.size(); ++i) {
        const FlowRecord& r = chunk[i];
        ++stats_.records;
        if (!recent_.empty()) {
          recent_[recent_next_] = r;
          recent_next_ = (recent_next_ + 1) % recent_.size();
          recent_count_ = std::min(recent_count_ + 1, recent_.size());
        }
        newest = std::max(newest, r.etime_ms());
        chunk_newest[i] = newest;
      }
      for (size_t g = 0; g < groups_.size(); ++g) {
        Group& group = groups_[g];
        Pending pending[kChunk];
        for (size_t i = 0; i < chunk.size(); ++i) {
          Pending& p = pending[i];
          for (size_t k = 0; k < group.rules.size(); ++k)
            if (RuleCounts(*states_[group.rules[k]].rule, chunk[i])) p.counting |= uint64_t{1} << k;
          if (!p.counting) continue;
          p.keys = RuleKeys(*group.first, chunk[i], p.key, p.incoming);
          for (int k = 0; k < p.keys; ++k) group.index.Prefetch(p.key[k]);
        }
        // Then the states of the keys already tracked.
        const size_t width = group.rules.size();
        for (size_t i = 0; i < chunk.size(); ++i)
          for (int k = 0; k < pending[i].keys; ++k) {
            const uint32_t slot = group.index.Find(pending[i].key[k]);
            if (slot == FlatIndex<IpAddress, KeyHash>::kMissing) continue;
            __builtin_prefetch(&group.states[slot * width]);
            for (size_t rule : group.sketched)
              if (slot < states_[rule].sketches.size())
                __builtin_prefetch(&states_[rule].sketches[slot]);
          }
        for (size_t i = 0; i < chunk.size(); ++i) {
          if (!pending[i].counting) continue;
          now_ = chunk_newest[i];
          unseen_ = chunk.size() - 1 - i;  // the newest ring records this group has not counted
          AddRecord(g, pending[i], chunk[i]);
        }
      }
      unseen_ = 0;
    }
    Advance(newest);
  }

  void Advance(int64_t watermark) {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    for (size_t i = 0; i < states_.size(); ++i) {
      RuleState& rs = states_[i];
      RollHour(rs, FloorDiv(watermark, kHourMs));
      const int64_t closed = FloorDiv(watermark - options_.lateness_ms, rs.window);
      if (closed <= rs.swept) continue;
      rs.swept = closed;
      Sweep(i, closed);
    }
  }

  void Finish() {
    for (size_t i = 0; i < states_.size(); ++i) {
      RuleState& rs = states_[i];
      for (uint32_t slot : std::vector<uint32_t>(rs.listed)) {
        KeyState& k = State(rs, slot);
        if (k.window == kNoWindow) continue;
        EndWindow(i, slot, k.window, WindowValue(rs, slot), Over(rs, slot));
        if (State(rs, slot).incident >= 0) End(i, slot, (k.window + 1) * rs.window);
      }
      for (uint32_t slot : rs.listed) State(rs, slot).listed = false;
      rs.listed.clear();
    }
  }

  DetectorStats Stats() const {
    DetectorStats s = stats_;
    s.open = 0;
    s.keys = 0;
    for (const auto& inc : incidents_) s.open += inc != nullptr;
    for (const Group& g : groups_) s.keys += g.index.size() * g.rules.size();
    s.watermark_ms = watermark_;
    return s;
  }

  std::vector<OpenIncident> Open() const {
    std::vector<OpenIncident> out;
    for (const auto& inc : incidents_) {
      if (!inc) continue;
      const RuleState& rs = states_[inc->rule];
      out.push_back({inc->id, rs.rule->name, inc->key_text, inc->start_ms, inc->value / rs.unit,
                     inc->limit / rs.unit, inc->peak / rs.unit});
    }
    return out;
  }

  const RuleSet& rules() const { return rules_; }

 private:
  KeyState& State(const RuleState& rs, uint32_t slot) {
    Group& g = groups_[rs.group];
    return g.states[slot * g.rules.size() + rs.position];
  }
  const KeyState& State(const RuleState& rs, uint32_t slot) const {
    const Group& g = groups_[rs.group];
    return g.states[slot * g.rules.size() + rs.position];
  }

  // What a record means to one group: which of its rules count it, under which keys.
  struct Pending {
    uint64_t counting = 0;
    int keys = 0;
    IpAddress key[2];
    bool incoming[2];
  };

  void AddRecord(size_t group, const Pending& p, const FlowRecord& r) {
    Group& g = groups_[group];
    for (int k = 0; k < p.keys; ++k) {
      const uint32_t slot = Slot(group, p.key[k]);
      if (slot == FlatIndex<IpAddress, KeyHash>::kMissing) continue;
      for (size_t i = 0; i < g.rules.size(); ++i)
        if (p.counting >> i & 1) Count(g.rules[i], slot, p.incoming[k], r);
    }
  }

  void Count(size_t rule, uint32_t slot, bool incoming, const FlowRecord& r) {
    RuleState& rs = states_[rule];
    const Rule& rl = *rs.rule;
    const int64_t w = FloorDiv(r.etime_ms(), rs.window);
    {
      KeyState& k = State(rs, slot);
      if (k.window == kNoWindow) {
        k.window = w;
        k.limit = static_cast<float>(Limit(rs, k, w));
      } else if (w > k.window) {
        Close(rule, slot, w);
      }
    }
    KeyState& k = State(rs, slot);
    // A long flow adds the share of its packets and bytes one window holds.
    const double share =
        r.duration_ms > rs.window ? static_cast<double>(rs.window) / r.duration_ms : 1.0;
    const double packets = static_cast<double>(r.packets) * share;
    const double bytes = static_cast<double>(r.bytes) * share;
    switch (rl.metric) {
      case Metric::kBytes:
        k.value += bytes;
        break;
      case Metric::kBits:
        k.value += bytes * 8;
        break;
      case Metric::kPackets:
        k.value += packets;
        break;
      case Metric::kFlows:
      case Metric::kSources:
      case Metric::kDports:
        k.value += 1;
        break;
      case Metric::kSynPackets:
        if (r.protocol == kProtoTcp && (r.flags & (kTcpSyn | kTcpAck)) == kTcpSyn)
          k.value += packets;
        break;
      case Metric::kFragments:
        if (ClassifyFlow(r) == AttackVector::kFragmentFlood) k.value += packets;
        break;
      case Metric::kOutInRatio:
        (incoming ? k.in_value : k.value) += bytes;
        break;
    }
    if (rs.sketch) {
      DistinctSketch& s = rs.sketches[slot];
      if (rl.metric == Metric::kDports)
        s.Add(r.dport);
      else {
        // distinct peers: the sources, or of an outgoing rule the destinations
        const IpAddress& peer = rl.direction == RuleDirection::kOutgoing ? r.dip : r.sip;
        s.Add(peer.high64() * 0x9E3779B97F4A7C15ull ^ peer.low64());
      }
    }
    if (k.incident >= 0) {
      Incident& inc = *incidents_[k.incident];
      inc.bytes += bytes;
      inc.packets += packets;
      inc.flows += 1;
      inc.report.Add(r);
      return;
    }
    // The value over the last window's length, sliding: the current window's sum
    // and the part of the previous one that is still within a window of now
    // (with one window a rule fires on the rate of the last second, wherever the
    // window boundaries fall).
    double recent = k.value;
    if (rl.windows == 1 && k.previous > 0) {
      const double elapsed =
          static_cast<double>(r.etime_ms() - k.window * rs.window) / static_cast<double>(rs.window);
      recent += k.previous * std::clamp(1 - elapsed, 0.0, 1.0);
    }
    // A key that may be over its limit is swept, so that its window closes even
    // when its traffic stops (a non-rate metric is judged only then).
    const bool maybe_over =
        rl.metric == Metric::kOutInRatio ? k.value >= rl.min_bytes * rs.unit : recent > k.limit;
    if (!maybe_over) return;
    if (!k.listed) {
      k.listed = true;
      rs.listed.push_back(slot);
    }
    // Start as soon as the running sum passes: the last of `windows` windows.
    if (k.above + 1 >= rl.windows && IsRate(rl.metric) && Guard(rs, slot))
      Start(rule, slot, k.window);
  }

  uint32_t Slot(size_t group, const IpAddress& key) {
    Group& g = groups_[group];
    const uint32_t found = g.index.Find(key);
    if (found != FlatIndex<IpAddress, KeyHash>::kMissing) return found;
    if (g.index.size() >= g.max_keys && !Evict(g)) {
      ++stats_.refused;
      return FlatIndex<IpAddress, KeyHash>::kMissing;
    }
    const size_t width = g.rules.size();
    uint32_t slot;
    if (!g.free.empty()) {
      slot = g.free.back();
      g.free.pop_back();
      std::fill_n(g.states.begin() + static_cast<ptrdiff_t>(slot * width), width, KeyState());
      g.keys[slot] = key;
    } else {
      slot = static_cast<uint32_t>(g.keys.size());
      g.states.resize(g.states.size() + width);
      g.keys.push_back(key);
      g.used.push_back(0);
    }
    g.used[slot] = 1;
    for (size_t i : g.rules) {
      RuleState& rs = states_[i];
      if (!rs.sketch) continue;
      if (rs.sketches.size() <= slot) rs.sketches.resize(slot + 1);
      rs.sketches[slot].Clear();
    }
    g.index.Insert(key, slot);
    return slot;
  }

  // Drops the keys idle longest (no incident, not over the limit under any of
  // the group's rules), an eighth of max_keys at a time. False when none can go.
  bool Evict(Group& g) {
    const size_t width = g.rules.size();
    std::vector<std::pair<int64_t, uint32_t>> idle;
    for (uint32_t slot = 0; slot < g.keys.size(); ++slot) {
      if (!g.used[slot]) continue;
      int64_t newest = kNoWindow;
      bool busy = false;
      for (size_t i = 0; i < width; ++i) {
        const KeyState& k = g.states[slot * width + i];
        busy = busy || k.listed || k.incident >= 0;
        newest = std::max(newest, k.window);
      }
      if (!busy) idle.emplace_back(newest, slot);
    }
    if (idle.empty()) return false;
    const size_t n = std::clamp<size_t>(g.max_keys / 8, 1, idle.size());
    std::nth_element(idle.begin(), idle.begin() + static_cast<ptrdiff_t>(n - 1), idle.end());
    for (size_t i = 0; i < n; ++i) {
      const uint32_t slot = idle[i].second;
      g.index.Erase(g.keys[slot]);
      g.used[slot] = 0;
      for (size_t r = 0; r < width; ++r) g.states[slot * width + r].window = kNoWindow;
      g.free.push_back(slot);
    }
    stats_.evicted += n;
    return true;
  }

  // The limit of window w for key k, in window units.
  double Limit(const RuleState& rs, const KeyState& k, int64_t w) const {
    const Rule& rule = *rs.rule;
    double limit = rule.threshold > 0 ? rule.threshold * rs.unit : kNever;
    const bool warm = static_cast<double>(k.learned) * static_cast<double>(rs.window) >=
                      static_cast<double>(rule.baseline.warmup_ms);
    if (rule.baseline.k > 0 && !warm && rule.baseline.cold > 0)
      limit = std::min(limit, rule.baseline.cold * rs.unit);
    if (rule.baseline.k > 0 && warm) {
      const double sd = std::sqrt(std::max(0.0f, k.var));
      double b = Factor(rs, w) * (k.mean + rule.baseline.k * sd);
      b = std::max(b, rule.baseline.floor * rs.unit);
      limit = std::min(limit, b);
    }
    return limit;
  }

  // The time-of-day factor of window w: its hour's level over the mean level.
  double Factor(const RuleState& rs, int64_t w) const {
    if (!rs.rule->baseline.time_of_day) return 1;
    const int hour = static_cast<int>(FloorDiv(w * rs.window, kHourMs) % 24);
    double total = 0;
    int known = 0;
    for (int h = 0; h < 24; ++h)
      if (rs.known[h]) total += rs.level[h], ++known;
    if (known < 6 || !rs.known[hour] || total <= 0) return 1;
    return std::clamp(rs.level[hour] / (total / known), 0.2, 5.0);
  }

  void RollHour(RuleState& rs, int64_t hour) {
    if (rs.rule->baseline.k <= 0 || hour == rs.hour) return;
    if (rs.hour != kNoWindow) {
      const int h = static_cast<int>(rs.hour % 24);
      rs.level[h] = rs.known[h] ? 0.5 * rs.level[h] + 0.5 * rs.sum[h] : rs.sum[h];
      rs.known[h] = true;
      rs.sum[h] = 0;
    }
    rs.hour = hour;
  }

  double WindowValue(const RuleState& rs, uint32_t slot) const {
    const KeyState& k = State(rs, slot);
    switch (rs.rule->metric) {
      case Metric::kSources:
      case Metric::kDports:
        return k.value > 0 ? rs.sketches[slot].Estimate() : 0;
      case Metric::kOutInRatio:
        return k.value / std::max(k.in_value, 1.0);
      default:
        return k.value;
    }
  }

  bool Guard(const RuleState& rs, uint32_t slot) const {
    const Rule& rule = *rs.rule;
    if (rule.min_sources > 0 && rs.sketches[slot].Estimate() < rule.min_sources) return false;
    if (rule.metric == Metric::kOutInRatio && State(rs, slot).value < rule.min_bytes * rs.unit)
      return false;
    return true;
  }

  bool Over(const RuleState& rs, uint32_t slot) const {
    return WindowValue(rs, slot) > State(rs, slot).limit && Guard(rs, slot);
  }

  // Ends the key's current window and opens window w (> the current one).
  void Close(size_t rule, uint32_t slot, int64_t w) {
    RuleState& rs = states_[rule];
    const int64_t current = State(rs, slot).window;
    EndWindow(rule, slot, current, WindowValue(rs, slot), Over(rs, slot));
    // The windows between had nothing: an open incident may end in them.
    int64_t gap = w - current - 1, empty = 0;
    while (empty < gap && State(rs, slot).incident >= 0)
      EndWindow(rule, slot, current + ++empty, 0, false);
    gap -= empty;
    KeyState& k = State(rs, slot);
    if (gap > 0) {
      k.above = 0;
      k.learned = static_cast<uint32_t>(std::min<int64_t>(k.learned + gap, UINT32_MAX));
      if (rs.rule->baseline.k > 0) {
        const auto decay = static_cast<float>(std::pow(1 - rs.alpha, static_cast<double>(gap)));
        k.mean *= decay;
        k.var *= decay;
      }
    }
    k.previous = w == current + 1 ? static_cast<float>(k.value) : 0;
    k.window = w;
    k.value = k.in_value = 0;
    if (rs.sketch) rs.sketches[slot].Clear();
    k.limit = static_cast<float>(Limit(rs, k, w));
  }

  void EndWindow(size_t rule, uint32_t slot, int64_t w, double v, bool over) {
    RuleState& rs = states_[rule];
    const Rule& rl = *rs.rule;
    KeyState& k = State(rs, slot);
    if (k.learned < UINT32_MAX) ++k.learned;
    const int64_t end_ms = (w + 1) * rs.window;
    if (over) {
      k.above = static_cast<uint16_t>(std::min(k.above + 1, 65535));
      if (k.incident < 0 && k.above >= rl.windows) Start(rule, slot, w);
    } else {
      k.above = 0;
      if (k.incident < 0 && rl.baseline.k > 0) Learn(rs, k, w, v);
    }
    if (k.incident >= 0) {
      Incident& inc = *incidents_[k.incident];
      inc.value = v;
      inc.peak = std::max(inc.peak, v);
      const double seconds = static_cast<double>(rs.window) / 1000;
      inc.bps = inc.bytes * 8 / seconds;
      inc.pps = inc.packets / seconds;
      inc.fps = inc.flows / seconds;
      inc.bytes = inc.packets = inc.flows = 0;
      k.below =
          v < inc.limit * rl.hysteresis ? static_cast<uint16_t>(std::min(k.below + 1, 65535)) : 0;
      if (static_cast<double>(k.below) * static_cast<double>(rs.window) >=
              static_cast<double>(rl.clear_ms) &&
          end_ms - inc.start_ms >= rl.min_duration_ms) {
        End(rule, slot, end_ms);
      } else if (end_ms - inc.last_update_ms >= rules_.update_ms) {
        inc.last_update_ms = end_ms;
        Emit(EventKind::kUpdate, inc, end_ms);
      }
    }
    const bool keep = k.above > 0 || k.incident >= 0;
    if (keep && !k.listed) rs.listed.push_back(slot);
    k.listed = keep || k.listed;
  }

  void Learn(RuleState& rs, KeyState& k, int64_t w, double v) {
    rs.sum[FloorDiv(w * rs.window, kHourMs) % 24] += v;
    const double x = v / Factor(rs, w);
    const double diff = x - k.mean;
    const double incr = rs.alpha * diff;
    k.mean = static_cast<float>(k.mean + incr);
    k.var = static_cast<float>((1 - rs.alpha) * (k.var + diff * incr));
  }

  // Closes every listed key's windows before `closed`, so that incidents whose
  // traffic stopped end; keys that calmed down leave the list.
  void Sweep(size_t rule, int64_t closed) {
    RuleState& rs = states_[rule];
    std::vector<uint32_t> listed;
    listed.swap(rs.listed);
    for (uint32_t slot : listed) {
      KeyState& k = State(rs, slot);
      k.listed = false;
      if (k.window == kNoWindow) continue;
      if (k.window < closed) Close(rule, slot, closed);
      KeyState& now = State(rs, slot);
      if ((now.above > 0 || now.incident >= 0 || now.value > 0) && !now.listed) {
        now.listed = true;
        rs.listed.push_back(slot);
      }
    }
  }

  std::string KeyText(const RuleState& rs, const IpAddress& key) const {
    const Rule& rule = *rs.rule;
    switch (rule.scope) {
      case RuleScope::kHost:
        return key.ToString();
      case RuleScope::kPrefix:
        return IpPrefix{key, key.is_v4() ? rule.prefix_v4 : rule.prefix_v6}.ToString();
      case RuleScope::kSensor:
        return SensorText(static_cast<uint16_t>(key.low64()));
      case RuleScope::kInterface:
        return SensorText(static_cast<uint16_t>(key.high64())) + ":" + std::to_string(key.low64());
      case RuleScope::kKey:
        if (GetField(rule.key_field).type == FieldType::kIp) return key.ToString();
        return std::to_string(key.low64());
    }
    return key.ToString();
  }

  std::string SensorText(uint16_t sensor) const {
    std::string_view name = names_ ? names_->SensorName(sensor) : std::string_view();
    return name.empty() ? std::to_string(sensor) : std::string(name);
  }

  void Start(size_t rule, uint32_t slot, int64_t w) {
    RuleState& rs = states_[rule];
    const Rule& rl = *rs.rule;
    KeyState& k = State(rs, slot);
    const int64_t start_ms = w * rs.window;
    if (start_ms < k.quiet_until) return;
    const IpAddress& key = groups_[rs.group].keys[slot];
    const bool has_address =
        rl.scope == RuleScope::kHost || rl.scope == RuleScope::kPrefix ||
        (rl.scope == RuleScope::kKey && GetField(rl.key_field).type == FieldType::kIp);
    if (has_address && !rl.whitelist.empty() && rl.whitelist.Contains(key)) {
      ++stats_.whitelisted;
      k.quiet_until = start_ms + rs.window;  // asked again next window, not every record
      return;
    }
    std::string key_text = KeyText(rs, key);
    ReportBuilder report(key_text, rl.scope == RuleScope::kPrefix,
                         rl.direction == RuleDirection::kOutgoing, names_, options_.report_entries);
    auto inc = std::make_unique<Incident>(Incident{
        .id = {},
        .key_text = std::move(key_text),
        .rule = rule,
        .slot = slot,
        .address = {},
        .has_address = has_address,
        .start_ms = start_ms,
        .last_update_ms = start_ms,
        .value = k.value,
        .limit = k.limit,
        .peak = k.value,
        .report = std::move(report),
    });
    if (has_address) {
      const int length = rl.scope == RuleScope::kPrefix
                             ? (key.is_v4() ? rl.prefix_v4 : rl.prefix_v6)
                             : (key.is_v4() ? 32 : 128);
      inc->address = {key, length};
    }
    char id[17];
    std::snprintf(id, sizeof id, "%016" PRIx64,
                  Mix64(std::hash<std::string>()(rl.name) ^ KeyHash()(key) ^
                        Mix64(static_cast<uint64_t>(start_ms))));
    inc->id = id;
    // The window that started it: its records still in the recent ring.
    IpAddress keys[2];
    bool incoming[2];
    for (size_t i = unseen_; i < recent_count_; ++i) {
      const FlowRecord& r = recent_[(recent_next_ + recent_.size() - 1 - i) % recent_.size()];
      if (FloorDiv(r.etime_ms(), rs.window) < w) continue;
      if (!RuleCounts(rl, r)) continue;
      const int n = RuleKeys(rl, r, keys, incoming);
      for (int j = 0; j < n; ++j)
        if (keys[j] == key) inc->report.Add(r);
    }
    // Its rates so far: what the report holds of this window.
    const AttackReport seed = inc->report.Build(0, options_.report);
    inc->bytes = static_cast<double>(seed.bytes);
    inc->packets = static_cast<double>(seed.packets);
    inc->flows = static_cast<double>(seed.flows);
    const double seconds = static_cast<double>(rs.window) / 1000;
    inc->bps = inc->bytes * 8 / seconds;
    inc->pps = inc->packets / seconds;
    inc->fps = inc->flows / seconds;
    int32_t index = -1;
    for (size_t i = 0; i < incidents_.size() && index < 0; ++i)
      if (!incidents_[i]) index = static_cast<int32_t>(i);
    if (index < 0) {
      index = static_cast<int32_t>(incidents_.size());
      incidents_.emplace_back();
    }
    incidents_[index] = std::move(inc);
    k.incident = index;
    k.below = 0;
    if (!k.listed) {
      k.listed = true;
      rs.listed.push_back(slot);
    }
    ++stats_.incidents;
    Incident& started = *incidents_[index];
    Emit(EventKind::kStart, started, std::clamp(now_, start_ms, start_ms + rs.window));
  }

  void End(size_t rule, uint32_t slot, int64_t end_ms) {
    RuleState& rs = states_[rule];
    KeyState& k = State(rs, slot);
    Incident& inc = *incidents_[k.incident];
    Emit(EventKind::kEnd, inc, end_ms);
    incidents_[k.incident].reset();
    k.incident = -1;
    k.above = k.below = 0;
    k.quiet_until = end_ms + rs.rule->cooldown_ms;
  }

  void Emit(EventKind kind, const Incident& inc, int64_t time_ms) {
    const RuleState& rs = states_[inc.rule];
    DetectEvent e;
    e.kind = kind;
    e.rule = rs.rule->name;
    e.scope = rs.rule->scope;
    e.direction = rs.rule->direction;
    e.metric = rs.rule->metric;
    e.incident = inc.id;
    e.key = inc.key_text;
    e.address = inc.address;
    e.has_address = inc.has_address;
    e.time_ms = time_ms;
    e.start_ms = inc.start_ms;
    e.value = inc.value / rs.unit;
    e.limit = inc.limit / rs.unit;
    e.peak = inc.peak / rs.unit;
    e.bps = inc.bps;
    e.pps = inc.pps;
    e.fps = inc.fps;
    e.report = inc.report.Build(0, options_.report);
    if (!e.report.vectors.empty()) e.vector = AttackVectorName(e.report.vectors.front().vector);
    if (!options_.ui_url.empty() && e.has_address)
      e.link = IncidentLink(options_.ui_url, e.address, e.direction == RuleDirection::kOutgoing,
                            e.start_ms - 5 * 60'000, e.time_ms + 10 * 60'000);
    if (emit_) emit_(e);
  }

  RuleSet rules_;
  const FlowtypeNames* names_;
  DetectorOptions options_;
  EventHandler emit_;
  std::vector<RuleState> states_;
  std::vector<Group> groups_;
  std::vector<std::unique_ptr<Incident>> incidents_;
  std::vector<FlowRecord> recent_;
  size_t recent_next_ = 0, recent_count_ = 0;
  int64_t watermark_ = std::numeric_limits<int64_t>::min();
  int64_t now_ = 0;    // the newest record time seen
  size_t unseen_ = 0;  // ring records of the chunk not yet counted by the group at work
  DetectorStats stats_;
};

Detector::Detector(RuleSet rules, const FlowtypeNames* names, DetectorOptions options,
                   EventHandler on_event)
    : impl_(std::make_unique<Impl>(std::move(rules), names, options, std::move(on_event))) {}
Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
void Detector::Add(std::span<const FlowRecord> records) { impl_->Add(records); }
void Detector::Advance(int64_t watermark_ms) { impl_->Advance(watermark_ms); }
void Detector::Finish() { impl_->Finish(); }
DetectorStats Detector::Stats() const { return impl_->Stats(); }
std::vector<OpenIncident> Detector::Open() const { return impl_->Open(); }
const RuleSet& Detector::rules() const { return impl_->rules(); }

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kStart:
      return "start";
    case EventKind::kUpdate:
      return "update";
    case EventKind::kEnd:
      return "end";
  }
  return "?";
}

}  // namespace weir
