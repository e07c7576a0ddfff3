#include "ids/eve.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "base/time.h"

namespace weir {

namespace {

namespace od = simdjson::ondemand;

struct NamedPort {
  std::string_view name;
  uint16_t port;
};

// Suricata's app_proto names and the ports SiLK's application label gives them.
constexpr NamedPort kAppProtos[] = {
    {"http", 80},      {"tls", 443},   {"dns", 53},      {"ssh", 22},
    {"smtp", 25},      {"ftp", 21},    {"ftp-data", 20}, {"smb", 445},
    {"dcerpc", 135},   {"dhcp", 67},   {"ntp", 123},     {"snmp", 161},
    {"sip", 5060},     {"rdp", 3389},  {"krb5", 88},     {"nfs", 2049},
    {"tftp", 69},      {"ike", 500},   {"ikev2", 500},   {"mqtt", 1883},
    {"imap", 143},     {"pop3", 110},  {"modbus", 502},  {"dnp3", 20000},
    {"enip", 44818},   {"rfb", 5900},  {"telnet", 23},   {"ldap", 389},
    {"pgsql", 5432},   {"http2", 443}, {"quic", 443},    {"bittorrent-dht", 6881},
    {"websocket", 80}, {"mdns", 5353}, {"nntp", 119},    {"irc", 6667},
};

constexpr NamedPort kProtocols[] = {
    {"icmp", 1},  {"igmp", 2},  {"tcp", 6},    {"udp", 17},       {"ipv6", 41},
    {"gre", 47},  {"esp", 50},  {"ah", 51},    {"ipv6-icmp", 58}, {"icmpv6", 58},
    {"ospf", 89}, {"pim", 103}, {"vrrp", 112}, {"sctp", 132},     {"udplite", 136},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

// Digits at text[at, at+n) as a number; -1 when they are not all digits.
int Digits(std::string_view text, size_t at, size_t n) {
  if (at + n > text.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

// TCP flags as Suricata writes them: two hex digits ("1b").
uint8_t HexFlags(std::string_view text) {
  unsigned v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v, 16);
  return static_cast<uint8_t>(v);
}

struct Direction {
  uint64_t packets = 0, bytes = 0;
};

// The members of the `flow` or `netflow` object weir uses.
struct FlowPart {
  Direction toserver, toclient, one;  // one: netflow's pkts/bytes
  std::string_view start, end;
};

Status Fail(std::string_view what) { return Status::Invalid(std::string(what)); }

// "OBJECT: "KEY" has the wrong type" (OBJECT empty at the top level).
Status WrongType(std::string_view object, std::string_view key) {
  std::string text(object);
  if (!text.empty()) text += ": ";
  text += '"';
  text += key;
  text += "\" has the wrong type";
  return Status::Invalid(text);
}

// A member's key as written, without unescaping it: EVE's keys are plain words,
// and a key with an escape simply matches none of the names weir reads.
template <typename Field>  // a field, or the result of iterating to one
bool RawKey(Field& field, std::string_view& key) {
  od::raw_json_string raw;
  if (field.key().get(raw) != simdjson::SUCCESS) return false;
  const char* begin = raw.raw();
  const char* end = begin;
  while (*end != '"') end += *end == '\\' ? 2 : 1;
  key = std::string_view(begin, static_cast<size_t>(end - begin));
  return true;
}

template <typename T>
bool Unsigned(od::value v, T& out) {
  uint64_t n;
  if (v.get_uint64().get(n) != simdjson::SUCCESS) return false;
  out = static_cast<T>(n);
  return true;
}

Status ReadFlowPart(od::value v, FlowPart& part) {
  od::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return Fail("\"flow\" is not an object");
  for (auto field : o) {
    std::string_view key;
    if (!RawKey(field, key)) return Fail("a bad key in \"flow\"");
    od::value value = field.value();
    bool ok = true;
    if (key == "pkts_toserver")
      ok = Unsigned(value, part.toserver.packets);
    else if (key == "pkts_toclient")
      ok = Unsigned(value, part.toclient.packets);
    else if (key == "bytes_toserver")
      ok = Unsigned(value, part.toserver.bytes);
    else if (key == "bytes_toclient")
      ok = Unsigned(value, part.toclient.bytes);
    else if (key == "pkts")
      ok = Unsigned(value, part.one.packets);
    else if (key == "bytes")
      ok = Unsigned(value, part.one.bytes);
    else if (key == "start")
      ok = value.get_string().get(part.start) == simdjson::SUCCESS;
    else if (key == "end")
      ok = value.get_string().get(part.end) == simdjson::SUCCESS;
    if (!ok) return WrongType("\"flow\"", key);
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> ParseEveTime(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.f...](Z|+HHMM|+HH:MM|-...)
  const int year = Digits(t, 0, 4), month = Digits(t, 5, 2), day = Digits(t, 8, 2);
  const int hour = Digits(t, 11, 2), minute = Digits(t, 14, 2), second = Digits(t, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60 || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
    return Status::Invalid("not an EVE time: '" + std::string(t.substr(0, 40)) + "'");
  size_t at = 19;
  int64_t ms = 0;
  if (at < t.size() && t[at] == '.') {
    int64_t scale = 100;
    for (++at; at < t.size() && t[at] >= '0' && t[at] <= '9'; ++at) {
      ms += (t[at] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_min = 0;
  if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    const int sign = t[at] == '-' ? -1 : 1;
    const size_t colon = at + 3 < t.size() && t[at + 3] == ':' ? 1 : 0;
    const int oh = Digits(t, at + 1, 2), om = Digits(t, at + 3 + colon, 2);
    if (oh < 0 || om < 0 || at + 5 + colon != t.size())
      return Status::Invalid("not an EVE time zone: '" + std::string(t.substr(0, 40)) + "'");
    offset_min = sign * (oh * 60 + om);
  } else if (at < t.size() && t[at] == 'Z' && at + 1 == t.size()) {
  } else if (at != t.size()) {
    return Status::Invalid("not an EVE time: '" + std::string(t.substr(0, 40)) + "'");
  }
  const int64_t days = DaysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute - offset_min) * 60'000 + second * 1000LL + ms;
}

Result<uint8_t> ParseEveProtocol(std::string_view text) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && end == text.data() + text.size() && n <= 255)
    return static_cast<uint8_t>(n);
  for (const NamedPort& p : kProtocols)
    if (EqualsIgnoreCase(text, p.name)) return static_cast<uint8_t>(p.port);
  return Status::Invalid("unknown protocol '" + std::string(text.substr(0, 32)) + "'");
}

uint16_t AppProtoPort(std::string_view app_proto) {
  for (const NamedPort& p : kAppProtos)
    if (EqualsIgnoreCase(app_proto, p.name)) return p.port;
  return 0;
}

std::string_view AppProtoName(uint16_t port) {
  for (const NamedPort& p : kAppProtos)
    if (p.port == port) return p.name;
  return {};
}

struct EveParser::Impl {
  od::parser parser;
  std::string buffer;
};

EveParser::EveParser() : impl_(std::make_unique<Impl>()) {}
EveParser::~EveParser() = default;

Result<EveType> EveParser::Parse(std::string_view line, EveFlow* flow, EveAlert* alert) {
  std::string& buffer = impl_->buffer;
  buffer.assign(line);
  buffer.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (impl_->parser.iterate(buffer.data(), line.size(), buffer.capacity()).get(doc) !=
      simdjson::SUCCESS)
    return Fail("not JSON");
  od::object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) return Fail("not a JSON object");

  EveType type = EveType::kOther;
  bool typed = false;
  std::string_view timestamp, src_ip, dest_ip, app_proto, community_id, in_iface;
  bool has_proto = false;
  std::string_view flags_ts, flags_tc, flags_all;
  uint64_t flow_id = 0, sport = 0, dport = 0, vlan = 0;
  int64_t icmp_type = -1, icmp_code = -1, response_type = -1, response_code = -1;
  FlowPart part;
  bool has_part = false;
  EveAlert a;
  for (auto field : o) {
    std::string_view key;
    if (!RawKey(field, key)) return Fail("a bad key");
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return Fail("a bad value");
    bool ok = true;
    if (key == "event_type") {
      std::string_view t;
      ok = v.get_string().get(t) == simdjson::SUCCESS;
      type = t == "flow"      ? EveType::kFlow
             : t == "netflow" ? EveType::kNetflow
             : t == "alert"   ? EveType::kAlert
                              : EveType::kOther;
      typed = true;
      // Events not asked for end here (their other members are not read).
      if (type == EveType::kOther || (type == EveType::kAlert && !alert) ||
          (type != EveType::kAlert && !flow))
        return type;
    } else if (key == "timestamp") {
      ok = v.get_string().get(timestamp) == simdjson::SUCCESS;
    } else if (key == "flow_id") {
      ok = Unsigned(v, flow_id);
    } else if (key == "src_ip") {
      ok = v.get_string().get(src_ip) == simdjson::SUCCESS;
    } else if (key == "dest_ip") {
      ok = v.get_string().get(dest_ip) == simdjson::SUCCESS;
    } else if (key == "src_port") {
      ok = Unsigned(v, sport) && sport <= 65535;
    } else if (key == "dest_port") {
      ok = Unsigned(v, dport) && dport <= 65535;
    } else if (key == "proto") {
      uint64_t n;
      std::string_view name;
      if (v.get_uint64().get(n) == simdjson::SUCCESS) {
        ok = n <= 255;
        a.protocol = static_cast<uint8_t>(n);
      } else if ((ok = v.get_string().get(name) == simdjson::SUCCESS)) {
        auto p = ParseEveProtocol(name);
        if (!p.ok()) return p.status();
        a.protocol = *p;
      }
      has_proto = ok;
    } else if (key == "app_proto") {
      ok = v.get_string().get(app_proto) == simdjson::SUCCESS;
    } else if (key == "community_id") {
      ok = v.get_string().get(community_id) == simdjson::SUCCESS;
    } else if (key == "in_iface") {
      ok = v.get_string().get(in_iface) == simdjson::SUCCESS;
    } else if (key == "icmp_type") {
      ok = v.get_int64().get(icmp_type) == simdjson::SUCCESS;
    } else if (key == "icmp_code") {
      ok = v.get_int64().get(icmp_code) == simdjson::SUCCESS;
    } else if (key == "response_icmp_type") {
      ok = v.get_int64().get(response_type) == simdjson::SUCCESS;
    } else if (key == "response_icmp_code") {
      ok = v.get_int64().get(response_code) == simdjson::SUCCESS;
    } else if (key == "vlan") {
      od::array vlans;
      if (v.get_array().get(vlans) == simdjson::SUCCESS) {
        for (auto id : vlans) {
          uint64_t n;
          if (id.get_uint64().get(n) == simdjson::SUCCESS && vlan == 0) vlan = n;
        }
      }
    } else if ((key == "flow" || key == "netflow") && type != EveType::kAlert) {
      // An alert's own "flow" member (its connection's counters so far) is not read.
      if (Status s = ReadFlowPart(v, part); !s.ok()) return s;
      has_part = true;
    } else if (key == "tcp") {
      od::object tcp;
      if (v.get_object().get(tcp) == simdjson::SUCCESS) {
        for (auto member : tcp) {
          std::string_view name, text;
          if (!RawKey(member, name)) return Fail("a bad key in \"tcp\"");
          if (member.value().get_string().get(text) != simdjson::SUCCESS) continue;
          if (name == "tcp_flags_ts")
            flags_ts = text;
          else if (name == "tcp_flags_tc")
            flags_tc = text;
          else if (name == "tcp_flags")
            flags_all = text;
        }
      }
    } else if (key == "alert") {
      od::object al;
      if (v.get_object().get(al) != simdjson::SUCCESS) return Fail("\"alert\" is not an object");
      for (auto member : al) {
        std::string_view name;
        if (!RawKey(member, name)) return Fail("a bad key in \"alert\"");
        od::value mv = member.value();
        std::string_view text;
        if (name == "signature_id")
          ok = Unsigned(mv, a.signature_id);
        else if (name == "severity")
          ok = Unsigned(mv, a.severity);
        else if (name == "signature" && mv.get_string().get(text) == simdjson::SUCCESS)
          a.signature = text;
        else if (name == "category" && mv.get_string().get(text) == simdjson::SUCCESS)
          a.category = text;
        if (!ok) return WrongType("\"alert\"", name);
      }
    }
    if (!ok) return WrongType("", key);
  }
  if (!typed) return Fail("no \"event_type\"");

  // The connection's endpoints, common to flows and alerts.
  auto src = IpAddress::Parse(src_ip);
  if (!src) return Fail("\"src_ip\" is missing or not an address");
  auto dest = IpAddress::Parse(dest_ip);
  if (!dest) return Fail("\"dest_ip\" is missing or not an address");
  if (!has_proto) return Fail("no \"proto\"");
  const bool icmp = a.protocol == kProtoIcmp || a.protocol == kProtoIcmpV6;
  if (icmp) {
    sport = icmp_type >= 0 ? static_cast<uint64_t>(icmp_type & 0xff) : 0;
    dport = icmp_code >= 0 ? static_cast<uint64_t>(icmp_code & 0xff) : 0;
  }

  if (type == EveType::kAlert) {
    auto t = ParseEveTime(timestamp);
    if (!t.ok()) return t.status().WithPrefix("\"timestamp\"");
    a.time_ms = *t;
    a.src = *src;
    a.dest = *dest;
    a.sport = static_cast<uint16_t>(sport);
    a.dport = static_cast<uint16_t>(dport);
    a.flow_id = flow_id;
    a.community_id = community_id;
    *alert = std::move(a);
    return type;
  }

  if (!has_part)
    return Fail(type == EveType::kFlow ? "no \"flow\" object" : "no \"netflow\" object");
  auto start = ParseEveTime(part.start);
  if (!start.ok()) return start.status().WithPrefix("\"start\"");
  auto end = ParseEveTime(part.end);
  if (!end.ok()) return end.status().WithPrefix("\"end\"");
  const int64_t duration = std::clamp<int64_t>(*end - *start, 0, UINT32_MAX);
  flow->count = 0;
  flow->in_iface = in_iface;
  auto written = ParseEveTime(timestamp);
  flow->event_ms = written.ok() ? *written : 0;
  auto make = [&](const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp,
                  const Direction& dir, std::string_view flags) {
    FlowRecord& r = flow->records[flow->count++];
    r = FlowRecord();
    r.sip = s;
    r.dip = d;
    r.protocol = a.protocol;
    r.sport = icmp ? 0 : sp;
    r.dport = icmp ? static_cast<uint16_t>(sp << 8 | dp) : dp;
    r.packets = dir.packets;
    r.bytes = dir.bytes;
    r.stime_ms = *start;
    r.duration_ms = static_cast<uint32_t>(duration);
    r.flags = flags.empty() ? 0 : HexFlags(flags);
    r.initial_flags = 0;
    r.flow_id = flow_id;
    r.application = AppProtoPort(app_proto);
    r.vlan = static_cast<uint16_t>(vlan);
  };
  const auto s16 = static_cast<uint16_t>(sport), d16 = static_cast<uint16_t>(dport);
  if (type == EveType::kNetflow) {
    make(*src, *dest, s16, d16, part.one, flags_all);
    return type;
  }
  if (part.toserver.packets > 0) make(*src, *dest, s16, d16, part.toserver, flags_ts);
  if (part.toclient.packets > 0) {
    uint16_t rs = d16, rd = s16;
    if (icmp) {
      rs = response_type >= 0 ? static_cast<uint16_t>(response_type & 0xff) : s16;
      rd = response_code >= 0 ? static_cast<uint16_t>(response_code & 0xff) : d16;
    }
    make(*dest, *src, rs, rd, part.toclient, flags_tc);
  }
  return type;
}

}  // namespace weir
