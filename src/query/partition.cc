#include "query/partition.h"

#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "base/time.h"
#include "store/ip_set_file.h"

namespace weir {

namespace {

using F = FieldId;

enum class Kind {
  kWildcard,    // one IP wildcard
  kCidrs,       // comma list of CIDR blocks
  kSetFile,     // an IP set file
  kUint,        // SiLK list and ranges
  kTime,        // time range
  kActiveTime,  // time range the flow overlaps
  kSeconds,     // decimal seconds ranges
  kFlags,       // HIGH/MASK list over TCP flags
  kFlagBit,     // 0 or 1 for one TCP flag
  kAttributes,  // HIGH/MASK list over attribute letters
};

struct SwitchDef {
  std::string_view name;
  Kind kind;
  F field;
  F other;       // second field for "any" switches (the same as field otherwise)
  uint64_t max;  // kUint: largest value; kFlagBit: the flag bit
  std::string_view help;
};

constexpr uint64_t k16 = 0xffff, k8 = 0xff, k32 = 0xffffffff, k64 = UINT64_MAX;

// clang-format off
const SwitchDef kSwitches[] = {
  {"saddress", Kind::kWildcard, F::kSip, F::kSip, 0, "source address matches the IP wildcard (10.1.x.0-127, 10.0.0.0/8)"},
  {"daddress", Kind::kWildcard, F::kDip, F::kDip, 0, "destination address matches the IP wildcard"},
  {"any-address", Kind::kWildcard, F::kSip, F::kDip, 0, "source or destination address matches the IP wildcard"},
  {"next-hop-id", Kind::kWildcard, F::kNhip, F::kNhip, 0, "next-hop address matches the IP wildcard"},
  {"scidr", Kind::kCidrs, F::kSip, F::kSip, 0, "source address in one of the CIDR blocks (comma list)"},
  {"dcidr", Kind::kCidrs, F::kDip, F::kDip, 0, "destination address in one of the CIDR blocks"},
  {"any-cidr", Kind::kCidrs, F::kSip, F::kDip, 0, "source or destination address in one of the CIDR blocks"},
  {"nhcidr", Kind::kCidrs, F::kNhip, F::kNhip, 0, "next-hop address in one of the CIDR blocks"},
  {"sipset", Kind::kSetFile, F::kSip, F::kSip, 0, "source address in the IP set file (weir set, or text)"},
  {"dipset", Kind::kSetFile, F::kDip, F::kDip, 0, "destination address in the IP set file"},
  {"anyset", Kind::kSetFile, F::kSip, F::kDip, 0, "source or destination address in the IP set file"},
  {"nhipset", Kind::kSetFile, F::kNhip, F::kNhip, 0, "next-hop address in the IP set file"},
  {"sport", Kind::kUint, F::kSport, F::kSport, k16, "source port in the list (0-1023,8080)"},
  {"dport", Kind::kUint, F::kDport, F::kDport, k16, "destination port in the list"},
  {"aport", Kind::kUint, F::kSport, F::kDport, k16, "source or destination port in the list"},
  {"protocol", Kind::kUint, F::kProtocol, F::kProtocol, k8, "IP protocol in the list (6,17 or 0-5)"},
  {"icmp-type", Kind::kUint, F::kIcmpType, F::kIcmpType, k8, "ICMP or ICMPv6 flow with its type in the list"},
  {"icmp-code", Kind::kUint, F::kIcmpCode, F::kIcmpCode, k8, "ICMP or ICMPv6 flow with its code in the list"},
  {"stime", Kind::kTime, F::kStime, F::kStime, 0, "start time in the range T1-T2 (YYYY/MM/DD[:HH[:MM[:SS[.mmm]]]])"},
  {"etime", Kind::kTime, F::kEtime, F::kEtime, 0, "end time in the range T1-T2"},
  {"active-time", Kind::kActiveTime, F::kStime, F::kEtime, 0, "flow active at some time in the range T1-T2"},
  {"duration", Kind::kSeconds, F::kDuration, F::kDuration, 0, "duration in seconds in the ranges (0-0.5,60-)"},
  {"bytes", Kind::kUint, F::kBytes, F::kBytes, k64, "byte count in the ranges"},
  {"packets", Kind::kUint, F::kPackets, F::kPackets, k64, "packet count in the ranges"},
  {"bytes-per-packet", Kind::kUint, F::kBytesPerPacket, F::kBytesPerPacket, k64, "average bytes per packet (whole bytes) in the ranges"},
  {"flags-all", Kind::kFlags, F::kFlags, F::kFlags, 0, "TCP flags of all packets match one HIGH/MASK (S/SA,SA/SA)"},
  {"flags-initial", Kind::kFlags, F::kInitialFlags, F::kInitialFlags, 0, "TCP flags of the first packet match one HIGH/MASK"},
  {"flags-session", Kind::kFlags, F::kSessionFlags, F::kSessionFlags, 0, "TCP flags of the later packets match one HIGH/MASK"},
  {"tcp-flags", Kind::kFlags, F::kFlags, F::kFlags, 0, "same as --flags-all"},
  {"fin-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpFin, "FIN set (1) or not (0) in the flow's flags"},
  {"syn-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpSyn, "SYN set (1) or not (0)"},
  {"rst-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpRst, "RST set (1) or not (0)"},
  {"psh-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpPsh, "PSH set (1) or not (0)"},
  {"ack-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpAck, "ACK set (1) or not (0)"},
  {"urg-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpUrg, "URG set (1) or not (0)"},
  {"ece-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpEce, "ECE set (1) or not (0)"},
  {"cwr-flag", Kind::kFlagBit, F::kFlags, F::kFlags, kTcpCwr, "CWR set (1) or not (0)"},
  {"ip-version", Kind::kUint, F::kIpVersion, F::kIpVersion, 6, "IP version: 4 or 6"},
  {"application", Kind::kUint, F::kApplication, F::kApplication, k16, "application label (its port) in the list"},
  {"input-index", Kind::kUint, F::kInput, F::kInput, k32, "input interface index in the list"},
  {"output-index", Kind::kUint, F::kOutput, F::kOutput, k32, "output interface index in the list"},
  {"any-index", Kind::kUint, F::kInput, F::kOutput, k32, "input or output interface index in the list"},
  {"attributes", Kind::kAttributes, F::kAttributes, F::kAttributes, 0, "attributes match one HIGH/MASK over T,C,F,S (T/T)"},
  {"tos", Kind::kUint, F::kTos, F::kTos, k8, "IP type-of-service byte in the list"},
  {"vlan", Kind::kUint, F::kVlan, F::kVlan, k16, "VLAN id in the list"},
};
// clang-format on

// Switches with a --not- form.
bool Negatable(Kind k) { return k == Kind::kWildcard || k == Kind::kCidrs || k == Kind::kSetFile; }

const SwitchDef* FindSwitch(std::string_view name) {
  for (const auto& s : kSwitches)
    if (s.name == name) return &s;
  return nullptr;
}

Predicate Either(const SwitchDef& def, const std::function<Predicate(F)>& make) {
  if (def.field == def.other) return make(def.field);
  return Predicate::Or({make(def.field), make(def.other)});
}

Result<Predicate> BuildOne(const SwitchDef& def, std::string_view value) {
  switch (def.kind) {
    case Kind::kWildcard: {
      auto w = IpWildcard::Parse(value);
      if (!w.ok()) return w.status();
      return Either(def, [&](F f) { return Predicate::MatchesWildcard(f, *w); });
    }
    case Kind::kCidrs:
    case Kind::kSetFile: {
      auto set = std::make_shared<IpSet>();
      if (def.kind == Kind::kCidrs) {
        for (auto item : Split(value, ',')) {
          item = Trim(item);
          auto prefix = IpPrefix::Parse(item);
          if (!prefix) return Status::Invalid("invalid CIDR block '" + std::string(item) + "'");
          set->AddPrefix(*prefix);
        }
        set->Finish();
      } else {
        auto loaded = LoadIpSetFile(std::string(value));
        if (!loaded.ok()) return loaded.status();
        *set = std::move(*loaded);
      }
      std::shared_ptr<const IpSet> shared = set;
      return Either(def, [&](F f) { return Predicate::InSet(f, shared); });
    }
    case Kind::kUint: {
      auto ranges = ParseUintRanges(value, def.max);
      if (!ranges.ok()) return ranges.status();
      if (def.field == F::kIpVersion)
        for (const auto& r : *ranges)
          for (uint64_t v = r.low; v <= r.high && v <= 6; ++v)
            if (v != 4 && v != 6) return Status::Invalid("IP version must be 4 or 6");
      return Either(def, [&](F f) { return Predicate::InRanges(f, *ranges); });
    }
    case Kind::kTime: {
      auto range = ParseTimeRange(value);
      if (!range.ok()) return range.status();
      return Predicate::InRanges(def.field, {*range});
    }
    case Kind::kActiveTime: {
      auto range = ParseTimeRange(value);
      if (!range.ok()) return range.status();
      // Active in [lo, hi]: starts no later than hi and ends no earlier than lo.
      const uint64_t min = static_cast<uint64_t>(INT64_MIN), max = INT64_MAX;
      return Predicate::And({Predicate::InRanges(F::kStime, {{min, range->high}}),
                             Predicate::InRanges(F::kEtime, {{range->low, max}})});
    }
    case Kind::kSeconds: {
      auto ranges = ParseSecondsRanges(value);
      if (!ranges.ok()) return ranges.status();
      return Predicate::InRanges(def.field, *ranges);
    }
    case Kind::kFlags:
    case Kind::kAttributes: {
      auto tests =
          ParseFlagTests(value, def.kind == Kind::kFlags ? kTcpFlagLetters : kAttributeLetters);
      if (!tests.ok()) return tests.status();
      return Predicate::FlagsMatch(def.field, *tests);
    }
    case Kind::kFlagBit: {
      auto bit = static_cast<uint8_t>(def.max);
      if (value == "1") return Predicate::FlagsMatch(def.field, {{bit, bit}});
      if (value == "0") return Predicate::FlagsMatch(def.field, {{0, bit}});
      return Status::Invalid("expected 0 or 1, got '" + std::string(value) + "'");
    }
  }
  return Status::Invalid("unhandled switch");
}

}  // namespace

const std::vector<PartitionSwitch>& PartitionSwitches() {
  // The --not- forms' names and help are built once and kept for the process.
  static const std::deque<std::string> negated = [] {
    std::deque<std::string> out;
    for (const auto& s : kSwitches) {
      if (!Negatable(s.kind)) continue;
      out.push_back("not-" + std::string(s.name));
      out.push_back("fail the records that --" + std::string(s.name) + " would pass");
    }
    return out;
  }();
  static const std::vector<PartitionSwitch> all = [] {
    std::vector<PartitionSwitch> out;
    size_t k = 0;
    for (const auto& s : kSwitches) {
      out.push_back({s.name, s.help});
      if (Negatable(s.kind)) {
        out.push_back({negated[k], negated[k + 1]});
        k += 2;
      }
    }
    return out;
  }();
  return all;
}

Result<Predicate> BuildPartition(const SwitchValues& values, const PartitionContext& context) {
  (void)context;
  std::vector<Predicate> parts;
  std::set<std::string_view> seen;
  for (const auto& [given_name, value] : values) {
    std::string_view name = given_name;
    bool negate = name.starts_with("not-");
    std::string_view base = negate ? name.substr(4) : name;
    const SwitchDef* def = FindSwitch(base);
    if (!def || (negate && !Negatable(def->kind)))
      return Status::Invalid("unknown partitioning switch --" + std::string(name));
    if (!seen.insert(base).second)
      return Status::Invalid("--" + std::string(base) + " given with its --not- form or twice");
    auto p = BuildOne(*def, Trim(value));
    if (!p.ok()) return p.status().WithPrefix("--" + std::string(name));
    parts.push_back(negate ? Predicate::Not(std::move(*p)) : std::move(*p));
  }
  return Predicate::And(std::move(parts));
}

Result<uint8_t> ParseFlagLetters(std::string_view text, std::string_view letters) {
  uint8_t bits = 0;
  for (char c : text) {
    size_t pos = letters.find(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (pos == std::string_view::npos)
      return Status::Invalid("unknown flag letter '" + std::string(1, c) + "' in '" +
                             std::string(text) + "' (letters: " + std::string(letters) + ")");
    bits |= static_cast<uint8_t>(1u << pos);
  }
  return bits;
}

Result<std::vector<Predicate::FlagTest>> ParseFlagTests(std::string_view text,
                                                        std::string_view letters) {
  std::vector<Predicate::FlagTest> tests;
  for (auto item : Split(text, ',')) {
    item = Trim(item);
    if (item.empty()) return Status::Invalid("empty HIGH/MASK in '" + std::string(text) + "'");
    size_t slash = item.find('/');
    auto high = ParseFlagLetters(item.substr(0, slash), letters);
    if (!high.ok()) return high.status();
    uint8_t mask = *high;
    if (slash != std::string_view::npos) {
      auto m = ParseFlagLetters(item.substr(slash + 1), letters);
      if (!m.ok()) return m.status();
      if (*m == 0) return Status::Invalid("empty MASK in '" + std::string(item) + "'");
      mask = *m;
    }
    if ((*high & ~mask) != 0)
      return Status::Invalid("HIGH flags must be within MASK in '" + std::string(item) + "'");
    tests.push_back({*high, mask});
  }
  return tests;
}

namespace {

int64_t PrecisionUnit(TimePrecision p) {
  switch (p) {
    case TimePrecision::kDay:
      return kMillisPerDay;
    case TimePrecision::kHour:
      return kMillisPerHour;
    case TimePrecision::kMinute:
      return 60 * kMillisPerSecond;
    case TimePrecision::kSecond:
      return kMillisPerSecond;
    case TimePrecision::kMillisecond:
      return 1;
  }
  return 1;
}

}  // namespace

Result<Predicate::Range> ParseTimeRange(std::string_view text) {
  text = Trim(text);
  auto bad = [&]() {
    return Status::Invalid("invalid time or time range '" + std::string(text) +
                           "' (expected T or T1-T2, T as YYYY/MM/DD[:HH[:MM[:SS[.mmm]]]])");
  };
  auto range_of = [](const ParsedTime& lo, const ParsedTime& hi) {
    return Predicate::Range{static_cast<uint64_t>(lo.ms),
                            static_cast<uint64_t>(hi.ms + PrecisionUnit(hi.precision) - 1)};
  };
  if (auto one = ParseTime(text); one.ok()) return range_of(*one, *one);
  // T1-T2: ISO times hold '-' themselves, so try each '-' as the separator.
  for (size_t pos = text.find('-'); pos != std::string_view::npos; pos = text.find('-', pos + 1)) {
    auto lo = ParseTime(text.substr(0, pos));
    if (!lo.ok()) continue;
    std::string_view rest = text.substr(pos + 1);
    if (rest.empty()) return Predicate::Range{static_cast<uint64_t>(lo->ms), INT64_MAX};
    auto hi = ParseTime(rest);
    if (!hi.ok()) continue;
    if (hi->ms < lo->ms)
      return Status::Invalid("time range '" + std::string(text) + "' ends before it starts");
    return range_of(*lo, *hi);
  }
  return bad();
}

Result<std::vector<Predicate::Range>> ParseSecondsRanges(std::string_view text) {
  std::vector<Predicate::Range> out;
  auto millis = [](std::string_view s) -> std::optional<uint64_t> {
    s = Trim(s);
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < 0 || v > 4.3e6)
      return std::nullopt;
    return static_cast<uint64_t>(std::llround(v * 1000));
  };
  for (auto item : Split(text, ',')) {
    size_t dash = item.find('-');
    std::optional<uint64_t> lo, hi;
    if (dash == std::string_view::npos) {
      lo = hi = millis(item);
    } else {
      lo = millis(item.substr(0, dash));
      hi = Trim(item.substr(dash + 1)).empty() ? std::optional<uint64_t>(UINT32_MAX)
                                               : millis(item.substr(dash + 1));
    }
    if (!lo || !hi || *lo > *hi)
      return Status::Invalid("invalid seconds or range '" + std::string(Trim(item)) + "'");
    out.push_back({*lo, *hi});
  }
  return out;
}

}  // namespace weir
