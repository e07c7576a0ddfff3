#include "detect/rules.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>

#include "base/file.h"
#include "base/strings.h"
#include "query/expression.h"
#include "store/ip_set_file.h"

namespace weir {

namespace {

constexpr std::string_view kMetricNames[] = {"bytes",       "bits",      "packets",
                                             "flows",       "sources",   "dports",
                                             "syn_packets", "fragments", "out_in_ratio"};
constexpr std::string_view kScopeNames[] = {"host", "prefix", "sensor", "interface", "key"};
constexpr std::string_view kDirectionNames[] = {"incoming", "outgoing", "any"};

constexpr std::string_view kDefaultRules =
    R"rules(# weir's default detection rules (doc/detect.md, "The default rules").
# Per internal host (sensor.conf's internal-ipblocks, or --internal-ipblocks), with
# FastNetMon's shipped limits where it has one (20,000 packets/s, 1 Gbit/s), and
# two guards that keep a speed test or a large download quiet: the volume rules
# do not count established TCP transfers (ACK set, 500 bytes or more per packet),
# and they need at least 16 distinct sources in the window, as a distributed flood
# or a reflection has and a single transfer has not.
update_interval = "10s"

[[rule]]
name = "syn_flood"
metric = "syn_packets"
threshold = 20000

[[rule]]
name = "packet_flood"
metric = "packets"
filter = "not (proto tcp and flags A and bpp >= 500)"
threshold = 20000
min_sources = 16

[[rule]]
name = "bandwidth_flood"
metric = "bits"
filter = "not (proto tcp and flags A and bpp >= 500)"
threshold = "1G"
min_sources = 16

[[rule]]
name = "udp_amplification"
metric = "bits"
filter = "proto udp and sport in [19 53 123 161 389 1900 3702 11211]"
threshold = "200M"
min_sources = 8

[[rule]]
name = "fragment_flood"
metric = "fragments"
threshold = 10000

[[rule]]
name = "icmp_flood"
metric = "packets"
filter = "proto icmp or proto 58"
threshold = 10000

[[rule]]
name = "flow_flood"
metric = "flows"
threshold = 20000
min_sources = 16

[[rule]]
name = "carpet_bombing"
scope = "prefix"
metric = "packets"
filter = "not (proto tcp and flags A and bpp >= 500)"
threshold = 100000
min_sources = 32

[[rule]]
name = "outgoing_flood"
direction = "outgoing"
metric = "packets"
filter = "not (proto tcp and flags A and bpp >= 500)"
threshold = 50000

[[rule]]
name = "traffic_anomaly"
metric = "packets"
filter = "not (proto tcp and flags A and bpp >= 500)"
window = "10s"
windows = 3
baseline = { k = 8, floor = 5000, half_life = "1h", warmup = "1h" }
min_sources = 16
)rules";

// A rule file's error: "FILE:LINE: message".
Status At(const std::string& file, const toml::source_region& where, const std::string& message) {
  return Status::Invalid(file + ":" + std::to_string(where.begin.line) + ": " + message);
}

// "250ms", "10s", "5m", "1h", "1d" or a number of seconds.
std::optional<int64_t> DurationMs(const toml::node& node) {
  if (auto v = node.value<double>()) {
    if (*v < 0 || *v > 365.0 * 86400) return std::nullopt;
    return static_cast<int64_t>(std::llround(*v * 1000));
  }
  auto text = node.value<std::string>();
  if (!text) return std::nullopt;
  std::string_view s = Trim(*text);
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3600'000}, {"d", 86400'000}};
  for (const auto& [unit, scale] : kUnits) {
    if (s.size() <= unit.size() || !s.ends_with(unit)) continue;
    std::string_view number = s.substr(0, s.size() - unit.size());
    if (unit == "s" && number.ends_with('m')) continue;  // "ms" is tried first
    auto n = ParseUint(number, 365ull * 86400'000);
    if (!n) return std::nullopt;
    return static_cast<int64_t>(*n) * scale;
  }
  return std::nullopt;
}

// A number, or a string with a k, M, G or T suffix (powers of 1000, as the
// expression language has them): "1G", "200M", "2.5k".
std::optional<double> Amount(const toml::node& node) {
  if (auto v = node.value<double>()) return *v >= 0 ? std::optional(*v) : std::nullopt;
  auto text = node.value<std::string>();
  if (!text || text->empty()) return std::nullopt;
  std::string s(Trim(*text));
  double scale = 1;
  switch (s.back()) {
    case 'k':
    case 'K':
      scale = 1e3;
      break;
    case 'M':
      scale = 1e6;
      break;
    case 'G':
      scale = 1e9;
      break;
    case 'T':
      scale = 1e12;
      break;
    default:
      break;
  }
  if (scale != 1) s.pop_back();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(v >= 0) || !std::isfinite(v))
    return std::nullopt;
  return v * scale;
}

class RuleReader {
 public:
  RuleReader(const std::string& file, const RuleContext& context)
      : file_(file), context_(context) {}

  Result<RuleSet> Read(const toml::table& root) {
    RuleSet set;
    set.source = file_;
    for (const auto& [key, node] : root) {
      if (key == "update_interval") {
        auto ms = DurationMs(node);
        if (!ms || *ms < 1000)
          return At(file_, node.source(), "update_interval: a duration of 1s or more");
        set.update_ms = *ms;
      } else if (key == "rule") {
        const toml::array* rules = node.as_array();
        if (!rules) return At(file_, node.source(), "rule: write each rule as a [[rule]] table");
        for (const toml::node& r : *rules) {
          const toml::table* table = r.as_table();
          if (!table) return At(file_, r.source(), "rule: write each rule as a [[rule]] table");
          auto rule = ReadRule(*table);
          if (!rule.ok()) return rule.status();
          for (const Rule& other : set.rules)
            if (other.name == rule->name)
              return At(file_, table->source(),
                        "rule '" + rule->name + "' is already defined at " + other.where);
          set.rules.push_back(std::move(*rule));
        }
      } else {
        return At(file_, node.source(),
                  "unknown setting '" + std::string(key.str()) + "' (update_interval, [[rule]])");
      }
    }
    if (set.rules.empty()) return Status::Invalid(file_ + ": no [[rule]] tables");
    return set;
  }

 private:
  Result<Rule> ReadRule(const toml::table& table) {
    Rule rule;
    rule.where = file_ + ":" + std::to_string(table.source().begin.line);
    bool has_hosts = false, has_threshold = false, has_metric = false;
    for (const auto& [key_name, node] : table) {
      const std::string key(key_name.str());
      Status s = Setting(rule, key, node, has_hosts, has_threshold, has_metric);
      if (!s.ok()) return s;
    }
    if (rule.name.empty()) return At(file_, table.source(), "rule: give it a name");
    auto invalid = [&](const std::string& m) {
      return At(file_, table.source(), "rule '" + rule.name + "': " + m);
    };
    if (!has_metric) return invalid("give a metric (" + Join(kMetricNames) + ")");
    if (!has_threshold && rule.baseline.k <= 0) return invalid("give a threshold or a baseline");
    if (!has_hosts) {
      rule.hosts = context_.internal;
      rule.hosts_text = "internal";
    }
    if (rule.hosts.empty() && (rule.scope == RuleScope::kHost || rule.scope == RuleScope::kPrefix))
      return invalid(
          "no hosts to watch: sensor.conf names no internal-ipblocks (give hosts = [CIDRs] or "
          "--internal-ipblocks)");
    if (rule.metric == Metric::kOutInRatio && rule.scope != RuleScope::kHost)
      return invalid("out_in_ratio is a metric of the host scope");
    if (rule.metric == Metric::kOutInRatio) rule.direction = RuleDirection::kAny;
    if (rule.direction == RuleDirection::kAny && rule.metric != Metric::kOutInRatio &&
        (rule.scope == RuleScope::kHost || rule.scope == RuleScope::kPrefix))
      return invalid("a host or prefix rule is incoming or outgoing");
    if (rule.window_ms < 100 || rule.window_ms > 3600'000)
      return invalid("window: from 100ms to 1h");
    if (rule.metric == Metric::kOutInRatio && rule.min_bytes <= 0) rule.min_bytes = 125'000;
    std::sort(rule.ignore_ports.begin(), rule.ignore_ports.end());
    return rule;
  }

  static std::string Join(std::span<const std::string_view> names) {
    std::string out;
    for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
  }

  Status Setting(Rule& rule, const std::string& key, const toml::node& node, bool& has_hosts,
                 bool& has_threshold, bool& has_metric) {
    auto bad = [&](const std::string& m) { return At(file_, node.source(), key + ": " + m); };
    auto word = [&]() -> std::string { return node.value<std::string>().value_or(""); };
    auto choose = [&](std::span<const std::string_view> names) -> int {
      for (size_t i = 0; i < names.size(); ++i)
        if (word() == names[i]) return static_cast<int>(i);
      return -1;
    };
    auto duration = [&](int64_t& out) {
      auto ms = DurationMs(node);
      if (!ms) return bad("not a duration (\"500ms\", \"10s\", \"5m\", \"1h\" or seconds)");
      out = *ms;
      return Status::Ok();
    };
    auto amount = [&](double& out) {
      auto v = Amount(node);
      if (!v) return bad("not a number (or a string with k, M, G, T: \"1G\")");
      out = *v;
      return Status::Ok();
    };
    if (key == "name") {
      rule.name = word();
      if (rule.name.empty() || rule.name.find_first_of(" \t\"") != std::string::npos)
        return bad("a word without spaces");
    } else if (key == "scope") {
      int i = choose(kScopeNames);
      if (i < 0) return bad("one of " + Join(kScopeNames));
      rule.scope = static_cast<RuleScope>(i);
    } else if (key == "direction") {
      int i = choose(kDirectionNames);
      if (i < 0) return bad("one of " + Join(kDirectionNames));
      rule.direction = static_cast<RuleDirection>(i);
    } else if (key == "metric") {
      int i = choose(kMetricNames);
      if (i < 0) return bad("one of " + Join(kMetricNames));
      rule.metric = static_cast<Metric>(i);
      has_metric = true;
    } else if (key == "hosts" || key == "whitelist" || key == "ignore_sources") {
      IpSet set;
      std::string text;
      if (Status s = Addresses(node, key, set, text); !s.ok()) return s;
      if (key == "hosts") {
        rule.hosts = std::move(set);
        rule.hosts_text = text;
        has_hosts = true;
      } else {
        (key == "whitelist" ? rule.whitelist : rule.ignore_sources) = std::move(set);
      }
    } else if (key == "prefix_length") {
      auto v = node.value<int64_t>();
      if (!v || *v < 8 || *v > 32) return bad("an IPv4 prefix length from 8 to 32");
      rule.prefix_v4 = static_cast<int>(*v);
    } else if (key == "prefix_length_v6") {
      auto v = node.value<int64_t>();
      if (!v || *v < 16 || *v > 128) return bad("an IPv6 prefix length from 16 to 128");
      rule.prefix_v6 = static_cast<int>(*v);
    } else if (key == "key") {
      auto field = FindField(word());
      if (!field.ok()) return bad(field.status().message());
      rule.key_field = *field;
    } else if (key == "filter") {
      rule.filter_text = word();
      auto p = ParseExpression(rule.filter_text, context_.site);
      if (!p.ok()) return bad(p.status().message());
      rule.filter = std::move(*p);
    } else if (key == "threshold") {
      has_threshold = true;
      return amount(rule.threshold);
    } else if (key == "baseline") {
      return ReadBaseline(rule.baseline, node);
    } else if (key == "window") {
      return duration(rule.window_ms);
    } else if (key == "windows") {
      auto v = node.value<int64_t>();
      if (!v || *v < 1 || *v > 1000) return bad("a count from 1 to 1000");
      rule.windows = static_cast<int>(*v);
    } else if (key == "hysteresis") {
      auto v = node.value<double>();
      if (!v || *v <= 0 || *v > 1) return bad("a fraction of the threshold, above 0 and at most 1");
      rule.hysteresis = *v;
    } else if (key == "clear") {
      return duration(rule.clear_ms);
    } else if (key == "min_duration") {
      return duration(rule.min_duration_ms);
    } else if (key == "cooldown") {
      return duration(rule.cooldown_ms);
    } else if (key == "min_sources") {
      return amount(rule.min_sources);
    } else if (key == "min_bytes") {
      return amount(rule.min_bytes);
    } else if (key == "ignore_ports") {
      const toml::array* ports = node.as_array();
      if (!ports) return bad("a list of ports");
      for (const toml::node& p : *ports) {
        auto v = p.value<int64_t>();
        if (!v || *v < 0 || *v > 65535) return At(file_, p.source(), key + ": not a port");
        rule.ignore_ports.push_back(static_cast<uint16_t>(*v));
      }
    } else if (key == "max_keys") {
      auto v = node.value<int64_t>();
      if (!v || *v < 1 || *v > (1ll << 26)) return bad("a count from 1 to 67108864");
      rule.max_keys = static_cast<size_t>(*v);
    } else {
      return At(file_, node.source(), "unknown rule setting '" + key + "'");
    }
    return Status::Ok();
  }

  Status ReadBaseline(Baseline& b, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (!table) return At(file_, node.source(), "baseline: a table { k = ..., floor = ... }");
    for (const auto& [key_name, value] : *table) {
      const std::string key(key_name.str());
      auto bad = [&](const std::string& m) {
        return At(file_, value.source(), "baseline." + key + ": " + m);
      };
      if (key == "k") {
        auto v = value.value<double>();
        if (!v || *v <= 0 || *v > 100) return bad("standard deviations, above 0");
        b.k = *v;
      } else if (key == "floor" || key == "cold") {
        auto v = Amount(value);
        if (!v) return bad("not a number");
        (key == "floor" ? b.floor : b.cold) = *v;
      } else if (key == "half_life" || key == "warmup") {
        auto ms = DurationMs(value);
        if (!ms || *ms < 1000) return bad("a duration of 1s or more");
        (key == "warmup" ? b.warmup_ms : b.half_life_ms) = *ms;
      } else if (key == "time_of_day") {
        auto v = value.value<bool>();
        if (!v) return bad("true or false");
        b.time_of_day = *v;
      } else {
        return bad("unknown (k, floor, cold, half_life, warmup, time_of_day)");
      }
    }
    if (b.k <= 0) return At(file_, node.source(), "baseline: give k");
    if (b.cold <= 0) b.cold = 10 * b.floor;
    return Status::Ok();
  }

  // "internal", or a list of CIDRs, addresses and "set:FILE" IP set files.
  Status Addresses(const toml::node& node, const std::string& key, IpSet& set, std::string& text) {
    if (node.value<std::string>() == "internal") {
      set = context_.internal;
      text = "internal";
      return Status::Ok();
    }
    const toml::array* list = node.as_array();
    if (!list)
      return At(file_, node.source(), key + ": \"internal\" or a list of CIDRs and \"set:FILE\"");
    for (const toml::node& item : *list) {
      auto s = item.value<std::string>();
      if (!s) return At(file_, item.source(), key + ": not a string");
      text += (text.empty() ? "" : " ") + *s;
      if (*s == "internal") {
        set.AddSet(context_.internal);
      } else if (s->starts_with("set:")) {
        auto loaded = LoadIpSetFile(s->substr(4));
        if (!loaded.ok()) return At(file_, item.source(), key + ": " + loaded.status().message());
        set.AddSet(*loaded);
      } else if (auto p = IpPrefix::Parse(*s)) {
        set.AddPrefix(*p);
      } else if (auto a = IpAddress::Parse(*s)) {
        set.Add(*a);
      } else {
        return At(file_, item.source(), key + ": not a CIDR, an address or set:FILE: " + *s);
      }
    }
    set.Finish();
    return Status::Ok();
  }

  const std::string& file_;
  const RuleContext& context_;
};

}  // namespace

std::string_view MetricName(Metric m) { return kMetricNames[static_cast<int>(m)]; }
std::string_view ScopeName(RuleScope s) { return kScopeNames[static_cast<int>(s)]; }
std::string_view DirectionName(RuleDirection d) { return kDirectionNames[static_cast<int>(d)]; }
bool IsRate(Metric m) {
  return m != Metric::kSources && m != Metric::kDports && m != Metric::kOutInRatio;
}

Result<RuleSet> ParseRules(std::string_view text, const std::string& name,
                           const RuleContext& context) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return At(name, e.source(), std::string(e.description()));
  }
  return RuleReader(name, context).Read(root);
}

Result<RuleSet> LoadRules(const std::string& path, const RuleContext& context) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return ParseRules(*text, path, context);
}

std::string_view DefaultRulesText() { return kDefaultRules; }

Result<RuleSet> DefaultRules(const RuleContext& context) {
  return ParseRules(kDefaultRules, "(default rules)", context);
}

std::string DescribeRule(const Rule& r) {
  char buf[64];
  std::string out = r.name + ": " + std::string(ScopeName(r.scope));
  if (r.scope == RuleScope::kPrefix)
    out += " /" + std::to_string(r.prefix_v4) + " /" + std::to_string(r.prefix_v6);
  if (r.scope == RuleScope::kKey) out += " " + std::string(GetField(r.key_field).name);
  out += " " + std::string(DirectionName(r.direction)) + " " + std::string(MetricName(r.metric));
  if (!r.filter_text.empty()) out += " where " + r.filter_text;
  if (r.threshold > 0) {
    std::snprintf(buf, sizeof buf, " > %g", r.threshold);
    out += buf;
  }
  if (r.baseline.k > 0) {
    std::snprintf(buf, sizeof buf, " %s baseline + %g sd (floor %g)", r.threshold > 0 ? "or" : ">",
                  r.baseline.k, r.baseline.floor);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, " per %gs x %d", static_cast<double>(r.window_ms) / 1000,
                r.windows);
  out += buf;
  if (r.min_sources > 0) {
    std::snprintf(buf, sizeof buf, ", >= %g sources", r.min_sources);
    out += buf;
  }
  out += ", hosts " + (r.hosts_text.empty() ? std::string("any") : r.hosts_text);
  out += " (" + r.where + ")";
  return out;
}

bool SameKeying(const Rule& a, const Rule& b) {
  const bool ratio_a = a.metric == Metric::kOutInRatio, ratio_b = b.metric == Metric::kOutInRatio;
  return a.scope == b.scope && a.direction == b.direction && a.hosts_text == b.hosts_text &&
         a.prefix_v4 == b.prefix_v4 && a.prefix_v6 == b.prefix_v6 && a.key_field == b.key_field &&
         ratio_a == ratio_b;
}

bool RuleCounts(const Rule& rule, const FlowRecord& r) {
  if (rule.filter && !rule.filter->Matches(r)) return false;
  if (!rule.ignore_sources.empty() && rule.ignore_sources.Contains(r.sip)) return false;
  if (!rule.ignore_ports.empty() &&
      (std::binary_search(rule.ignore_ports.begin(), rule.ignore_ports.end(), r.sport) ||
       std::binary_search(rule.ignore_ports.begin(), rule.ignore_ports.end(), r.dport)))
    return false;
  return true;
}

int RuleKeys(const Rule& rule, const FlowRecord& r, IpAddress keys[2], bool incoming[2]) {
  const bool in = rule.direction == RuleDirection::kIncoming;
  switch (rule.scope) {
    case RuleScope::kHost:
    case RuleScope::kPrefix: {
      auto key = [&](const IpAddress& a) {
        return rule.scope == RuleScope::kPrefix ? rule.PrefixKey(a) : a;
      };
      if (rule.metric == Metric::kOutInRatio) {
        int n = 0;
        if (rule.hosts.Contains(r.sip)) keys[n] = key(r.sip), incoming[n++] = false;
        if (rule.hosts.Contains(r.dip)) keys[n] = key(r.dip), incoming[n++] = true;
        return n;
      }
      const IpAddress& a = in ? r.dip : r.sip;
      if (!rule.hosts.Contains(a)) return 0;
      keys[0] = key(a);
      incoming[0] = in;
      return 1;
    }
    default:
      break;
  }
  if (!rule.hosts.empty() && rule.direction != RuleDirection::kAny) {
    const bool s = rule.hosts.Contains(r.sip), d = rule.hosts.Contains(r.dip);
    if (in ? !(d && !s) : !(s && !d)) return 0;
  }
  incoming[0] = in;
  switch (rule.scope) {
    case RuleScope::kSensor:
      keys[0] = IpAddress::FromHalves(0, r.sensor);
      break;
    case RuleScope::kInterface:
      keys[0] = IpAddress::FromHalves(
          r.sensor, in || rule.direction == RuleDirection::kAny ? r.input : r.output);
      break;
    default: {
      const FieldInfo& f = GetField(rule.key_field);
      keys[0] = f.type == FieldType::kIp ? GetIp(r, rule.key_field)
                                         : IpAddress::FromHalves(0, GetUnsigned(r, rule.key_field));
    }
  }
  return 1;
}

}  // namespace weir
