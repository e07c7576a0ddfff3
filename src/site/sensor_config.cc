#include "site/sensor_config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "base/file.h"
#include "base/strings.h"
#include "site/config_lexer.h"
#include "site/twoway.h"

namespace weir {

namespace {

constexpr int kMaxIncludeDepth = 16;

using enum Twoway::Type;

constexpr std::string_view kDefaultSensorText =
    R"(# weir's embedded default sensor.conf: every flow protocol on its usual port,
# one sensor, private addresses internal.
probe default-netflow netflow-v9
    listen-on-port 2055
    protocol udp
end probe

probe default-ipfix ipfix
    listen-on-port 4739
    protocol udp
end probe

probe default-ipfix-tcp ipfix
    listen-on-port 4739
    protocol tcp
end probe

probe default-sflow sflow
    listen-on-port 6343
    protocol udp
end probe

group private
    ipblocks 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7
end group

sensor SENSOR
    netflow-v9-probes default-netflow
    ipfix-probes default-ipfix default-ipfix-tcp
    sflow-probes default-sflow
    internal-ipblocks @private
    external-ipblocks remainder
end sensor
)";

std::vector<std::string> ListItems(const std::vector<std::string>& words, size_t first) {
  std::vector<std::string> items;
  for (size_t i = first; i < words.size(); ++i)
    for (std::string_view part : Split(words[i], ','))
      if (!part.empty()) items.emplace_back(part);
  return items;
}

Result<std::vector<IpAddress>> ResolveHost(const std::string& host) {
  if (auto a = IpAddress::Parse(host)) return std::vector<IpAddress>{*a};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) return Status::Invalid("cannot resolve host '" + host + "': " + gai_strerror(rc));
  std::vector<IpAddress> out;
  for (addrinfo* a = result; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(a->ai_addr);
      out.push_back(IpAddress::V4(ntohl(sin->sin_addr.s_addr)));
    } else if (a->ai_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(a->ai_addr);
      std::array<uint8_t, 16> b;
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      out.push_back(IpAddress::V6(b));
    }
  }
  freeaddrinfo(result);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool HasInterface(const std::vector<uint32_t>& sorted, uint32_t value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

// Which deciders (bit n: network n) hold a flow side's address or interface; none
// for a side whose network is fixed.
[[gnu::always_inline]] inline unsigned SideMask(const SensorRule& rule, const FlowRecord& r,
                                                bool source) {
  if (rule.fixed_network[source ? 0 : 1] >= 0) return 0;
  unsigned mask = 0;
  for (unsigned bits = rule.address_deciders; bits; bits &= bits - 1) {
    const unsigned n = static_cast<unsigned>(std::countr_zero(bits));
    mask |= unsigned{rule.deciders[n].addresses.Contains(source ? r.sip : r.dip)} << n;
  }
  for (unsigned bits = rule.interface_deciders; bits; bits &= bits - 1) {
    const unsigned n = static_cast<unsigned>(std::countr_zero(bits));
    mask |= unsigned{HasInterface(rule.deciders[n].interfaces, source ? r.input : r.output)} << n;
  }
  return mask;
}

// SiLK's skpcSensorTestFlowInterfaces, given the side's mask: 1 the flow's side is
// on `network`, 0 it is not, -1 the sensor cannot tell.
int TestSide(const SensorRule& rule, Network network, bool source, unsigned mask) {
  const int fixed = rule.fixed_network[source ? 0 : 1];
  if (fixed >= 0) return fixed == static_cast<int>(network) ? 1 : 0;
  using Kind = SensorRule::DeciderKind;
  const unsigned n = static_cast<unsigned>(network);
  switch (rule.deciders[n].kind) {
    case Kind::kUnset:
      return -1;
    case Kind::kAddresses:
    case Kind::kInterfaces:
      return (mask >> n) & 1;
    case Kind::kRemainderAddresses:  // in no other network's addresses
      return (mask & rule.address_deciders & ~(1u << n)) == 0;
    case Kind::kRemainderInterfaces:
      return (mask & rule.interface_deciders & ~(1u << n)) == 0;
  }
  return -1;
}

// SiLK's twoway logic by the sides' masks; in and out stand for their web and ICMP
// variants too (ClassifyTwoway picks).
Twoway::Type TwowayBySides(const SensorRule& rule, unsigned source, unsigned destination) {
  auto src = [&](Network n) { return TestSide(rule, n, true, source) == 1; };
  auto dst = [&](Network n) { return TestSide(rule, n, false, destination) == 1; };
  if (src(Network::kExternal)) {
    if (dst(Network::kNull)) return Twoway::kInNull;
    if (dst(Network::kInternal)) return Twoway::kIn;
    if (dst(Network::kExternal)) return Twoway::kExt2Ext;
    return Twoway::kOther;
  }
  if (src(Network::kInternal)) {
    if (dst(Network::kNull)) return Twoway::kOutNull;
    if (dst(Network::kExternal)) return Twoway::kOut;
    if (dst(Network::kInternal)) return Twoway::kInt2Int;
    return Twoway::kOther;
  }
  return Twoway::kOther;
}

bool Discarded(const SensorRule& rule, const FlowRecord& r) {
  using Side = SensorRule::Side;
  for (const auto& d : rule.discards) {
    bool source = false, destination = false;
    if (d.interfaces) {
      source = HasInterface(d.interface_list, r.input);
      destination = HasInterface(d.interface_list, r.output);
    } else {
      source = d.addresses.Contains(r.sip);
      destination = d.addresses.Contains(r.dip);
    }
    bool match = d.side == Side::kSource        ? source
                 : d.side == Side::kDestination ? destination
                                                : source || destination;
    if (match == d.when) return true;
  }
  return false;
}

bool IsWeb(const FlowRecord& r) {
  // Without branches: whether a flow is web is as good as random to a predictor.
  auto web = [](uint16_t p) { return (p == 80) | (p == 443) | (p == 8080); };
  return (r.protocol == kProtoTcp) & (web(r.sport) | web(r.dport));
}

// The twoway type of one record for one sensor rule, or -1 to discard; inlined
// where the collector classifies each record. A side's memberships are looked up
// once (a lookup per decider that lists addresses or interfaces, usually one or
// two), and the twoway logic is a table.
[[gnu::always_inline]] inline int ClassifyTwoway(const SensorRule& rule, const FlowRecord& r,
                                                 const ClassifyOptions& options) {
  if (!rule.discards.empty() && Discarded(rule, r)) return -1;
  const int type = rule.twoway_by_sides[SideMask(rule, r, true) | SideMask(rule, r, false) << 3];
  if (type == Twoway::kIn || type == Twoway::kOut) {
    const bool out = type == Twoway::kOut;
    if (options.icmp_split && r.is_icmp()) return out ? Twoway::kOutIcmp : Twoway::kInIcmp;
    if (IsWeb(r)) return out ? Twoway::kOutWeb : Twoway::kInWeb;
  }
  return type;
}

// Fills the rule's classification tables from its deciders.
void PrepareTwoway(SensorRule& rule) {
  using Kind = SensorRule::DeciderKind;
  rule.address_deciders = rule.interface_deciders = 0;
  for (unsigned n = 0; n < kNetworks; ++n) {
    if (rule.deciders[n].kind == Kind::kAddresses) rule.address_deciders |= 1u << n;
    if (rule.deciders[n].kind == Kind::kInterfaces) rule.interface_deciders |= 1u << n;
  }
  for (unsigned source = 0; source < 8; ++source)
    for (unsigned destination = 0; destination < 8; ++destination)
      rule.twoway_by_sides[source | destination << 3] = TwowayBySides(rule, source, destination);
}

}  // namespace

std::string_view ProbeTypeName(ProbeType type) {
  switch (type) {
    case ProbeType::kNetflowV5:
      return "netflow-v5";
    case ProbeType::kNetflowV9:
      return "netflow-v9";
    case ProbeType::kIpfix:
      return "ipfix";
    case ProbeType::kSflow:
      return "sflow";
    case ProbeType::kSilk:
      return "silk";
  }
  return "?";
}

Result<size_t> SensorConfig::FindProbe(std::string_view name) const {
  for (size_t i = 0; i < probes_.size(); ++i)
    if (name.empty() || probes_[i].name == name) return i;
  return Status::Invalid("no probe '" + std::string(name) + "' in " + source_);
}

IpSet SensorConfig::InternalNetworks() const {
  IpSet set;
  for (const SensorRule& rule : sensors_) {
    const auto& d = rule.deciders[static_cast<int>(Network::kInternal)];
    if (d.kind == SensorRule::DeciderKind::kAddresses) set.AddSet(d.addresses);
  }
  set.Finish();
  return set;
}

void SensorConfig::Classify(size_t probe, const FlowRecord& r, const ClassifyOptions& options,
                            std::vector<std::pair<uint16_t, uint8_t>>& out) const {
  for (size_t index : probe_sensors_[probe]) {
    const SensorRule& rule = sensors_[index];
    int type = ClassifyTwoway(rule, r, options);
    if (type >= 0) out.emplace_back(rule.sensor, rule.flowtypes[static_cast<size_t>(type)]);
  }
}

class SensorParser {
 public:
  SensorParser(SensorConfig& config, const SiteConfig& site) : config_(config), site_(site) {}

  Status ParseText(std::string_view text, const std::string& name, int depth) {
    return ParseConfigLines(
        text, name, where_, block_, block_name_,
        [&](const std::vector<std::string>& w) { return Statement(w, name, depth); });
  }

  Status Finish() {
    if (config_.sensors_.empty())
      return Status::Invalid(config_.source_ + ": defines no sensor blocks");
    config_.probe_sensors_.assign(config_.probes_.size(), {});
    for (size_t s = 0; s < config_.sensors_.size(); ++s) {
      SensorRule& rule = config_.sensors_[s];
      WEIR_RETURN_IF_ERROR(Verify(rule).WithPrefix(rule.where));
      PrepareTwoway(rule);
      for (size_t p : sensor_probes_[s]) {
        config_.probe_sensors_[p].push_back(s);
        auto& ids = config_.probes_[p].sensors;
        if (std::find(ids.begin(), ids.end(), rule.sensor) == ids.end()) ids.push_back(rule.sensor);
      }
    }
    for (size_t p = 0; p < config_.probes_.size(); ++p)
      if (config_.probe_sensors_[p].empty())
        config_.warnings_.push_back(config_.probes_[p].where + ": probe '" +
                                    config_.probes_[p].name +
                                    "' is used by no sensor; its flows are not stored");
    return Status::Ok();
  }

 private:
  struct Group {
    enum class Kind { kEmpty, kInterfaces, kAddresses } kind = Kind::kEmpty;
    std::vector<uint32_t> interfaces;
    IpSet addresses;
    bool warned = false;
  };

  Status Statement(const std::vector<std::string>& w, const std::string& file, int depth) {
    const std::string& key = w[0];
    if (key == "end") {
      if (w.size() != 2)
        return Status::Invalid("'end' takes the block kind: end probe|group|sensor");
      if (block_.empty()) return Status::Invalid("'end " + w[1] + "' without an open block");
      if (w[1] != block_)
        return Status::Invalid("'end " + w[1] + "' inside '" + block_ + "' block");
      Status s = EndBlock();
      block_.clear();
      return s;
    }
    if (block_ == "probe") return ProbeStatement(w);
    if (block_ == "group") return GroupStatement(w);
    if (block_ == "sensor") return SensorStatement(w);
    if (key == "probe") {
      if (w.size() != 3) return Status::Invalid("'probe' takes NAME TYPE");
      for (const auto& p : config_.probes_)
        if (p.name == w[1]) return Status::Invalid("probe '" + w[1] + "' is already defined");
      ProbeConfig p;
      p.name = w[1];
      if (w[2] == "netflow-v5" || w[2] == "netflow")
        p.type = ProbeType::kNetflowV5;
      else if (w[2] == "netflow-v9")
        p.type = ProbeType::kNetflowV9;
      else if (w[2] == "ipfix")
        p.type = ProbeType::kIpfix;
      else if (w[2] == "sflow")
        p.type = ProbeType::kSflow;
      else if (w[2] == "silk")
        return Status::Unsupported(
            "probe type 'silk' (SiLK flow files) is not collected by weir; "
            "read such files with weir's tools instead");
      else
        return Status::Invalid("unknown probe type '" + w[2] +
                               "' (netflow-v5, netflow-v9, ipfix, sflow)");
      p.where = where_;
      config_.probes_.push_back(std::move(p));
      Open("probe", w[1]);
      return Status::Ok();
    }
    if (key == "group") {
      if (w.size() != 2) return Status::Invalid("'group' takes NAME");
      if (groups_.count(w[1])) return Status::Invalid("group '" + w[1] + "' is already defined");
      groups_[w[1]];
      Open("group", w[1]);
      return Status::Ok();
    }
    if (key == "sensor") {
      if (w.size() != 2) return Status::Invalid("'sensor' takes NAME");
      auto id = site_.FindSensor(w[1]);
      if (!id) return Status::Invalid("sensor '" + w[1] + "' is not defined in " + site_.source());
      // A name may have several blocks (sensor.conf(5)); each is a rule of its
      // own with its own probes and deciders, as in rwflowpack.
      SensorRule rule;
      rule.sensor = *id;
      rule.name = w[1];
      rule.where = where_;
      rule.flowtypes.fill(kUnknownFlowtype);
      const ClassInfo* owner = nullptr;
      for (const auto& c : site_.classes())
        if (std::find(c.sensors.begin(), c.sensors.end(), *id) != c.sensors.end()) {
          owner = &c;
          break;
        }
      if (!owner && !site_.classes().empty()) owner = &site_.classes().front();
      std::string missing;
      for (size_t t = 0; t < Twoway::kNames.size(); ++t) {
        auto ft = owner ? site_.FindFlowtype(owner->name, Twoway::kNames[t]) : std::nullopt;
        if (ft)
          rule.flowtypes[t] = *ft;
        else if (t != kInIcmp && t != kOutIcmp)
          missing += (missing.empty() ? "" : " ") + std::string(Twoway::kNames[t]);
      }
      if (rule.flowtypes[kOther] == kUnknownFlowtype)
        return Status::Invalid("class '" + (owner ? owner->name : std::string("?")) +
                               "' of sensor '" + w[1] + "' has no type 'other' (twoway needs " +
                               "in out inweb outweb innull outnull int2int ext2ext other)");
      if (!missing.empty())
        config_.warnings_.push_back(where_ + ": class '" + owner->name + "' lacks type(s) " +
                                    missing + "; such flows are stored as 'other'");
      for (uint8_t& ft : rule.flowtypes)
        if (ft == kUnknownFlowtype) ft = rule.flowtypes[kOther];
      config_.sensors_.push_back(std::move(rule));
      sensor_probes_.emplace_back();
      Open("sensor", w[1]);
      return Status::Ok();
    }
    if (key == "include") {
      if (w.size() != 2) return Status::Invalid("'include' takes one path");
      if (depth >= kMaxIncludeDepth) return Status::Invalid("includes nested too deeply (a loop?)");
      std::filesystem::path p(w[1]);
      if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
      auto text = ReadFileToString(p.string());
      if (!text.ok()) return text.status().WithPrefix("include");
      std::string saved = where_;
      Status s = ParseText(*text, p.string(), depth + 1);
      where_ = saved;
      if (!s.ok()) return Status(s.code(), s.message() + " (included from " + saved + ")");
      return Status::Ok();
    }
    return Status::Invalid("unknown statement '" + key + "' (probe, group, sensor or include)");
  }

  void Open(const std::string& kind, const std::string& name) {
    block_ = kind;
    block_name_ = name;
  }

  Status EndBlock() {
    if (block_ == "probe") {
      ProbeConfig& p = config_.probes_.back();
      if (p.port == 0)
        return Status::Invalid("probe '" + p.name + "' has no listen-on-port " +
                               "(weir collects from the network only)");
      if (p.tcp && p.type != ProbeType::kIpfix)
        return Status::Invalid("probe '" + p.name + "': protocol tcp is for ipfix probes only");
    }
    return Status::Ok();
  }

  Status ProbeStatement(const std::vector<std::string>& w) {
    ProbeConfig& p = config_.probes_.back();
    const std::string& key = w[0];
    auto one = [&]() -> Status {
      if (w.size() != 2) return Status::Invalid("'" + key + "' takes one value");
      return Status::Ok();
    };
    if (key == "listen-on-port") {
      WEIR_RETURN_IF_ERROR(one());
      auto port = ParseUint(w[1], 65535);
      if (!port || *port == 0) return Status::Invalid("invalid port '" + w[1] + "' (1-65535)");
      p.port = static_cast<uint16_t>(*port);
      return Status::Ok();
    }
    if (key == "protocol") {
      WEIR_RETURN_IF_ERROR(one());
      if (w[1] == "udp")
        p.tcp = false;
      else if (w[1] == "tcp")
        p.tcp = true;
      else if (w[1] == "sctp")
        return Status::Unsupported("protocol sctp is not supported (udp or tcp)");
      else
        return Status::Invalid("unknown protocol '" + w[1] + "' (udp or tcp)");
      return Status::Ok();
    }
    if (key == "listen-as-host") {
      WEIR_RETURN_IF_ERROR(one());
      p.listen_host = w[1];
      return ResolveHost(w[1]).status();
    }
    if (key == "accept-from-host") {
      if (w.size() < 2) return Status::Invalid("'accept-from-host' takes one or more hosts");
      for (const std::string& host : ListItems(w, 1)) {
        auto addresses = ResolveHost(host);
        if (!addresses.ok()) return addresses.status();
        p.accept_from.insert(p.accept_from.end(), addresses->begin(), addresses->end());
      }
      return Status::Ok();
    }
    if (key == "log-flags") {
      p.log_flags = 0;
      for (const std::string& flag : ListItems(w, 1)) {
        if (flag == "none")
          p.log_flags = 0;
        else if (flag == "all")
          p.log_flags = ~0u;
        else if (flag == "bad")
          p.log_flags |= kLogBad;
        else if (flag == "missing")
          p.log_flags |= kLogMissing;
        else if (flag == "sampling")
          p.log_flags |= kLogSampling;
        else if (flag == "show-templates")
          p.log_flags |= kLogShowTemplates;
        else if (flag == "record-timestamps")
          p.log_flags |= kLogRecordTimestamps;
        else if (flag == "firewall-event")
          p.log_flags |= kLogFirewallEvent;
        else if (flag == "default")
          p.log_flags |= kLogDefault;
        else
          return Status::Invalid("unknown log flag '" + flag +
                                 "' (none all bad missing sampling show-templates "
                                 "record-timestamps firewall-event default)");
      }
      return Status::Ok();
    }
    if (key == "interface-values") {
      WEIR_RETURN_IF_ERROR(one());
      if (w[1] == "snmp")
        p.vlan_interfaces = false;
      else if (w[1] == "vlan")
        p.vlan_interfaces = true;
      else
        return Status::Invalid("unknown interface-values '" + w[1] + "' (snmp or vlan)");
      return Status::Ok();
    }
    if (key == "quirks") {
      p.quirks = 0;
      for (const std::string& q : ListItems(w, 1)) {
        if (q == "none")
          p.quirks = 0;
        else if (q == "zero-packets")
          p.quirks |= kQuirkZeroPackets;
        else if (q == "missing-ipv4")
          p.quirks |= kQuirkMissingIpv4;
        else if (q == "firewall-event")
          p.quirks |= kQuirkFirewallEvent;
        else if (q == "nf9-out-is-reverse")
          p.quirks |= kQuirkNf9OutIsReverse;
        else if (q == "nf9-sysuptime-seconds")
          p.quirks |= kQuirkNf9SysUptimeSeconds;
        else
          return Status::Invalid("unknown quirk '" + q +
                                 "' (none zero-packets missing-ipv4 firewall-event "
                                 "nf9-out-is-reverse nf9-sysuptime-seconds)");
      }
      return Status::Ok();
    }
    if (key == "priority") {
      config_.warnings_.push_back(where_ + ": 'priority' is obsolete and ignored");
      return Status::Ok();
    }
    if (key == "listen-on-unix-socket" || key == "read-from-file" || key == "poll-directory")
      return Status::Unsupported("'" + key + "' is not supported: weir collects from UDP and " +
                                 "TCP ports (use listen-on-port)");
    return Status::Invalid("unexpected '" + key + "' in probe block");
  }

  Status GroupStatement(const std::vector<std::string>& w) {
    Group& g = groups_[block_name_];
    const std::string& key = w[0];
    if (key == "interfaces") {
      if (g.kind == Group::Kind::kAddresses)
        return Status::Invalid("group '" + block_name_ + "' already holds addresses");
      g.kind = Group::Kind::kInterfaces;
      return AddInterfaces(ListItems(w, 1), g.interfaces);
    }
    if (key == "ipblocks" || key == "ipsets") {
      if (g.kind == Group::Kind::kInterfaces)
        return Status::Invalid("group '" + block_name_ + "' already holds interfaces");
      g.kind = Group::Kind::kAddresses;
      return key == "ipblocks" ? AddBlocks(ListItems(w, 1), g.addresses)
                               : AddIpSets(ListItems(w, 1), g.addresses);
    }
    return Status::Invalid("unexpected '" + key +
                           "' in group block (interfaces, ipblocks, ipsets)");
  }

  Status SensorStatement(const std::vector<std::string>& w) {
    SensorRule& rule = config_.sensors_.back();
    const std::string& key = w[0];
    using Kind = SensorRule::DeciderKind;
    if (key.size() > 7 && key.ends_with("-probes")) {
      std::string type = key.substr(0, key.size() - 7);
      for (const std::string& name : ListItems(w, 1)) {
        size_t found = config_.probes_.size();
        for (size_t i = 0; i < config_.probes_.size(); ++i)
          if (config_.probes_[i].name == name) found = i;
        if (found == config_.probes_.size())
          return Status::Invalid("unknown probe '" + name + "' (define it before the sensor)");
        if (ProbeTypeName(config_.probes_[found].type) != type &&
            !(type == "netflow" && config_.probes_[found].type == ProbeType::kNetflowV5))
          return Status::Invalid("probe '" + name + "' is of type " +
                                 std::string(ProbeTypeName(config_.probes_[found].type)) +
                                 ", not " + type);
        sensor_probes_.back().push_back(found);
      }
      return Status::Ok();
    }
    if (key == "source-network" || key == "destination-network") {
      if (w.size() != 2) return Status::Invalid("'" + key + "' takes one network name");
      auto network = NetworkNamed(w[1]);
      if (!network.ok()) return network.status();
      rule.fixed_network[key == "source-network" ? 0 : 1] = static_cast<int>(*network);
      return Status::Ok();
    }
    if (key == "isp-ip") {
      for (const std::string& item : ListItems(w, 1)) {
        auto a = IpAddress::Parse(item);
        if (!a) return Status::Invalid("invalid isp-ip address '" + item + "'");
        rule.isp_ips.push_back(*a);
      }
      return Status::Ok();
    }
    if (key == "discard-when" || key == "discard-unless") return DiscardStatement(w, rule);
    for (std::string_view suffix : {"-ipblocks", "-ipsets", "-interfaces"}) {
      if (!key.ends_with(suffix)) continue;
      auto network = NetworkNamed(key.substr(0, key.size() - suffix.size()));
      if (!network.ok()) return Status::Invalid("unexpected '" + key + "' in sensor block");
      auto& d = rule.deciders[static_cast<size_t>(*network)];
      if (d.kind != Kind::kUnset)
        return Status::Invalid("the " + key.substr(0, key.size() - suffix.size()) +
                               " network is already set for this sensor");
      std::vector<std::string> items = ListItems(w, 1);
      if (items.empty()) return Status::Invalid("'" + key + "' takes a list or 'remainder'");
      const bool interfaces = suffix == "-interfaces";
      if (items.size() == 1 && items[0] == "remainder") {
        d.kind = interfaces ? Kind::kRemainderInterfaces : Kind::kRemainderAddresses;
        return Status::Ok();
      }
      d.kind = interfaces ? Kind::kInterfaces : Kind::kAddresses;
      if (interfaces) return AddInterfaces(items, d.interfaces);
      return suffix == "-ipblocks" ? AddBlocks(items, d.addresses) : AddIpSets(items, d.addresses);
    }
    return Status::Invalid("unexpected '" + key + "' in sensor block");
  }

  Status DiscardStatement(const std::vector<std::string>& w, SensorRule& rule) {
    if (w.size() < 3) return Status::Invalid("'" + w[0] + "' takes a test and a list");
    SensorRule::Discard d;
    d.when = w[0] == "discard-when";
    const std::string& test = w[1];
    std::string_view what;
    if (test.starts_with("source-"))
      d.side = SensorRule::Side::kSource, what = std::string_view(test).substr(7);
    else if (test.starts_with("destination-"))
      d.side = SensorRule::Side::kDestination, what = std::string_view(test).substr(12);
    else if (test.starts_with("any-"))
      d.side = SensorRule::Side::kAny, what = std::string_view(test).substr(4);
    std::vector<std::string> items = ListItems(w, 2);
    Status s;
    if (what == "interfaces") {
      d.interfaces = true;
      s = AddInterfaces(items, d.interface_list);
    } else if (what == "ipblocks") {
      s = AddBlocks(items, d.addresses);
    } else if (what == "ipsets") {
      s = AddIpSets(items, d.addresses);
    } else {
      return Status::Invalid(
          "unknown test '" + test +
          "' (source-, destination- or any- with interfaces, ipblocks or ipsets)");
    }
    if (!s.ok()) return s;
    rule.discards.push_back(std::move(d));
    return Status::Ok();
  }

  Result<Network> NetworkNamed(std::string_view name) {
    if (name == "internal") return Network::kInternal;
    if (name == "external") return Network::kExternal;
    if (name == "null") return Network::kNull;
    return Status::Invalid("unknown network '" + std::string(name) +
                           "' (internal, external, null)");
  }

  Group* Referenced(const std::string& item, Group::Kind want) {
    auto it = groups_.find(item.substr(1));
    if (it == groups_.end()) return nullptr;
    Group& g = it->second;
    if (g.kind == Group::Kind::kEmpty && !g.warned) {
      g.warned = true;
      config_.warnings_.push_back(where_ + ": group '" + item.substr(1) +
                                  "' is empty; it matches no " +
                                  (want == Group::Kind::kInterfaces ? "interface" : "address"));
    }
    return &g;
  }

  Status AddInterfaces(const std::vector<std::string>& items, std::vector<uint32_t>& out) {
    for (const std::string& item : items) {
      if (item.starts_with("@")) {
        Group* g = Referenced(item, Group::Kind::kInterfaces);
        if (!g) return Status::Invalid("unknown group '" + item.substr(1) + "'");
        if (g->kind == Group::Kind::kAddresses)
          return Status::Invalid("group '" + item.substr(1) + "' holds addresses, not interfaces");
        out.insert(out.end(), g->interfaces.begin(), g->interfaces.end());
        continue;
      }
      size_t dash = item.find('-');
      auto low = ParseUint(item.substr(0, dash), UINT32_MAX);
      auto high = dash == std::string::npos ? low : ParseUint(item.substr(dash + 1), UINT32_MAX);
      if (!low || !high || *high < *low || *high - *low > 65535)
        return Status::Invalid("invalid interface '" + item +
                               "' (a number or range, 0-4294967295)");
      for (uint64_t v = *low; v <= *high; ++v) out.push_back(static_cast<uint32_t>(v));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return Status::Ok();
  }

  Status AddBlocks(const std::vector<std::string>& items, IpSet& out) {
    for (const std::string& item : items) {
      if (item.starts_with("@")) {
        Group* g = Referenced(item, Group::Kind::kAddresses);
        if (!g) return Status::Invalid("unknown group '" + item.substr(1) + "'");
        if (g->kind == Group::Kind::kInterfaces)
          return Status::Invalid("group '" + item.substr(1) + "' holds interfaces, not addresses");
        out.AddSet(g->addresses);
        continue;
      }
      Status s = AddIpText(item, out);
      if (!s.ok()) return Status::Invalid("invalid IP block '" + item + "': " + s.message());
    }
    out.Finish();
    return Status::Ok();
  }

  // ipsets: files of addresses as text (addresses, CIDR blocks or wildcards,
  // separated by commas, spaces or lines). SiLK's binary rwset files are not read.
  Status AddIpSets(const std::vector<std::string>& items, IpSet& out) {
    for (const std::string& item : items) {
      if (item.starts_with("@")) {
        std::vector<std::string> one{item};
        WEIR_RETURN_IF_ERROR(AddBlocks(one, out));
        continue;
      }
      auto text = ReadFileToString(item);
      if (!text.ok()) return text.status().WithPrefix("ipset");
      Status s = AddIpText(*text, out);
      if (!s.ok()) return Status::Invalid("ipset " + item + ": " + s.message());
    }
    out.Finish();
    return Status::Ok();
  }

  // SiLK's packlogic-twoway verification of one sensor's networks.
  Status Verify(SensorRule& rule) {
    using Kind = SensorRule::DeciderKind;
    if (rule.fixed_network[0] >= 0 && rule.fixed_network[1] >= 0) return Status::Ok();
    int ip_count = 0, if_count = 0, remainders = 0;
    for (const auto& d : rule.deciders) {
      ip_count += d.kind == Kind::kAddresses || d.kind == Kind::kRemainderAddresses;
      if_count += d.kind == Kind::kInterfaces || d.kind == Kind::kRemainderInterfaces;
      remainders += d.kind == Kind::kRemainderAddresses || d.kind == Kind::kRemainderInterfaces;
    }
    auto& null_decider = rule.deciders[static_cast<size_t>(Network::kNull)];
    auto& external = rule.deciders[static_cast<size_t>(Network::kExternal)];
    auto& internal = rule.deciders[static_cast<size_t>(Network::kInternal)];
    if (ip_count + if_count == 0 || (ip_count + if_count == 1 && null_decider.kind != Kind::kUnset))
      return Status::Invalid("sensor '" + rule.name +
                             "' cannot classify flows: give source-network and "
                             "destination-network, or internal-/external- interfaces or ipblocks");
    if (remainders > 1)
      return Status::Invalid("sensor '" + rule.name + "': only one network may be 'remainder'");
    if (ip_count > 0) {
      int mixed = if_count;
      if (null_decider.kind == Kind::kInterfaces || null_decider.kind == Kind::kRemainderInterfaces)
        --mixed;
      if (mixed > 0)
        return Status::Invalid("sensor '" + rule.name +
                               "': cannot mix -interfaces and -ipblocks (except null-interfaces)");
      bool remainder_ip = false;
      for (const auto& d : rule.deciders) remainder_ip |= d.kind == Kind::kRemainderAddresses;
      if (remainder_ip) {
        if (ip_count == 1)
          return Status::Invalid("sensor '" + rule.name +
                                 "': ipblocks 'remainder' needs another network with ipblocks");
        return Status::Ok();
      }
      if (external.kind == Kind::kUnset) external.kind = Kind::kRemainderAddresses;
      if (internal.kind == Kind::kUnset) internal.kind = Kind::kRemainderAddresses;
      return Status::Ok();
    }
    if (remainders == 1) return Status::Ok();
    if (external.kind == Kind::kUnset) external.kind = Kind::kRemainderInterfaces;
    if (internal.kind == Kind::kUnset) internal.kind = Kind::kRemainderInterfaces;
    return Status::Ok();
  }

  SensorConfig& config_;
  const SiteConfig& site_;
  std::map<std::string, Group> groups_;
  std::vector<std::vector<size_t>> sensor_probes_;  // per sensor rule: probe indexes
  std::string block_, block_name_, where_;
};

Result<SensorConfig> SensorConfig::Parse(std::string_view text, const std::string& name,
                                         const SiteConfig& site) {
  SensorConfig config;
  config.source_ = name;
  SensorParser parser(config, site);
  WEIR_RETURN_IF_ERROR(parser.ParseText(text, name, 0));
  WEIR_RETURN_IF_ERROR(parser.Finish());
  return config;
}

Result<SensorConfig> SensorConfig::LoadFile(const std::string& path, const SiteConfig& site) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path, site);
}

std::string_view SensorConfig::DefaultText() { return kDefaultSensorText; }

Result<SensorConfig> SensorConfig::Default(const SiteConfig& site) {
  if (site.sensors().empty())
    return Status::Invalid(site.source() + " defines no sensor for the default sensor.conf");
  std::string text(kDefaultSensorText);
  text.replace(text.find("SENSOR"), 6, site.sensors().front().name);
  return Parse(text, "(embedded default sensor.conf)", site);
}

}  // namespace weir
