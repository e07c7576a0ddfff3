#include "detect/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "base/file.h"
#include "base/hash.h"
#include "base/time.h"
#include "detect/sketch.h"
#include "query/scan.h"
#include "record/fields.h"
#include "record/text.h"
#include "store/flow_writer.h"

namespace weir {

namespace {

constexpr std::string_view kVectorNames[kAttackVectors] = {
    "syn_flood", "ack_flood",         "rst_flood",  "synack_reflection", "tcp_flood",
    "udp_flood", "udp_amplification", "icmp_flood", "fragment_flood",    "carpet_bombing",
    "other"};

// UDP services that answer a small spoofed request with a larger reply, by the
// port the replies come from (US-CERT TA14-017A and what operators see since).
struct Amplifier {
  uint16_t port;
  std::string_view service;
};
constexpr Amplifier kAmplifiers[] = {
    {7, "echo"},         {17, "qotd"},           {19, "chargen"},  {53, "dns"},
    {69, "tftp"},        {111, "portmap"},       {123, "ntp"},     {137, "netbios"},
    {161, "snmp"},       {389, "cldap"},         {500, "isakmp"},  {520, "rip"},
    {623, "ipmi"},       {1434, "mssql"},        {1900, "ssdp"},   {3283, "ard"},
    {3389, "rdp"},       {3702, "ws-discovery"}, {5353, "mdns"},   {5683, "coap"},
    {10001, "ubiquiti"}, {11211, "memcached"},   {27015, "steam"}, {37810, "dvr"},
    {47808, "bacnet"},
};

struct IpHash {
  size_t operator()(const IpAddress& a) const {
    return static_cast<size_t>((a.high64() * 0x9E3779B97F4A7C15ull) ^ a.low64());
  }
};

// The prefixes tried for carpet bombing, most specific first (the first that
// qualifies is the victim): IPv4 /24 to /20, IPv6 /64 to /56. Wider ones hold
// a whole network's ordinary traffic (half of it may go to one /16).
constexpr int kCarpetLengthsV4[] = {24, 22, 20};
constexpr int kCarpetLengthsV6[] = {64, 60, 56};
IpPrefix PrefixOf(const IpAddress& a, int step) {
  const int length = a.is_v4() ? kCarpetLengthsV4[step] : kCarpetLengthsV6[step];
  return {a.MaskedTo(a.is_v4() ? 96 + length : length), length};
}
// A source's prefix in the top list: /24 of IPv4, /48 of IPv6.
IpAddress SourcePrefix(const IpAddress& a) {
  return a.is_v4() ? a.MaskedTo(96 + 24) : a.MaskedTo(48);
}
std::string PrefixText(const IpAddress& a) { return IpPrefix{a, a.is_v4() ? 24 : 48}.ToString(); }

// Packet sizes in buckets: 0-63, 64-127, ... 1024-1499, 1500-.
constexpr uint64_t kSizeEdges[] = {64, 128, 256, 512, 1024, 1500};
uint32_t SizeBucket(const FlowRecord& r) {
  const uint64_t size = r.packets ? r.bytes / r.packets : 0;
  uint32_t bucket = 0;
  while (bucket < std::size(kSizeEdges) && size >= kSizeEdges[bucket]) ++bucket;
  return bucket;
}
std::string SizeText(const uint32_t& bucket) {
  const uint64_t low = bucket == 0 ? 0 : kSizeEdges[bucket - 1];
  if (bucket == std::size(kSizeEdges)) return std::to_string(low) + "-";
  return std::to_string(low) + "-" + std::to_string(kSizeEdges[bucket] - 1);
}
std::string FlagsText(const uint32_t& flags) {
  std::string f;
  AppendTcpFlags(f, static_cast<uint8_t>(flags), false);
  return f.empty() ? "none" : f;
}

struct Counts {
  uint64_t packets = 0, bytes = 0, flows = 0;
  void Add(const FlowRecord& r) {
    packets += r.packets;
    bytes += r.bytes;
    ++flows;
  }
};

template <typename Map, typename Text>
std::vector<ReportEntry> Top(const Map& map, int n, Text text) {
  using Key = typename Map::key_type;
  std::vector<std::pair<Key, Counts>> all(map.begin(), map.end());
  auto more = [](const auto& a, const auto& b) {
    if (a.second.packets != b.second.packets) return a.second.packets > b.second.packets;
    return a.second.bytes > b.second.bytes;
  };
  const size_t keep = std::min(all.size(), static_cast<size_t>(std::max(n, 0)));
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(keep), all.end(), more);
  std::vector<ReportEntry> out;
  for (size_t i = 0; i < keep; ++i)
    out.push_back(
        {text(all[i].first), all[i].second.packets, all[i].second.bytes, all[i].second.flows});
  return out;
}

std::string AddressText(const IpAddress& a) { return a.ToString(); }
std::string PortText(const uint32_t& p) { return std::to_string(p); }

// Adds r to key's counts; a table already holding `limit` keys (0: no limit)
// takes no new ones.
template <typename Map>
void Tally(Map& map, const typename Map::key_type& key, const FlowRecord& r, size_t limit) {
  if (limit != 0 && map.size() >= limit) {
    auto it = map.find(key);
    if (it != map.end()) it->second.Add(r);
    return;
  }
  map[key].Add(r);
}

}  // namespace

// What one victim's flows add up to.
struct ReportBuilder::State {
  AttackReport report;
  bool prefix = false;
  bool outgoing = false;
  const FlowtypeNames* names = nullptr;
  size_t max_entries = 0;
  DistinctSketch distinct;                      // sources, when the table is pruned
  std::unordered_map<int64_t, Counts> seconds;  // by flow start second
  Counts vectors[kAttackVectors];
  std::unordered_map<uint32_t, Counts> vector_ports[kAttackVectors];  // source ports
  std::unordered_map<IpAddress, Counts, IpHash> sources, source_prefixes;
  std::unordered_map<uint32_t, Counts> source_ports, destination_ports, interfaces, flags, sizes,
      sensors;
  // The loop hint: the interface pairs each conversation (5-tuple at a sensor) was
  // seen crossing by, for the first kConversations conversations (a loop repeats a
  // few; a spoofed flood's are all new and need no more).
  static constexpr size_t kConversations = 16384;
  struct Crossings {
    uint32_t pairs[4] = {};  // input << 16 | output
    uint8_t n = 0;
    bool hairpin = false;
    uint64_t packets = 0;
  };
  std::unordered_map<uint64_t, Crossings> conversations;

  void AddCrossing(const FlowRecord& r) {
    if (r.input == 0 && r.output == 0) return;  // the exporter gives no interfaces
    uint64_t h = Mix64(IpHash()(r.sip) ^ Mix64(IpHash()(r.dip)));
    h = Mix64(h ^ (uint64_t{r.sport} << 32 | uint64_t{r.dport} << 16 | uint64_t{r.protocol} << 8) ^
              (uint64_t{r.sensor} << 48));
    auto it = conversations.find(h);
    if (it == conversations.end()) {
      if (conversations.size() >= kConversations) return;
      it = conversations.emplace(h, Crossings{}).first;
    }
    Crossings& c = it->second;
    c.packets += r.packets;
    c.hairpin |= r.input == r.output;
    const uint32_t pair = uint32_t{r.input} << 16 | r.output;
    if (std::find(c.pairs, c.pairs + c.n, pair) == c.pairs + c.n && c.n < 4) c.pairs[c.n++] = pair;
  }

  LoopHint Loop() const {
    LoopHint hint;
    uint64_t looping = 0;
    for (const auto& [key, c] : conversations) {
      const int crossings = c.n + (c.hairpin && c.n == 1 ? 1 : 0);
      if (crossings < 2) continue;
      looping += c.packets;
      hint.crossings = std::max(hint.crossings, crossings);
    }
    if (report.packets)
      hint.share = static_cast<double>(looping) / static_cast<double>(report.packets);
    hint.suspected = hint.share >= 0.25 && hint.crossings >= 2;
    return hint;
  }

  void Add(const FlowRecord& r) {
    AttackReport& a = report;
    if (a.flows == 0 || r.stime_ms < a.first_ms) a.first_ms = r.stime_ms;
    a.last_ms = std::max(a.last_ms, r.etime_ms());
    a.packets += r.packets;
    a.bytes += r.bytes;
    ++a.flows;
    seconds[r.stime_ms / 1000].Add(r);
    const auto v = static_cast<size_t>(ClassifyFlow(r));
    vectors[v].Add(r);
    vector_ports[v][r.sport].Add(r);
    const IpAddress& peer = outgoing ? r.dip : r.sip;
    Tally(sources, peer, r, max_entries);
    Tally(source_prefixes, SourcePrefix(peer), r, max_entries);
    if (max_entries) distinct.AddHash(IpHash()(peer) * 0x9E3779B97F4A7C15ull);
    source_ports[r.sport].Add(r);
    destination_ports[r.dport].Add(r);
    if (r.protocol == kProtoTcp) flags[r.flags].Add(r);
    sizes[SizeBucket(r)].Add(r);
    sensors[r.sensor].Add(r);
    interfaces[outgoing ? r.output : r.input].Add(r);
    AddCrossing(r);
  }

  AttackReport Finish(uint64_t all_packets, const ReportOptions& options) const {
    AttackReport a = report;
    a.share = all_packets ? static_cast<double>(a.packets) / static_cast<double>(all_packets) : 0;
    const double span = std::max<int64_t>(a.last_ms - a.first_ms, 1000) / 1000.0;
    a.bps = static_cast<double>(a.bytes) * 8 / span;
    a.pps = static_cast<double>(a.packets) / span;
    a.fps = static_cast<double>(a.flows) / span;
    for (const auto& [second, c] : seconds) {
      a.peak_bps = std::max(a.peak_bps, static_cast<double>(c.bytes) * 8);
      a.peak_pps = std::max(a.peak_pps, static_cast<double>(c.packets));
      a.peak_fps = std::max(a.peak_fps, static_cast<double>(c.flows));
    }
    if (prefix) a.vectors.push_back({AttackVector::kCarpetBombing, "", {}, 1.0, 1.0});
    for (int v = 0; v < kAttackVectors; ++v) {
      const auto vector = static_cast<AttackVector>(v);
      if (vector == AttackVector::kOther || a.packets == 0) continue;
      VectorShare s{vector, "", {}, 0, 0};
      s.share = static_cast<double>(vectors[v].packets) / static_cast<double>(a.packets);
      if (a.bytes > 0)
        s.byte_share = static_cast<double>(vectors[v].bytes) / static_cast<double>(a.bytes);
      if (s.weight() < options.min_vector_share) continue;
      for (const ReportEntry& e : Top(vector_ports[v], 3, PortText))
        s.source_ports.push_back(static_cast<uint16_t>(std::stoul(e.key)));
      if (vector == AttackVector::kUdpAmplification && !s.source_ports.empty())
        s.service = std::string(AmplificationService(s.source_ports.front()));
      a.vectors.push_back(std::move(s));
    }
    std::stable_sort(a.vectors.begin(), a.vectors.end(), [](const auto& x, const auto& y) {
      if (x.vector == AttackVector::kCarpetBombing) return y.vector != AttackVector::kCarpetBombing;
      if (y.vector == AttackVector::kCarpetBombing) return false;
      return x.weight() > y.weight();
    });
    a.distinct_sources = max_entries && sources.size() >= max_entries
                             ? static_cast<uint64_t>(std::llround(distinct.Estimate()))
                             : sources.size();
    a.sources = Top(sources, options.top, AddressText);
    a.source_prefixes = Top(source_prefixes, options.top, PrefixText);
    a.source_ports = Top(source_ports, options.top, PortText);
    a.destination_ports = Top(destination_ports, options.top, PortText);
    a.tcp_flags = Top(flags, options.top, FlagsText);
    a.packet_sizes = Top(sizes, options.top, SizeText);
    a.sensors = Top(sensors, options.top, [this](const uint32_t& sensor) {
      std::string_view name = names ? names->SensorName(static_cast<uint16_t>(sensor)) : "";
      return name.empty() ? std::to_string(sensor) : std::string(name);
    });
    a.interfaces = Top(interfaces, options.top, PortText);
    a.loop = Loop();
    a.filter = std::string(outgoing ? (prefix ? "--scidr=" : "--saddress=")
                                    : (prefix ? "--dcidr=" : "--daddress=")) +
               a.victim + " --stime=" + FormatTime(a.first_ms, TimeFormat::kSilk) + "-" +
               FormatTime(a.last_ms, TimeFormat::kSilk);
    return a;
  }
};

ReportBuilder::ReportBuilder(std::string victim, bool prefix, bool outgoing,
                             const FlowtypeNames* names, size_t max_entries)
    : state_(std::make_unique<State>()) {
  state_->report.victim = std::move(victim);
  state_->report.direction = outgoing ? "outgoing" : "incoming";
  state_->prefix = prefix;
  state_->outgoing = outgoing;
  state_->names = names;
  state_->max_entries = max_entries;
}
ReportBuilder::ReportBuilder(ReportBuilder&&) noexcept = default;
ReportBuilder& ReportBuilder::operator=(ReportBuilder&&) noexcept = default;
ReportBuilder::~ReportBuilder() = default;
void ReportBuilder::Add(const FlowRecord& r) { state_->Add(r); }
uint64_t ReportBuilder::packets() const { return state_->report.packets; }
AttackReport ReportBuilder::Build(uint64_t all_packets, const ReportOptions& options) const {
  return state_->Finish(all_packets, options);
}

namespace {

ScanStats ScanRecords(const QueryPlan& plan, const ScanErrorHandler& on_error,
                      const std::function<void(const FlowRecord&)>& each) {
  ScanOptions options;
  options.columns = ColumnSet::Of({FieldId::kSip, FieldId::kDip, FieldId::kSport, FieldId::kDport,
                                   FieldId::kProtocol, FieldId::kPackets, FieldId::kBytes,
                                   FieldId::kFlags, FieldId::kStime, FieldId::kDuration,
                                   FieldId::kSensor, FieldId::kInput, FieldId::kOutput});
  options.predicate = plan.predicate.is_all() ? nullptr : &plan.predicate;
  options.threads = 1;  // one consumer thread: the tables are not shared
  FlowRecord r;
  return Scan(
      plan.inputs, options,
      [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        for (uint32_t row : rows) {
          batch.GetRow(row, r);
          each(r);
        }
        return true;
      },
      on_error);
}

}  // namespace

std::string_view AttackVectorName(AttackVector v) { return kVectorNames[static_cast<int>(v)]; }

std::string_view AmplificationService(uint16_t source_port) {
  for (const Amplifier& a : kAmplifiers)
    if (a.port == source_port) return a.service;
  return {};
}

AttackVector ClassifyFlow(const FlowRecord& r) {
  if (r.is_icmp()) return AttackVector::kIcmpFlood;
  if (r.protocol == kProtoUdp) {
    if (r.sport == 0 && r.dport == 0) return AttackVector::kFragmentFlood;  // later fragments
    return AmplificationService(r.sport).empty() ? AttackVector::kUdpFlood
                                                 : AttackVector::kUdpAmplification;
  }
  if (r.protocol != kProtoTcp) return AttackVector::kOther;
  if (r.sport == 0 && r.dport == 0) return AttackVector::kFragmentFlood;
  // By the flags the flow's packets carried together: a flood's flows are one or a
  // few packets of one kind; a conversation has SYN, ACK and payload (PSH) or FIN.
  const uint8_t f = r.flags;
  const bool syn = f & kTcpSyn, ack = f & kTcpAck, rst = f & kTcpRst, fin = f & kTcpFin,
             psh = f & kTcpPsh;
  if (syn && !ack && !fin) return AttackVector::kSynFlood;
  if (syn && ack && !fin && !psh) return AttackVector::kSynAckReflection;
  if (rst && !syn && !fin && !psh) return AttackVector::kRstFlood;
  if (ack && !syn && !fin && !psh && !rst) return AttackVector::kAckFlood;
  return AttackVector::kTcpFlood;
}

Result<std::vector<AttackReport>> BuildReports(const QueryPlan& given, const SiteConfig& site,
                                               const ReportOptions& options) {
  std::string first_error;
  auto on_error = [&](const Status& s) {
    if (first_error.empty()) first_error = s.message();
  };
  // The report reads its input twice: a stream (standard input) is kept in an
  // unlinked temporary flow file first and read from there.
  QueryPlan plan = given;
  FileDescriptor spool;
  if (std::find(plan.inputs.begin(), plan.inputs.end(), "-") != plan.inputs.end()) {
    auto fd = CreateTempFile(TempDirectory());
    if (!fd.ok()) return fd.status().WithPrefix("keeping standard input");
    spool = std::move(*fd);
    auto writer = FlowFileWriter::ToFd(spool.get(), "(standard input, kept)", {});
    if (!writer.ok()) return writer.status();
    QueryPlan stream = plan;
    stream.inputs = {"-"};
    Status written;
    ScanRecords(stream, on_error, [&](const FlowRecord& r) {
      if (written.ok()) written = (*writer)->Append(r);
    });
    if (written.ok()) written = (*writer)->Close();
    if (!written.ok()) return written;
    if (!first_error.empty()) return Status::Corruption(first_error);
    for (std::string& input : plan.inputs)
      if (input == "-") input = "/proc/self/fd/" + std::to_string(spool.get());
  }
  // Pass 1: packets by destination, to choose the victims.
  std::unordered_map<IpAddress, uint64_t, IpHash> by_destination;
  uint64_t all_packets = 0;
  ScanRecords(plan, on_error, [&](const FlowRecord& r) {
    by_destination[r.dip] += r.packets;
    all_packets += r.packets;
  });
  if (!first_error.empty()) return Status::Corruption(first_error);

  struct Victim {
    ReportBuilder builder;
    bool prefix;
    IpPrefix where;
  };
  std::vector<Victim> victims;
  auto add_victim = [&](const IpAddress& a) {
    victims.push_back({ReportBuilder(a.ToString(), false, false, &site), false, {a, 128}});
  };
  if (options.victim) {
    add_victim(*options.victim);
  } else {
    std::vector<std::pair<IpAddress, uint64_t>> ranked(by_destination.begin(),
                                                       by_destination.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    for (const auto& [address, packets] : ranked) {
      if (static_cast<int>(victims.size()) >= options.max_victims) break;
      if (static_cast<double>(packets) <
          options.min_victim_share * static_cast<double>(all_packets))
        break;
      add_victim(address);
    }
    // Carpet bombing: a prefix flooded as a whole, no host of it a victim alone;
    // the most specific such prefix of each address family.
    struct PrefixLoad {
      IpPrefix prefix;
      uint64_t packets = 0, top = 0;
      int hosts = 0;
    };
    const double all = static_cast<double>(all_packets);
    for (bool v4 : {true, false}) {
      const int steps = v4 ? std::size(kCarpetLengthsV4) : std::size(kCarpetLengthsV6);
      bool found = false;
      for (int step = 0; step < steps && !found; ++step) {
        std::map<std::string, PrefixLoad> prefixes;
        for (const auto& [address, packets] : by_destination) {
          if (address.is_v4() != v4) continue;
          IpPrefix p = PrefixOf(address, step);
          PrefixLoad& load = prefixes[p.ToString()];
          load.prefix = p;
          load.packets += packets;
          load.top = std::max(load.top, packets);
          ++load.hosts;
        }
        for (const auto& [text, load] : prefixes) {
          if (static_cast<int>(victims.size()) >= options.max_victims) break;
          if (static_cast<double>(load.packets) >= options.carpet_share * all &&
              load.hosts >= options.carpet_hosts &&
              static_cast<double>(load.top) < options.min_victim_share * all) {
            victims.push_back({ReportBuilder(text, true, false, &site), true, load.prefix});
            found = true;
          }
        }
      }
    }
  }
  if (victims.empty()) return std::vector<AttackReport>();

  // Pass 2: each victim's flows.
  std::unordered_map<IpAddress, size_t, IpHash> by_address;
  for (size_t i = 0; i < victims.size(); ++i)
    if (!victims[i].prefix) by_address[victims[i].where.address] = i;
  ScanRecords(plan, on_error, [&](const FlowRecord& r) {
    if (auto it = by_address.find(r.dip); it != by_address.end())
      return victims[it->second].builder.Add(r);
    for (Victim& v : victims)
      if (v.prefix && v.where.Contains(r.dip)) return v.builder.Add(r);
  });
  if (!first_error.empty()) return Status::Corruption(first_error);
  std::vector<AttackReport> reports;
  for (const Victim& v : victims) reports.push_back(v.builder.Build(all_packets, options));
  return reports;
}

namespace {

void Entries(std::string& out, std::string_view name, const std::vector<ReportEntry>& list) {
  AppendJsonKey(out, name);
  out += '[';
  for (const ReportEntry& e : list) {
    if (out.back() != '[') out += ',';
    out += "{\"key\":";
    AppendJsonString(out, e.key);
    out += ",\"packets\":" + std::to_string(e.packets) + ",\"bytes\":" + std::to_string(e.bytes) +
           ",\"flows\":" + std::to_string(e.flows) + "}";
  }
  out += ']';
}

}  // namespace

void AppendDecimal(std::string& out, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string_view s = buf;  // "12.500" -> "12.5", "3.000" -> "3"
  while (s.back() == '0') s.remove_suffix(1);
  if (s.back() == '.') s.remove_suffix(1);
  out += s;
}

std::string ReportJson(const AttackReport& a) {
  std::string out = "{";
  auto str = [&](std::string_view key, std::string_view value) {
    AppendJsonKey(out, key);
    AppendJsonString(out, value);
  };
  auto num = [&](std::string_view key, double value) {
    AppendJsonKey(out, key);
    AppendDecimal(out, value);
  };
  auto count = [&](std::string_view key, uint64_t value) {
    AppendJsonKey(out, key);
    out += std::to_string(value);
  };
  str("victim", a.victim);
  str("direction", a.direction);
  str("start", FormatTime(a.first_ms, TimeFormat::kIso));
  str("end", FormatTime(a.last_ms, TimeFormat::kIso));
  count("packets", a.packets);
  count("bytes", a.bytes);
  count("flows", a.flows);
  num("share", a.share);
  AppendJsonKey(out, "rates");
  out += '{';
  num("bps", a.bps);
  num("pps", a.pps);
  num("fps", a.fps);
  num("peak_bps", a.peak_bps);
  num("peak_pps", a.peak_pps);
  num("peak_fps", a.peak_fps);
  out += '}';
  AppendJsonKey(out, "vectors");
  out += '[';
  for (const VectorShare& v : a.vectors) {
    if (out.back() != '[') out += ',';
    out += '{';
    str("vector", AttackVectorName(v.vector));
    if (!v.service.empty()) str("service", v.service);
    AppendJsonKey(out, "source_ports");
    out += '[';
    for (size_t i = 0; i < v.source_ports.size(); ++i)
      out += (i ? "," : "") + std::to_string(v.source_ports[i]);
    out += ']';
    num("share", v.share);
    num("byte_share", v.byte_share);
    out += '}';
  }
  out += ']';
  count("distinct_sources", a.distinct_sources);
  Entries(out, "sources", a.sources);
  Entries(out, "source_prefixes", a.source_prefixes);
  Entries(out, "source_ports", a.source_ports);
  Entries(out, "destination_ports", a.destination_ports);
  Entries(out, "tcp_flags", a.tcp_flags);
  Entries(out, "packet_sizes", a.packet_sizes);
  Entries(out, "sensors", a.sensors);
  Entries(out, "interfaces", a.interfaces);
  AppendJsonKey(out, "loop");
  out += a.loop.suspected ? "{\"suspected\":true" : "{\"suspected\":false";
  num("share", a.loop.share);
  count("crossings", static_cast<uint64_t>(a.loop.crossings));
  out += '}';
  str("filter", a.filter);
  out += '}';
  return out;
}

}  // namespace weir
