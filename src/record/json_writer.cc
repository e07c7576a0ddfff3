#include "record/json_writer.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "base/decimal.h"
#include "net/community_id.h"

namespace weir {

namespace {

// Characters a value may take at most, by field type (quotes included).
size_t MaxValueLength(const FieldInfo& info, const FormatOptions& o) {
  size_t names = 0;
  if (o.names)
    names = std::max({o.names->MaxSensorNameLength(),
                      o.names->MaxClassNameLength() + 1 + o.names->MaxTypeNameLength(), size_t{5}});
  switch (info.type) {
    case FieldType::kIp:
      return 56;
    case FieldType::kTime:
      return 40;
    case FieldType::kSensor:
    case FieldType::kClassName:
    case FieldType::kTypeName:
    case FieldType::kFlowtype:
      return 6 * names + 24;  // every byte escaped at worst
    default:
      return 48;
  }
}

// "0".."255" for dotted quads.
struct OctetTable {
  std::array<std::array<char, 4>, 256> text{};  // digits, then the length in [3]
  constexpr OctetTable() {
    for (int v = 0; v < 256; ++v) {
      int n = 0;
      if (v >= 100) text[v][n++] = static_cast<char>('0' + v / 100);
      if (v >= 10) text[v][n++] = static_cast<char>('0' + v / 10 % 10);
      text[v][n++] = static_cast<char>('0' + v % 10);
      text[v][3] = static_cast<char>(n);
    }
  }
};
constexpr OctetTable kOctets;

inline char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Copies a short string whose storage has at least 32 readable bytes with one
// fixed-size move (the destination always has room to spare).
inline char* PutPadded(char* p, const char* s, size_t n) {
  std::memcpy(p, s, 32);
  if (n > 32) [[unlikely]]
    std::memcpy(p + 32, s + 32, n - 32);
  return p + n;
}

inline char* PutUnsigned(char* p, uint64_t v) { return PutDecimal(p, v); }

inline char* PutIp(char* p, const IpAddress& a) {
  *p++ = '"';
  if (a.is_v4()) {
    const auto& b = a.bytes();
    for (int i = 12; i < 16; ++i) {
      const auto& t = kOctets.text[b[i]];
      std::memcpy(p, t.data(), 3);
      p += t[3];
      *p++ = '.';
    }
    p[-1] = '"';
    return p;
  }
  std::string s;
  a.AppendTo(s);
  p = Put(p, s);
  *p++ = '"';
  return p;
}

// Escapes s as a JSON string body (no quotes).
char* PutEscaped(char* p, std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      p = Put(p, "\\u00");
      *p++ = kHex[u >> 4];
      *p++ = kHex[u & 15];
    } else {
      *p++ = c;
    }
  }
  return p;
}

std::string Quoted(std::string_view s) {
  std::string out(s.size() * 6 + 2, '\0');
  char* p = out.data();
  *p++ = '"';
  p = PutEscaped(p, s);
  *p++ = '"';
  out.resize(static_cast<size_t>(p - out.data()));
  return out;
}

constexpr char kFlagLetters[] = "FSRPAUEC";
constexpr char kAttributeLetters[] = "TCFS";

// Without branches: every letter is stored, and kept by moving on when its bit
// is set (real TCP flags vary from record to record, so branches would miss).
inline char* PutLetters(char* p, uint8_t bits, const char* letters, int count) {
  *p++ = '"';
  for (int bit = 0; bit < count; ++bit) {
    *p = letters[bit];
    p += bits >> bit & 1;
  }
  *p++ = '"';
  return p;
}

inline char* PutDuration(char* p, uint32_t ms) {
  p = PutUnsigned(p, ms / 1000);
  *p++ = '.';
  *p++ = static_cast<char>('0' + ms % 1000 / 100);
  *p++ = static_cast<char>('0' + ms % 100 / 10);
  *p++ = static_cast<char>('0' + ms % 10);
  return p;
}

// The ECS network.direction a SiLK flowtype's type names (twoway site config).
std::string_view Direction(std::string_view type) {
  if (type.starts_with("in")) return type == "int2int" ? "internal" : "inbound";
  if (type.starts_with("out")) return "outbound";
  if (type == "ext2ext") return "external";
  return "unknown";
}

std::string_view TransportName(uint8_t protocol) {
  switch (protocol) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 47:
      return "gre";
    case 50:
      return "esp";
    case 58:
      return "ipv6-icmp";
    case 132:
      return "sctp";
    default:
      return "";
  }
}

// Suricata's spelling of the protocol in EVE ("proto").
std::string_view EveProtocolName(uint8_t protocol) {
  switch (protocol) {
    case 1:
      return "ICMP";
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 47:
      return "GRE";
    case 58:
      return "IPv6-ICMP";
    case 132:
      return "SCTP";
    default:
      return "";
  }
}

}  // namespace

Result<JsonSchema> ParseJsonSchema(std::string_view text) {
  if (text == "weir" || text == "fields") return JsonSchema::kFields;
  if (text == "ecs") return JsonSchema::kEcs;
  if (text == "eve" || text == "suricata") return JsonSchema::kEve;
  return Status::Invalid("invalid schema '" + std::string(text) + "' (weir, ecs, eve)");
}

JsonRecordWriter::JsonRecordWriter(JsonOptions options) : options_(std::move(options)) {
  size_t names = 0;
  if (options_.value.names)
    names = options_.value.names->MaxSensorNameLength() +
            options_.value.names->MaxClassNameLength() + options_.value.names->MaxTypeNameLength();
  max_length_ = 4096 + 24 * names;
  if (options_.schema == JsonSchema::kFields) {
    for (FieldId id : options_.fields) {
      const FieldInfo& info = GetField(id);
      keys_.push_back(MakeKey(info, options_.value, keys_.empty()));
      max_length_ += keys_.back().length + 32 + MaxValueLength(info, options_.value);
    }
  }
  program_ = keys_;
  line_.resize(max_length_);
}

JsonRecordWriter::Key JsonRecordWriter::MakeKey(const FieldInfo& info, const FormatOptions& o,
                                                bool first) {
  std::string prefix = (first ? "{" : ",") + Quoted(info.name) + ":";
  Key key{{}, static_cast<uint16_t>(prefix.size()), Value::kGenericText, 0, &info};
  std::memcpy(key.prefix.data(), prefix.data(), prefix.size());  // names are short
  size_t width = 0;
  switch (info.id) {
#define WEIR_MEMBER_CASE(fid, member, type)                           \
  case FieldId::fid:                                                  \
    key.offset = static_cast<uint16_t>(offsetof(FlowRecord, member)); \
    width = sizeof(type);                                             \
    break;
    WEIR_STORED_COLUMNS(WEIR_MEMBER_CASE)
#undef WEIR_MEMBER_CASE
    default:
      break;  // derived: no member of its own
  }
  const bool iso = o.time_format == TimeFormat::kIso;
  switch (info.type) {
    case FieldType::kIp:
      key.value = o.ip_format == IpFormat::kCanonical ? Value::kIp : Value::kGenericText;
      break;
    case FieldType::kTime:
      key.value = !iso                         ? Value::kGenericText
                  : info.id == FieldId::kStime ? Value::kStartIso
                                               : Value::kEndIso;
      break;
    case FieldType::kDuration:
      key.value = Value::kDuration;
      break;
    case FieldType::kTcpFlags:
      key.value = o.integer_tcp_flags ? Value::kFlagNumber : Value::kFlagLetters;
      break;
    case FieldType::kAttributes:
      key.value = Value::kAttributes;
      break;
    case FieldType::kSensor:
      key.value = Value::kSensor;
      break;
    case FieldType::kClassName:
    case FieldType::kTypeName:
    case FieldType::kFlowtype:
      key.value = Value::kFlowtypeName;
      key.offset = static_cast<uint16_t>(offsetof(FlowRecord, flowtype));
      break;
    case FieldType::kDecimal:
      key.value = Value::kGenericNumber;
      break;
    case FieldType::kUnsigned:
      if (info.id == FieldId::kIcmpType || info.id == FieldId::kIcmpCode ||
          info.id == FieldId::kIcmpTypeCode)
        key.value = Value::kIcmpPart;
      else if (width == 1)
        key.value = Value::kU8;
      else if (width == 2)
        key.value = Value::kU16;
      else if (width == 4)
        key.value = Value::kU32;
      else if (width == 8)
        key.value = Value::kU64;
      else
        key.value = Value::kUnsigned;
      break;
  }
  return key;
}

void JsonRecordWriter::Append(std::string& out, const FlowRecord& r, uint64_t flow_id) {
  char* start = line_.data();
  char* p = Write(start, r, flow_id);
  out.append(start, static_cast<size_t>(p - start));
}

char* JsonRecordWriter::Write(char* p, const FlowRecord& r, uint64_t flow_id) {
  flow_id_ = flow_id;
  switch (options_.schema) {
    case JsonSchema::kFields:
      p = WriteFields(p, r);
      break;
    case JsonSchema::kEcs:
      p = WriteEcs(p, r);
      break;
    case JsonSchema::kEve:
      p = WriteEve(p, r);
      break;
  }
  *p++ = '\n';
  return p;
}

char* JsonRecordWriter::WriteIsoTime(char* p, int64_t ms) {
  const int64_t second = (ms >= 0 ? ms : ms - 999) / 1000;
  // Seconds into the cached hour (unsigned: a time before it wraps to a large value).
  uint64_t into = static_cast<uint64_t>(second) - static_cast<uint64_t>(cached_hour_);
  if (!hour_cached_ || into >= 3600) {
    const int64_t hour = (second >= 0 ? second : second - 3599) / 3600 * 3600;
    scratch_.clear();
    AppendTime(scratch_, hour * 1000, TimeFormat::kIso);
    if (scratch_.size() != 24) {  // years outside 0000-9999: no cache
      *p++ = '"';
      scratch_.clear();
      AppendTime(scratch_, ms, TimeFormat::kIso);
      p = Put(p, scratch_);
      *p++ = '"';
      return p;
    }
    std::memcpy(cached_hour_text_.data(), scratch_.data(), cached_hour_text_.size());
    cached_hour_ = hour;
    hour_cached_ = true;
    into = static_cast<uint64_t>(second - hour);
  }
  const unsigned frac = static_cast<unsigned>(ms - second * 1000);
  *p++ = '"';
  std::memcpy(p, cached_hour_text_.data(), cached_hour_text_.size());
  p += cached_hour_text_.size();
  std::memcpy(p, decimal_internal::kPairs + into / 60 * 2, 2);  // minutes
  p[2] = ':';
  std::memcpy(p + 3, decimal_internal::kPairs + into % 60 * 2, 2);  // seconds
  p[5] = '.';
  p += 6;
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  *p++ = 'Z';
  *p++ = '"';
  return p;
}

char* JsonRecordWriter::WriteGeneric(char* p, const FlowRecord& r, const FieldInfo& info,
                                     bool numeric) {
  scratch_.clear();
  AppendFieldValue(scratch_, r, info, options_.value);
  if (numeric) return scratch_.empty() ? Put(p, "null") : Put(p, scratch_);
  *p++ = '"';
  p = PutEscaped(p, scratch_);
  *p++ = '"';
  return p;
}

char* JsonRecordWriter::WriteSensor(char* p, uint16_t sensor) {
  if (sensor >= sensor_names_.size()) sensor_names_.resize(size_t{sensor} + 1);
  Name& cached = sensor_names_[sensor];
  if (cached.padded.empty()) {
    std::string name;
    std::string_view text = options_.value.names && !options_.value.integer_sensors
                                ? options_.value.names->SensorName(sensor)
                                : std::string_view();
    name = !text.empty()              ? Quoted(text)
           : sensor != kUnknownSensor ? Quoted(std::to_string(sensor))
                                      : "\"\"";
    cached = {name + std::string(32, ' '), name.size()};
  }
  return PutPadded(p, cached.padded.data(), cached.length);
}

char* JsonRecordWriter::WriteFlowtypeName(char* p, uint8_t flowtype, FieldType part) {
  int slot = part == FieldType::kClassName ? 0 : part == FieldType::kTypeName ? 1 : 2;
  Name& cached = flowtype_names_[flowtype][static_cast<size_t>(slot)];
  if (cached.padded.empty()) {
    FlowRecord r;
    r.flowtype = flowtype;
    scratch_.clear();
    FieldId id = slot == 0 ? FieldId::kClass : slot == 1 ? FieldId::kType : FieldId::kFlowtype;
    AppendFieldValue(scratch_, r, id, options_.value);
    std::string name = Quoted(scratch_);
    cached = {name + std::string(32, ' '), name.size()};
  }
  return PutPadded(p, cached.padded.data(), cached.length);
}

void JsonRecordWriter::Prepare(std::span<const FlowRecord> records) {
  prepared_ = records;
  if (options_.schema == JsonSchema::kFields) CompileConstants(records);
  if (!options_.community_id || records.empty()) return;
  messages_.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const FlowRecord& r = records[i];
    const bool icmp = r.is_icmp();
    messages_[i] =
        MakeCommunityIdMessage(options_.community_id_seed, r.sip, r.dip, r.protocol,
                               icmp ? r.icmp_type() : r.sport, icmp ? r.icmp_code() : r.dport);
  }
  community_ids_.resize(records.size() * kCommunityIdLength);
  WriteCommunityIds(messages_, community_ids_.data());
}

JsonRecordWriter::RecordDiff JsonRecordWriter::Differences(std::span<const FlowRecord> records) {
  static_assert(sizeof(FlowRecord) % 8 == 0);
  RecordDiff diff{};
  const char* first = reinterpret_cast<const char*>(records.data());
  for (const FlowRecord& r : records) {
    const char* q = reinterpret_cast<const char*>(&r);
    for (size_t w = 0; w < diff.size(); ++w) {
      uint64_t a, b;
      std::memcpy(&a, q + 8 * w, 8);
      std::memcpy(&b, first + 8 * w, 8);
      diff[w] |= a ^ b;
    }
  }
  return diff;
}

bool JsonRecordWriter::SameInAll(const Key& key, const RecordDiff& diff) {
  // Whether the width bytes at offset are the same in every record.
  auto same = [&](size_t offset, size_t width) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(diff.data());
    for (size_t i = offset; i < offset + width; ++i)
      if (bytes[i]) return false;
    return true;
  };
  switch (key.value) {
    case Value::kU8:
    case Value::kFlagLetters:
    case Value::kFlagNumber:
    case Value::kAttributes:
    case Value::kFlowtypeName:
      return same(key.offset, 1);
    case Value::kU16:
    case Value::kSensor:
      return same(key.offset, 2);
    case Value::kU32:
    case Value::kDuration:
      return same(key.offset, 4);
    case Value::kU64:
      return same(key.offset, 8);
    case Value::kIp:
      return same(key.offset, 16);
    case Value::kIcmpPart:
      return same(offsetof(FlowRecord, protocol), 1) && same(offsetof(FlowRecord, dport), 2);
    default:
      return false;  // times, derived and generic values
  }
}

void JsonRecordWriter::CompileConstants(std::span<const FlowRecord> records) {
  program_.clear();
  literals_.clear();
  // Checking costs a pass over the records; for a handful it does not pay.
  constexpr size_t kFewest = 8;
  const bool enough = records.size() >= kFewest;
  const RecordDiff diff = enough ? Differences(records) : RecordDiff{};
  bool run = false;  // the last entry of program_ is a literal still growing
  for (const Key& key : keys_) {
    if (!enough || !SameInAll(key, diff)) {
      program_.push_back(key);
      run = false;
      continue;
    }
    char* start = line_.data();
    char* end = WriteValue(PutPadded(start, key.prefix.data(), key.length), key, records[0]);
    if (!run) {
      program_.push_back(
          Key{{}, 0, Value::kLiteral, static_cast<uint16_t>(literals_.size()), nullptr});
      run = true;
    }
    literals_.append(start, end);
    program_.back().length = static_cast<uint16_t>(literals_.size() - program_.back().offset);
  }
  // Offsets and lengths are 16 bits: names long enough to pass that keep the keys.
  if (literals_.size() > UINT16_MAX - 64) program_ = keys_;
  literals_.append(32, ' ');
}

char* JsonRecordWriter::PutCommunityId(char* p, const FlowRecord& r) const {
  p = Put(p, "\"community_id\":\"");
  // Compared as addresses: &r may lie outside the prepared records.
  const auto at = reinterpret_cast<uintptr_t>(&r) - reinterpret_cast<uintptr_t>(prepared_.data());
  if (at < prepared_.size_bytes()) {
    std::memcpy(p, community_ids_.data() + at / sizeof(FlowRecord) * kCommunityIdLength,
                kCommunityIdLength);
  } else {
    const bool icmp = r.is_icmp();
    WriteCommunityId(p, options_.community_id_seed, r.sip, r.dip, r.protocol,
                     icmp ? r.icmp_type() : r.sport, icmp ? r.icmp_code() : r.dport);
  }
  p += kCommunityIdLength;
  *p++ = '"';
  return p;
}

namespace {
template <typename T>
inline T Member(const FlowRecord& r, uint16_t offset) {
  T v;
  std::memcpy(&v, reinterpret_cast<const char*>(&r) + offset, sizeof(T));
  return v;
}
}  // namespace

inline char* JsonRecordWriter::WriteValue(char* p, const Key& key, const FlowRecord& r) {
  switch (key.value) {
    case Value::kU8:
      p = PutUnsigned(p, Member<uint8_t>(r, key.offset));
      break;
    case Value::kU16:
      p = PutUnsigned(p, Member<uint16_t>(r, key.offset));
      break;
    case Value::kU32:
      p = PutUnsigned(p, Member<uint32_t>(r, key.offset));
      break;
    case Value::kU64:
      p = PutUnsigned(p, Member<uint64_t>(r, key.offset));
      break;
    case Value::kIp:
      p = PutIp(
          p, *reinterpret_cast<const IpAddress*>(reinterpret_cast<const char*>(&r) + key.offset));
      break;
    case Value::kStartIso:
      p = WriteIsoTime(p, r.stime_ms);
      break;
    case Value::kEndIso:
      p = WriteIsoTime(p, r.etime_ms());
      break;
    case Value::kDuration:
      p = PutDuration(p, r.duration_ms);
      break;
    case Value::kFlagLetters:
      p = PutLetters(p, Member<uint8_t>(r, key.offset), kFlagLetters, 8);
      break;
    case Value::kFlagNumber:
      *p++ = '"';
      p = PutUnsigned(p, Member<uint8_t>(r, key.offset));
      *p++ = '"';
      break;
    case Value::kAttributes:
      p = PutLetters(p, r.attributes, kAttributeLetters, 4);
      break;
    case Value::kSensor:
      p = WriteSensor(p, r.sensor);
      break;
    case Value::kFlowtypeName:
      p = WriteFlowtypeName(p, r.flowtype, key.info->type);
      break;
    case Value::kUnsigned:
      p = PutUnsigned(p, GetUnsigned(r, key.info->id));
      break;
    case Value::kIcmpPart:
      p = r.is_icmp() ? PutUnsigned(p, GetUnsigned(r, key.info->id)) : Put(p, "null");
      break;
    case Value::kGenericNumber:
      p = WriteGeneric(p, r, *key.info, true);
      break;
    case Value::kGenericText:
      p = WriteGeneric(p, r, *key.info, false);
      break;
    case Value::kLiteral:
      break;  // WriteFields copies it
  }
  return p;
}

char* JsonRecordWriter::WriteFields(char* p, const FlowRecord& r) {
  static_assert(std::is_standard_layout_v<FlowRecord>);  // members found by offsetof
  // Compared as addresses: &r may lie outside the prepared records.
  const bool prepared =
      reinterpret_cast<uintptr_t>(&r) - reinterpret_cast<uintptr_t>(prepared_.data()) <
      prepared_.size_bytes();
  for (const Key& key : prepared ? program_ : keys_) {
    if (key.value == Value::kLiteral) {
      const char* text = literals_.data() + key.offset;
      for (size_t i = 0; i < key.length; i += 32) std::memcpy(p + i, text + i, 32);
      p += key.length;
      continue;
    }
    p = WriteValue(PutPadded(p, key.prefix.data(), key.length), key, r);
  }
  if (keys_.empty()) *p++ = '{';
  const char* comma = keys_.empty() ? "" : ",";
  if (options_.community_id) {
    p = Put(p, comma);
    p = PutCommunityId(p, r);
    comma = ",";
  }
  if (options_.flow_id) {
    p = Put(p, comma);
    p = Put(p, "\"flow_id\":");
    p = PutUnsigned(p, flow_id_);
  }
  *p++ = '}';
  return p;
}

char* JsonRecordWriter::WriteEcs(char* p, const FlowRecord& r) {
  const bool icmp = r.is_icmp();
  p = Put(p, "{\"@timestamp\":");
  p = WriteIsoTime(p, r.stime_ms);
  p = Put(p,
          ",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\"],"
          "\"start\":");
  p = WriteIsoTime(p, r.stime_ms);
  p = Put(p, ",\"end\":");
  p = WriteIsoTime(p, r.etime_ms());
  p = Put(p, ",\"duration\":");
  p = PutUnsigned(p, uint64_t{r.duration_ms} * 1'000'000);  // nanoseconds
  p = Put(p, "},\"source\":{\"ip\":");
  p = PutIp(p, r.sip);
  if (!icmp) {
    p = Put(p, ",\"port\":");
    p = PutUnsigned(p, r.sport);
  }
  p = Put(p, ",\"bytes\":");
  p = PutUnsigned(p, r.bytes);
  p = Put(p, ",\"packets\":");
  p = PutUnsigned(p, r.packets);
  if (r.src_as) {
    p = Put(p, ",\"as\":{\"number\":");
    p = PutUnsigned(p, r.src_as);
    *p++ = '}';
  }
  p = Put(p, "},\"destination\":{\"ip\":");
  p = PutIp(p, r.dip);
  if (!icmp) {
    p = Put(p, ",\"port\":");
    p = PutUnsigned(p, r.dport);
  }
  if (r.dst_as) {
    p = Put(p, ",\"as\":{\"number\":");
    p = PutUnsigned(p, r.dst_as);
    *p++ = '}';
  }
  p = Put(p, "},\"network\":{");
  std::string_view transport = TransportName(r.protocol);
  if (!transport.empty()) {
    p = Put(p, "\"transport\":\"");
    p = Put(p, transport);
    p = Put(p, "\",");
  }
  p = Put(p, "\"iana_number\":\"");
  p = PutUnsigned(p, r.protocol);
  p = Put(p, r.sip.is_v4() ? "\",\"type\":\"ipv4\",\"bytes\":" : "\",\"type\":\"ipv6\",\"bytes\":");
  p = PutUnsigned(p, r.bytes);
  p = Put(p, ",\"packets\":");
  p = PutUnsigned(p, r.packets);
  if (options_.community_id) {
    *p++ = ',';
    p = PutCommunityId(p, r);
  }
  std::string_view type =
      options_.value.names ? options_.value.names->TypeName(r.flowtype) : std::string_view();
  p = Put(p, ",\"direction\":\"");
  p = Put(p, Direction(type));
  *p++ = '"';
  if (r.vlan) {
    p = Put(p, ",\"vlan\":{\"id\":\"");
    p = PutUnsigned(p, r.vlan);
    p = Put(p, "\"}");
  }
  p = Put(p, "},\"observer\":{\"name\":");
  p = WriteSensor(p, r.sensor);
  p = Put(p, ",\"ip\":");
  p = PutIp(p, r.exporter);
  p = Put(p, ",\"ingress\":{\"interface\":{\"id\":\"");
  p = PutUnsigned(p, r.input);
  p = Put(p, "\"}},\"egress\":{\"interface\":{\"id\":\"");
  p = PutUnsigned(p, r.output);
  p = Put(p, "\"}}}");
  if (icmp) {
    p = Put(p, ",\"icmp\":{\"type\":");
    p = PutUnsigned(p, r.icmp_type());
    p = Put(p, ",\"code\":");
    p = PutUnsigned(p, r.icmp_code());
    *p++ = '}';
  }
  p = Put(p, ",\"weir\":{\"class\":");
  p = WriteFlowtypeName(p, r.flowtype, FieldType::kClassName);
  p = Put(p, ",\"type\":");
  p = WriteFlowtypeName(p, r.flowtype, FieldType::kTypeName);
  p = Put(p, ",\"flags\":");
  p = PutLetters(p, r.flags, kFlagLetters, 8);
  p = Put(p, ",\"initial_flags\":");
  p = PutLetters(p, r.initial_flags, kFlagLetters, 8);
  p = Put(p, ",\"session_flags\":");
  p = PutLetters(p, r.session_flags, kFlagLetters, 8);
  p = Put(p, ",\"attributes\":");
  p = PutLetters(p, r.attributes, kAttributeLetters, 4);
  p = Put(p, ",\"application\":");
  p = PutUnsigned(p, r.application);
  p = Put(p, ",\"tos\":");
  p = PutUnsigned(p, r.tos);
  p = Put(p, ",\"nhip\":");
  p = PutIp(p, r.nhip);
  p = Put(p, ",\"sampling\":");
  p = PutUnsigned(p, r.sampling);
  if (options_.flow_id) {
    p = Put(p, ",\"flow_id\":");
    p = PutUnsigned(p, flow_id_);
  }
  p = Put(p, "}}");
  return p;
}

char* JsonRecordWriter::WriteEve(char* p, const FlowRecord& r) {
  const bool icmp = r.is_icmp();
  // Suricata writes local time with an offset and microseconds; weir writes UTC.
  auto eve_time = [&](char* q, int64_t ms) {
    q = WriteIsoTime(q, ms);
    q -= 2;  // drop 'Z"'
    return Put(q, "000+0000\"");
  };
  p = Put(p, "{\"timestamp\":");
  p = eve_time(p, r.stime_ms);
  if (options_.flow_id) {
    p = Put(p, ",\"flow_id\":");
    p = PutUnsigned(p, flow_id_ & 0x7fffffffffffffffULL);  // Suricata's ids are positive
  }
  p = Put(p, ",\"event_type\":\"netflow\"");
  if (r.vlan) {
    p = Put(p, ",\"vlan\":[");
    p = PutUnsigned(p, r.vlan);
    *p++ = ']';
  }
  p = Put(p, ",\"src_ip\":");
  p = PutIp(p, r.sip);
  if (!icmp) {
    p = Put(p, ",\"src_port\":");
    p = PutUnsigned(p, r.sport);
  }
  p = Put(p, ",\"dest_ip\":");
  p = PutIp(p, r.dip);
  if (!icmp) {
    p = Put(p, ",\"dest_port\":");
    p = PutUnsigned(p, r.dport);
  }
  p = Put(p, ",\"proto\":\"");
  std::string_view proto = EveProtocolName(r.protocol);
  p = proto.empty() ? PutUnsigned(p, r.protocol) : Put(p, proto);
  *p++ = '"';
  if (icmp) {
    p = Put(p, ",\"icmp_type\":");
    p = PutUnsigned(p, r.icmp_type());
    p = Put(p, ",\"icmp_code\":");
    p = PutUnsigned(p, r.icmp_code());
  }
  if (options_.community_id) {
    *p++ = ',';
    p = PutCommunityId(p, r);
  }
  p = Put(p, ",\"netflow\":{\"pkts\":");
  p = PutUnsigned(p, r.packets);
  p = Put(p, ",\"bytes\":");
  p = PutUnsigned(p, r.bytes);
  p = Put(p, ",\"start\":");
  p = eve_time(p, r.stime_ms);
  p = Put(p, ",\"end\":");
  p = eve_time(p, r.etime_ms());
  p = Put(p, ",\"age\":");
  p = PutUnsigned(p, r.duration_ms / 1000);
  p = Put(p, "}");
  if (r.protocol == kProtoTcp) {
    static constexpr const char* kNames[] = {"fin", "syn", "rst", "psh",
                                             "ack", "urg", "ecn", "cwr"};
    static constexpr char kHex[] = "0123456789abcdef";
    p = Put(p, ",\"tcp\":{\"tcp_flags\":\"");
    *p++ = kHex[r.flags >> 4];
    *p++ = kHex[r.flags & 15];
    *p++ = '"';
    for (int bit = 0; bit < 8; ++bit) {
      if (!(r.flags & (1 << bit))) continue;
      *p++ = ',';
      *p++ = '"';
      p = Put(p, kNames[bit]);
      p = Put(p, "\":true");
    }
    *p++ = '}';
  }
  p = Put(p, ",\"host\":");
  p = WriteSensor(p, r.sensor);
  *p++ = '}';
  return p;
}

}  // namespace weir
